// The ES build registers <user-box> once; importing it here is the whole integration.
import '@userbox/widget';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import '../../page.css'; // the host examples' one stylesheet

/** The account service, from the page (server.mjs sets it when it serves index.html), not from the build. */
const serviceUrl = document.querySelector<HTMLMetaElement>('meta[name="userbox-service"]')?.content ?? 'http://localhost:4000';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App serviceUrl={serviceUrl} />
  </StrictMode>,
);
