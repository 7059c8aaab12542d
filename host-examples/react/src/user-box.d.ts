// `<user-box>` in JSX, typed from the widget's shipped declarations. React 19 sets a prop as a property when
// the element has one by that name (service, returnTo, theme, hideLauncher) and as an attribute otherwise.
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { UserBox } from '@userbox/widget';

type UserBoxProps = DetailedHTMLProps<HTMLAttributes<UserBox>, UserBox> &
  Partial<Pick<UserBox, 'service' | 'returnTo' | 'theme' | 'hideLauncher'>>;

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'user-box': UserBoxProps;
    }
  }
}
