// Passkeys on the service's own pages, on SimpleWebAuthn's browser half (/assets/simplewebauthn-browser.js, which
// defines SimpleWebAuthnBrowser). The login page: "Sign in with a passkey" and autofill on the email field
// (conditional mediation). The account page: "Add a passkey". The server checks everything; this only carries.
(() => {
  const webauthn = window.SimpleWebAuthnBrowser;
  if (!webauthn || !webauthn.browserSupportsWebAuthn()) return;

  const errorBox = document.getElementById('passkey-error');
  // The page's words (its language's): a cancelled ceremony, and a failure. The API's and the browser's messages are
  // English, so a page in another language shows its own failure message instead.
  const words = { cancelled: errorBox?.dataset.cancelled ?? '', failed: errorBox?.dataset.failed ?? 'Something went wrong. Try again.' };
  const english = document.documentElement.lang === 'en';
  const failure = (err) => (cancelled(err) ? words.cancelled : english ? err.message : words.failed);
  // A language the page was opened with (?lang=) goes on to the page after.
  const lang = document.querySelector('input[name="lang"]')?.value;
  const showError = (message) => {
    if (!errorBox) return;
    errorBox.textContent = message;
    errorBox.hidden = !message;
  };
  /** The user closed the browser's dialog, or another ceremony replaced this one: nothing to report. */
  const cancelled = (err) => err && (err.name === 'AbortError' || err.name === 'NotAllowedError' || err.code === 'ERROR_CEREMONY_ABORTED');

  async function post(path, body) {
    const res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(data?.error?.message ?? words.failed), { server: true });
    return data;
  }

  const signInBlock = document.querySelector('[data-passkey-sign-in]');
  if (signInBlock) {
    signInBlock.hidden = false;
    const returnTo = document.querySelector('input[name="return_to"]')?.value ?? '';
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
    // "Add another account" mode of the login page: the passkey's account joins the browser's others.
    const add = document.querySelector('input[name="add"]')?.value === '1';

    async function signIn(useBrowserAutofill) {
      const optionsJSON = await post('/api/passkeys/sign-in/options');
      const response = await webauthn.startAuthentication({ optionsJSON, useBrowserAutofill });
      const done = await post('/api/passkeys/sign-in', { response, returnTo, timeZone, add });
      window.location.assign(done.redirectTo);
    }

    async function autofill() {
      if (!(await webauthn.browserSupportsWebAuthnAutofill())) return;
      try {
        await signIn(true);
      } catch (err) {
        if (!cancelled(err)) showError(failure(err));
      }
    }

    document.getElementById('passkey-sign-in')?.addEventListener('click', async () => {
      showError('');
      try {
        await signIn(false);
      } catch (err) {
        showError(failure(err));
        void autofill();
      }
    });
    void autofill();
  }

  const addForm = document.querySelector('[data-passkey-add]');
  if (addForm) {
    addForm.hidden = false;
    // The account the page is about: one of the browser's several.
    const account = `?account=${encodeURIComponent(addForm.dataset.account ?? '')}`;
    addForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      showError('');
      const name = addForm.querySelector('input[name="name"]').value;
      try {
        const optionsJSON = await post(`/api/passkeys/registration/options${account}`);
        const response = await webauthn.startRegistration({ optionsJSON });
        await post(`/api/passkeys/registration${account}`, { name, response });
        window.location.assign(`/account${account}&done=passkey-added${lang ? `&lang=${lang}` : ''}`);
      } catch (err) {
        showError(failure(err));
      }
    });
  }
})();
