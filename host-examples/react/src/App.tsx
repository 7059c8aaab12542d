import { useLayoutEffect, useRef, useState } from 'react';
import type { UserBox, UserboxUser } from '@userbox/widget';

/** undefined until the box has heard from the service, null when nobody is signed in. */
type SignedIn = UserboxUser | null | undefined;

export function App({ serviceUrl }: { serviceUrl: string }) {
  const box = useRef<UserBox>(null);
  const [user, setUser] = useState<SignedIn>(undefined);

  // A layout effect, so the listener is in place before the box's first update (a microtask after it connects)
  // can announce a user it already knows.
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const onChange = (event: HTMLElementEventMap['userbox-change']) => setUser(event.detail.user);
    element.addEventListener('userbox-change', onChange);
    return () => element.removeEventListener('userbox-change', onChange);
  }, []);

  return (
    <>
      <header>
        <strong>React demo</strong>
        <user-box ref={box} service={serviceUrl} />
      </header>
      <main aria-busy={user === undefined}>
        {user === undefined ? null : user ? <Dashboard user={user} /> : <p>Sign in to see your dashboard.</p>}
      </main>
    </>
  );
}

function Dashboard({ user }: { user: UserboxUser }) {
  return (
    <section aria-labelledby="dashboard-title">
      <h1 id="dashboard-title">Your dashboard, {user.name}</h1>
      <p>This content is rendered by React only while someone is signed in. It follows the box's <code>userbox-change</code> event.</p>
    </section>
  );
}
