/**
 * FedCM (Federated Credential Management) for token mode, in a chunk of its own: only pages of another site in a
 * browser that has `IdentityCredential` load it. The browser asks the account service who is signed in and hands
 * the page the service's answer with no redirect, no popup and no third-party cookie; the service answers an
 * authorization code bound to this page's origin, a PKCE challenge and a nonce, which token mode trades at `/token`
 * like the code of its bounce (auth-service README, "FedCM").
 */

/** The parts of `navigator` FedCM uses, so tests can run it without a browser. */
export interface FedcmNavigator {
  credentials: {
    get(options: unknown): Promise<unknown>;
    preventSilentAccess?(): Promise<void>;
  };
}

/** A code from FedCM, with what proves this page asked for it: the PKCE verifier and the nonce its ID token must carry. */
export interface FedcmCode {
  code: string;
  verifier: string;
  nonce: string;
}

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/**
 * Asks the browser for a code from the service at `serviceUrl` for `clientId`, with `mediation: 'optional'`: the
 * browser signs a returning user in silently where it allows that, else shows its account chooser. Null when the
 * browser or the user says no (nobody signed in at the service, the dialog dismissed, FedCM not set up there): the
 * browser does not say which, on purpose.
 */
export async function requestFedcmCode(serviceUrl: string, clientId: string, nav: FedcmNavigator = navigator as unknown as FedcmNavigator): Promise<FedcmCode | null> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const nonce = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  try {
    const credential = (await nav.credentials.get({
      identity: {
        providers: [{ configURL: `${serviceUrl}/fedcm/config.json`, clientId, params: { nonce, code_challenge: challenge } }],
      },
      mediation: 'optional',
    })) as { token?: unknown } | null;
    return typeof credential?.token === 'string' ? { code: credential.token, verifier, nonce } : null;
  } catch {
    return null;
  }
}

