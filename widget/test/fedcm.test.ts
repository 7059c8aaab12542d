import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { fedcmBounceWithinMs, TokenSessionClient, type TokenModeWindow } from '../src/token-session-client.js';

const service = 'https://accounts.example.test';
const shop = 'https://shop.other.test';
const ada = { id: 'u1', name: 'Ada Lovelace', email: 'ada@example.test', picture: null, initials: 'AL' };

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: object) => `${b64({ alg: 'ES256' })}.${b64(claims)}.sig`;
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/**
 * A Chromium tab on the shop (it has `IdentityCredential`), whose browser answers `navigator.credentials.get` with
 * `fedcm`: a code the fake service knows, bound (as the real one binds it) to the page's origin and the PKCE
 * challenge and nonce of the request; or a refusal.
 */
function chromiumTab(fedcm: 'signs-in' | 'refuses', storage = new Map<string, string>(), refusesAfterMs = 0) {
  const codes = new Map<string, { challenge: string; nonce: string }>();
  const asked: Array<{ identity: { providers: Array<{ configURL: string; clientId: string; params: Record<string, string> }> }; mediation: string }> = [];
  const get = vi.fn(async (options: unknown) => {
    const request = options as (typeof asked)[number];
    asked.push(request);
    if (fedcm === 'refuses') {
      // Chromium's refusal comes after a random delay where it cannot refuse at once.
      if (refusesAfterMs) await new Promise((resolve) => setTimeout(resolve, refusesAfterMs));
      throw new DOMException('Error retrieving a token.', 'NetworkError');
    }
    const { params } = request.identity.providers[0]!;
    codes.set('fedcm-code', { challenge: params['code_challenge']!, nonce: params['nonce']! });
    return { token: 'fedcm-code', type: 'identity' };
  });
  const preventSilentAccess = vi.fn(async () => undefined);
  const fetchImpl = vi.fn<typeof fetch>(async (input, init = {}) => {
    const path = new URL(String(input)).pathname;
    const form = init.body instanceof URLSearchParams ? Object.fromEntries(init.body) : {};
    if (path === '/api/apps') return json({ apps: [{ id: 'shop', name: 'Shop', url: `${shop}/`, icon: null }] });
    if (path === '/token') {
      const code = codes.get(form['code'] ?? '');
      const challenge = createHash('sha256').update(form['code_verifier'] ?? '').digest('base64url');
      if (!code || code.challenge !== challenge || form['redirect_uri'] !== shop) return json({ error: 'invalid_grant' }, 400);
      return json({ access_token: 'at-1', token_type: 'Bearer', expires_in: 600, id_token: jwt({ sub: 'u1', nonce: code.nonce }), refresh_token: 'rt-1' });
    }
    if (path === '/api/me') return json({ user: ada, session: { id: 's1', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } });
    return json({ error: { code: 'NOT_FOUND' } }, 404);
  });
  const localStorage = {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => void storage.set(k, v),
    removeItem: (k: string) => void storage.delete(k),
  };
  const cookies: string[] = [];
  const win = {
    IdentityCredential: class {},
    location: { href: `${shop}/cart`, origin: shop, protocol: 'https:', assign: vi.fn<(to: string) => void>(), replace: vi.fn<(to: string) => void>() },
    history: { state: null, replaceState: vi.fn() },
    localStorage,
    sessionStorage: { getItem: () => null, setItem: () => undefined, removeItem: () => undefined },
    document: {
      get cookie() {
        return cookies.join('; ');
      },
      set cookie(value: string) {
        cookies.push(value.split(';')[0]!);
      },
    },
    navigator: { credentials: { get, preventSilentAccess } },
    scrollY: 0,
    scrollTo: vi.fn(),
  } satisfies TokenModeWindow & { IdentityCredential: unknown };
  const client = new TokenSessionClient(service, undefined, fetchImpl, undefined, win);
  return { client, win, get, asked, fetchImpl, storage, preventSilentAccess };
}

describe('TokenSessionClient with FedCM', () => {
  it('asks FedCM first and trades its code with PKCE at /token: signed in with no top-level navigation', async () => {
    const tab = chromiumTab('signs-in');
    await expect(tab.client.me()).resolves.toMatchObject({ user: ada });
    expect(tab.win.location.assign).not.toHaveBeenCalled();
    const [request] = tab.asked;
    expect(request).toMatchObject({ mediation: 'optional', identity: { providers: [{ configURL: `${service}/fedcm/config.json`, clientId: 'shop' }] } });
    expect(request!.identity.providers[0]!.params).toEqual({ nonce: expect.stringMatching(/^[\w-]{43}$/), code_challenge: expect.stringMatching(/^[\w-]{43}$/) });
    const exchange = tab.fetchImpl.mock.calls.find(([url]) => String(url).endsWith('/token'))!;
    expect(Object.fromEntries(exchange[1]!.body as URLSearchParams)).toMatchObject({ grant_type: 'authorization_code', code: 'fedcm-code', redirect_uri: shop, client_id: 'shop' });
    expect(tab.storage.get(`userbox:refresh:${service}:shop`)).toBe('rt-1');
  });

  it('falls back to the bounce when FedCM says no and has never signed this site in', async () => {
    const tab = chromiumTab('refuses');
    void tab.client.me();
    await vi.waitFor(() => expect(tab.win.location.assign).toHaveBeenCalledTimes(1));
    const bounce = new URL(tab.win.location.assign.mock.calls[0]![0]);
    expect(bounce.pathname).toBe('/authorize');
    expect(bounce.searchParams.get('prompt')).toBe('none');
  });

  it('still bounces when the refusal comes within 3 s, but not later: the page is not taken from a user already using it', async () => {
    // The clock and timers are the test's; setImmediate stays real, to wait for the hashing before FedCM is asked.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const asked = async (get: { mock: { calls: unknown[] } }) => {
      while (get.mock.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    };
    try {
      const quick = chromiumTab('refuses', undefined, fedcmBounceWithinMs);
      void quick.client.me();
      await asked(quick.get);
      await vi.advanceTimersByTimeAsync(fedcmBounceWithinMs);
      await vi.waitFor(() => expect(quick.win.location.assign).toHaveBeenCalledTimes(1));
      expect(new URL(quick.win.location.assign.mock.calls[0]![0]).pathname).toBe('/authorize');

      const late = chromiumTab('refuses', undefined, fedcmBounceWithinMs + 1);
      const answer = late.client.me();
      await asked(late.get);
      await vi.advanceTimersByTimeAsync(fedcmBounceWithinMs + 1);
      await expect(answer).resolves.toEqual({ user: null });
      expect(late.win.location.assign).not.toHaveBeenCalled();
      // Sign in is still there, and choosing it bounces.
      expect(new URL(late.client.loginUrl(`${shop}/cart`, 'en')).pathname).toBe('/authorize');
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows Sign in without a bounce when FedCM, which signed this site in before, now says no; and asks it once per page load', async () => {
    const storage = new Map([[`userbox:fedcm:${service}`, '1']]);
    const tab = chromiumTab('refuses', storage);
    await expect(tab.client.me()).resolves.toEqual({ user: null });
    await expect(tab.client.me()).resolves.toEqual({ user: null });
    expect(tab.get).toHaveBeenCalledTimes(1);
    expect(tab.win.location.assign).not.toHaveBeenCalled();
    // Sign in is still the interactive bounce.
    expect(new URL(tab.client.loginUrl(`${shop}/cart`, 'en')).pathname).toBe('/authorize');
  });

  it('tells the browser not to sign this site in silently after a sign-out from the box', async () => {
    const tab = chromiumTab('signs-in');
    await tab.client.me();
    await tab.client.signOut();
    expect(tab.preventSilentAccess).toHaveBeenCalledOnce();
    expect(new URL(tab.win.location.assign.mock.calls.at(-1)![0]).pathname).toBe('/end_session');
  });
});
