import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ViewKeeper } from '../src/kept-view.js';
import type { SessionUpdate } from '../src/session-client.js';
import { TokenSessionClient, type TokenModeWindow } from '../src/token-session-client.js';

const service = 'https://accounts.example.test';
const shop = 'https://shop.other.test';
const ada = { id: 'u1', name: 'Ada Lovelace', email: 'ada@example.test', picture: null, initials: 'AL' };

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** One Web Locks manager for every "tab" of a test: callbacks for one name run one after another. */
function lockManager() {
  const tails = new Map<string, Promise<unknown>>();
  const requested: string[] = [];
  return {
    requested,
    request<T>(name: string, callback: () => Promise<T>): Promise<T> {
      requested.push(name);
      const run = (tails.get(name) ?? Promise.resolve()).then(callback);
      tails.set(name, run.catch(() => undefined));
      return run;
    },
  };
}

/** A browser tab at `href`; tabs made from the same `shared` share localStorage, cookies and locks. */
function makeTab(href: string, shared = { localStorage: new MemoryStorage(), cookies: [] as string[], locks: lockManager() }) {
  const url = new URL(href);
  const sessionStorage = new MemoryStorage();
  const win = {
    location: {
      href,
      origin: url.origin,
      protocol: url.protocol,
      assign: vi.fn<(to: string) => void>(),
      replace: vi.fn<(to: string) => void>(),
    },
    history: {
      state: null,
      replaceState: vi.fn<(data: unknown, unused: string, to: string) => void>((_d, _u, to) => {
        win.location.href = to;
      }),
    },
    localStorage: shared.localStorage,
    sessionStorage,
    document: {
      get cookie() {
        return shared.cookies.join('; ');
      },
      set cookie(value: string) {
        shared.cookies.push(value.split(';')[0]!);
      },
    },
    navigator: { locks: shared.locks } as TokenModeWindow['navigator'],
    scrollY: 0,
    scrollTo: vi.fn<(x: number, y: number) => void>(),
  } satisfies TokenModeWindow;
  return { win, shared, sessionStorage };
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: object) => `${b64({ alg: 'ES256' })}.${b64(claims)}.sig`;

/**
 * The service's side of token mode, as far as the client sees it: /api/apps, /token (codes and rotating refresh
 * tokens, a reused one refused), /api/me with a bearer token, DELETE /api/sessions.
 */
function fakeService() {
  const state = {
    codes: new Map<string, { verifier: string; nonce: string; redirectUri: string }>(),
    liveRefresh: new Set<string>(),
    liveAccess: new Set<string>(),
    issued: 0,
    tokenStatus: 200,
    /** Whether /token sends the view along when asked, as the service does (false: an older service). */
    viewAlong: true,
  };
  const calls: { url: string; init: RequestInit; form?: Record<string, string> }[] = [];
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const view = () => ({ user: ada, session: { id: 's1', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } });
  const issue = (nonce: string | undefined, withView: boolean) => {
    const n = ++state.issued;
    state.liveRefresh.add(`rt-${n}`);
    state.liveAccess.add(`at-${n}`);
    // As the service does when the box asks (userbox_view=1): the body /api/me would answer, along.
    const along = withView && state.viewAlong ? { userbox_view: view() } : {};
    return json({ access_token: `at-${n}`, token_type: 'Bearer', expires_in: 600, id_token: jwt({ sub: 'u1', nonce, n }), refresh_token: `rt-${n}`, ...along });
  };
  const fetchImpl = vi.fn<typeof fetch>(async (input, init = {}) => {
    const url = String(input);
    const path = new URL(url).pathname;
    const form = init.body instanceof URLSearchParams ? Object.fromEntries(init.body) : undefined;
    calls.push({ url, init, ...(form && { form }) });
    if (path === '/api/apps') return json({ apps: [{ id: 'shop', name: 'Shop', url: `${shop}/`, icon: null }] });
    if (path === '/token') {
      if (state.tokenStatus !== 200) return json({ error: 'server_error' }, state.tokenStatus);
      if (form?.['grant_type'] === 'authorization_code') {
        const code = state.codes.get(form['code'] ?? '');
        state.codes.delete(form['code'] ?? '');
        const challenge = createHash('sha256').update(form['code_verifier'] ?? '').digest('base64url');
        if (!code || code.verifier !== challenge || code.redirectUri !== form['redirect_uri']) return json({ error: 'invalid_grant' }, 400);
        return issue(code.nonce, form['userbox_view'] === '1');
      }
      const presented = form?.['refresh_token'] ?? '';
      if (!state.liveRefresh.delete(presented)) {
        state.liveRefresh.clear(); // reuse: the whole family goes
        return json({ error: 'invalid_grant' }, 400);
      }
      return issue(undefined, form?.['userbox_view'] === '1');
    }
    const bearer = new Headers(init.headers).get('authorization')?.replace('Bearer ', '');
    if (path === '/api/me') {
      if (!bearer || !state.liveAccess.has(bearer)) return json({ error: { code: 'UNAUTHENTICATED' } }, 401);
      return json(view());
    }
    if (path === '/api/sessions' && init.method === 'DELETE') {
      if (!bearer || !state.liveAccess.has(bearer)) return json({ error: { code: 'UNAUTHENTICATED' } }, 401);
      state.liveAccess.clear();
      state.liveRefresh.clear();
      return new Response(null, { status: 204 });
    }
    return json({ error: { code: 'NOT_FOUND' } }, 404);
  });
  /** What the provider does at /authorize for a signed-in user: a code bound to the request, back at redirect_uri. */
  const answer = (authorizeUrl: string): string => {
    const q = new URL(authorizeUrl).searchParams;
    const code = `code-${state.codes.size + 1}`;
    state.codes.set(code, { verifier: q.get('code_challenge')!, nonce: q.get('nonce')!, redirectUri: q.get('redirect_uri')! });
    // With the issuer, as the real provider answers (RFC 9207).
    return `${q.get('redirect_uri')}?code=${code}&state=${q.get('state')}&iss=${encodeURIComponent(service)}`;
  };
  return { state, calls, fetchImpl, answer };
}

const settles = (promise: Promise<unknown>) =>
  Promise.race([promise.then(() => true, () => true), new Promise((resolve) => setTimeout(() => resolve(false), 50))]);

type Tab = ReturnType<typeof makeTab>;

/** The client as a box on `tab` makes it, talking to `svc`. */
const clientIn = (tab: Tab, svc: ReturnType<typeof fakeService>) => new TokenSessionClient(service, undefined, svc.fetchImpl, undefined, tab.win);

/** Starts the silent sign-in in `tab` and returns the /authorize address it bounced to. */
async function bounceToProvider(tab: Tab, svc: ReturnType<typeof fakeService>): Promise<string> {
  void clientIn(tab, svc).me();
  await vi.waitFor(() => expect(tab.win.location.assign).toHaveBeenCalled());
  return tab.win.location.assign.mock.calls[0]![0];
}

/** The browser back from the provider at `url` in the same tab: a new page, with `tab`'s sessionStorage. */
function returnFromProvider(tab: Tab, url: string): Tab {
  const back = makeTab(url, tab.shared);
  for (const [k, v] of tab.sessionStorage.items) back.sessionStorage.setItem(k, v);
  return back;
}

/** A tab at `href` whose browser holds a live refresh token (`rt-0`) for the Shop app. */
function signedInTab(svc: ReturnType<typeof fakeService>, href: string): Tab {
  svc.state.liveRefresh.add('rt-0');
  const tab = makeTab(href);
  tab.shared.localStorage.setItem(`userbox:refresh:${service}:shop`, 'rt-0');
  return tab;
}

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.useRealTimers();
  warn.mockRestore();
});

describe('TokenSessionClient', () => {
  it('bounces once through /authorize?prompt=none with PKCE S256, and keeps the placeholder meanwhile', async () => {
    const svc = fakeService();
    const { win, sessionStorage } = makeTab(`${shop}/cart?item=42#s5`);
    win.scrollY = 1234;
    const client = new TokenSessionClient(service, undefined, svc.fetchImpl, undefined, win);
    const me = client.me();
    // Waited for rather than timed: on a loaded machine the PKCE digest may take longer than a fixed pause.
    await vi.waitFor(() => expect(win.location.assign).toHaveBeenCalledTimes(1));
    expect(await settles(me)).toBe(false);
    const asked = new URL(win.location.assign.mock.calls[0]![0]);
    expect(asked.origin + asked.pathname).toBe(`${service}/authorize`);
    const q = Object.fromEntries(asked.searchParams);
    expect(q).toMatchObject({ response_type: 'code', client_id: 'shop', redirect_uri: `${shop}/cart`, prompt: 'none', code_challenge_method: 'S256', scope: 'openid profile email' });
    const pending = JSON.parse(sessionStorage.getItem(`userbox:pending:${q['state']}`)!) as Record<string, unknown>;
    expect(createHash('sha256').update(pending['verifier'] as string).digest('base64url')).toBe(q['code_challenge']);
    expect(pending).toMatchObject({ nonce: q['nonce'], returnUrl: `${shop}/cart?item=42#s5`, scrollY: 1234 });
    expect(win.document.cookie).toBe('userbox_tried_shop=1');
  });

  it('comes back to the hash when it left while the page was loading, before the browser had quite scrolled there', async () => {
    const svc = fakeService();
    const first = makeTab(`${shop}/cart#s5`);
    // Firefox, part way to the hash at the moment the box bounced.
    Object.assign(first.win.document, { readyState: 'interactive' });
    first.win.scrollY = 500;
    const back = returnFromProvider(first, svc.answer(await bounceToProvider(first, svc)));
    const section = { scrollIntoView: vi.fn() };
    const getElementById = vi.fn((id: string) => (id === 's5' ? section : null));
    Object.assign(back.win.document, { getElementById });
    await clientIn(back, svc).me();
    expect(section.scrollIntoView).toHaveBeenCalledOnce();
    expect(back.win.scrollTo).not.toHaveBeenCalled();
  });

  it('comes back: trades the code for tokens, restores the address and scroll, and asks /api/me with the bearer token', async () => {
    const svc = fakeService();
    // A service that sends no view along with the tokens: the box asks /api/me.
    svc.state.viewAlong = false;
    const first = makeTab(`${shop}/cart#s5`);
    first.win.scrollY = 800;
    Object.assign(first.win.document, { readyState: 'complete' });
    // The browser comes back to the redirect URI in the same tab (same sessionStorage).
    const back = returnFromProvider(first, svc.answer(await bounceToProvider(first, svc)));

    const client = clientIn(back, svc);
    await expect(client.me()).resolves.toMatchObject({ user: ada });
    expect(back.win.history.replaceState).toHaveBeenCalledWith(null, '', `${shop}/cart#s5`);
    expect(back.win.scrollTo).toHaveBeenCalledWith(0, 800);
    expect(back.win.location.replace).not.toHaveBeenCalled();
    const exchange = svc.calls.find((c) => c.form?.['grant_type'] === 'authorization_code')!;
    expect(exchange.init.credentials).toBe('omit');
    expect(exchange.form).toMatchObject({ client_id: 'shop', redirect_uri: `${shop}/cart` });
    const me = svc.calls.at(-1)!;
    expect(me.url).toBe(`${service}/api/me`);
    expect(new Headers(me.init.headers).get('authorization')).toBe('Bearer at-1');
    expect(me.init.credentials).toBe('omit');
    expect(first.shared.localStorage.getItem(`userbox:refresh:${service}:shop`)).toBe('rt-1');
    // The pending sign-in is spent (and no keeper here: nothing else is kept in the tab).
    expect([...back.sessionStorage.items.keys()]).toEqual([]);
  });

  it('loads a return address with a query again, since the server may have rendered from it', async () => {
    const svc = fakeService();
    const first = makeTab(`${shop}/search?q=shoes`);
    const back = returnFromProvider(first, svc.answer(await bounceToProvider(first, svc)));
    const client = clientIn(back, svc);
    expect(await settles(client.me())).toBe(false);
    expect(back.win.location.replace).toHaveBeenCalledWith(`${shop}/search?q=shoes`);
    // The next page starts from the stored refresh token, without a bounce.
    const next = makeTab(`${shop}/search?q=shoes`, first.shared);
    await expect(clientIn(next, svc).me()).resolves.toMatchObject({ user: ada });
    expect(next.win.location.assign).not.toHaveBeenCalled();
  });

  it('remembers login_required: signed out, no warning, and never a second bounce in this browser session', async () => {
    const svc = fakeService();
    const first = makeTab(`${shop}/`);
    const state = new URL(await bounceToProvider(first, svc)).searchParams.get('state');
    // As the real provider answers errors too: with its issuer (RFC 9207).
    const back = returnFromProvider(first, `${shop}/?error=login_required&state=${state}&iss=${encodeURIComponent(service)}`);
    await expect(clientIn(back, svc).me()).resolves.toEqual({ user: null });
    expect(back.win.history.replaceState).toHaveBeenCalledWith(null, '', `${shop}/`);
    expect(warn).not.toHaveBeenCalled();

    const reload = makeTab(`${shop}/`, first.shared);
    await expect(clientIn(reload, svc).me()).resolves.toEqual({ user: null });
    expect(reload.win.location.assign).not.toHaveBeenCalled();
  });

  it('offers Sign in as an interactive /authorize whose answer returns to the given page', async () => {
    const svc = fakeService();
    const tab = makeTab(`${shop}/`);
    tab.shared.cookies.push('userbox_tried_shop=1');
    const client = clientIn(tab, svc);
    expect(client.loginUrl(`${shop}/`, 'en')).toBe(`${service}/login?return_to=${encodeURIComponent(`${shop}/`)}&lang=en`);
    await expect(client.me()).resolves.toEqual({ user: null });
    const url = new URL(client.loginUrl(`${shop}/cart`, 'en'));
    expect(url.origin + url.pathname).toBe(`${service}/authorize`);
    expect(url.searchParams.has('prompt')).toBe(false);
    const pending = JSON.parse(tab.sessionStorage.getItem(`userbox:pending:${url.searchParams.get('state')}`)!) as { returnUrl: string };
    expect(pending.returnUrl).toBe(`${shop}/cart`);
    // The box's language goes along as ui_locales, which the provider's sign-in page speaks.
    expect(url.searchParams.get('ui_locales')).toBe('en');
    const german = new URL(client.loginUrl(`${shop}/cart`, 'de'));
    expect([german.searchParams.get('ui_locales'), german.searchParams.get('state')]).toEqual(['de', url.searchParams.get('state')]);
  });

  it('refuses an ID token that does not answer its sign-in (nonce) and keeps no tokens', async () => {
    const svc = fakeService();
    const first = makeTab(`${shop}/`);
    const back = returnFromProvider(first, svc.answer(await bounceToProvider(first, svc)));
    for (const [k, v] of back.sessionStorage.items) {
      back.sessionStorage.setItem(k, JSON.stringify({ ...(JSON.parse(v) as object), nonce: 'someone else’s' }));
    }
    await expect(clientIn(back, svc).me()).rejects.toMatchObject({ name: 'SessionError' });
    expect(first.shared.localStorage.getItem(`userbox:refresh:${service}:shop`)).toBeNull();
  });

  it('never sends a code to /token when the answer names another issuer (mix-up, RFC 9207)', async () => {
    const svc = fakeService();
    const first = makeTab(`${shop}/`);
    const answer = svc.answer(await bounceToProvider(first, svc)).replace(encodeURIComponent(service), encodeURIComponent('https://evil.test'));
    await expect(clientIn(returnFromProvider(first, answer), svc).me()).resolves.toEqual({ user: null });
    expect(svc.calls.some((c) => c.form?.['grant_type'] === 'authorization_code')).toBe(false);
    expect(warn).toHaveBeenCalledWith('[user-box] sign-in answer from another issuer:', 'https://evil.test');
  });

  it('never sends a code to /token when the answer names no issuer (RFC 9207)', async () => {
    const svc = fakeService();
    const first = makeTab(`${shop}/`);
    const answer = svc.answer(await bounceToProvider(first, svc)).replace(`&iss=${encodeURIComponent(service)}`, '');
    expect(answer).not.toContain('iss=');
    await expect(clientIn(returnFromProvider(first, answer), svc).me()).resolves.toEqual({ user: null });
    expect(svc.calls.some((c) => c.form?.['grant_type'] === 'authorization_code')).toBe(false);
    expect(warn).toHaveBeenCalledWith('[user-box] sign-in answer from another issuer:', '(none)');
  });

  it('ignores a code whose state this tab did not start', async () => {
    const svc = fakeService();
    const tab = makeTab(`${shop}/?code=planted&state=not-ours`);
    tab.shared.cookies.push('userbox_tried_shop=1');
    await expect(clientIn(tab, svc).me()).resolves.toEqual({ user: null });
    expect(svc.calls.some((c) => c.form?.['code'] === 'planted')).toBe(false);
  });

  it('refreshes with the stored token under a Web Lock, rotating it, and tabs take turns', async () => {
    const svc = fakeService();
    const a = makeTab(`${shop}/`);
    svc.state.liveRefresh.add('rt-0');
    a.shared.localStorage.setItem(`userbox:refresh:${service}:shop`, 'rt-0');
    const b = makeTab(`${shop}/cart`, a.shared);
    const [meA, meB] = await Promise.all([
      clientIn(a, svc).me(),
      clientIn(b, svc).me(),
    ]);
    expect([meA, meB]).toMatchObject([{ user: ada }, { user: ada }]);
    const presented = svc.calls.filter((c) => c.form?.['grant_type'] === 'refresh_token').map((c) => c.form!['refresh_token']);
    expect(presented).toEqual(['rt-0', 'rt-1']);
    expect(a.shared.localStorage.getItem(`userbox:refresh:${service}:shop`)).toBe('rt-2');
    expect(a.shared.locks.requested).toEqual([`userbox:refresh:${service}:shop`, `userbox:refresh:${service}:shop`]);
  });

  it('without Web Locks two tabs would present the same token: the service sees a reuse (why the lock matters)', async () => {
    const svc = fakeService();
    svc.state.liveRefresh.add('rt-0');
    const shared = { localStorage: new MemoryStorage(), cookies: ['userbox_tried_shop=1'], locks: lockManager() };
    shared.localStorage.setItem(`userbox:refresh:${service}:shop`, 'rt-0');
    const [a, b] = [makeTab(`${shop}/`, shared), makeTab(`${shop}/`, shared)];
    a.win.navigator = {};
    b.win.navigator = {};
    const answers = await Promise.all([a, b].map((t) => clientIn(t, svc).me()));
    expect(answers).toContainEqual({ user: null });
  });

  it('treats a refused refresh token as signed out: forgets it and does not bounce', async () => {
    const svc = fakeService();
    const tab = makeTab(`${shop}/`);
    tab.shared.localStorage.setItem(`userbox:refresh:${service}:shop`, 'rt-revoked');
    await expect(clientIn(tab, svc).me()).resolves.toEqual({ user: null });
    expect(tab.shared.localStorage.getItem(`userbox:refresh:${service}:shop`)).toBeNull();
    expect(tab.win.location.assign).not.toHaveBeenCalled();
    expect(tab.win.document.cookie).toContain('userbox_tried_shop=1');
  });

  it('keeps the refresh token through a service failure and reports it as a SessionError (retried later)', async () => {
    const svc = fakeService();
    svc.state.tokenStatus = 503;
    const tab = makeTab(`${shop}/`);
    tab.shared.localStorage.setItem(`userbox:refresh:${service}:shop`, 'rt-0');
    await expect(clientIn(tab, svc).me()).rejects.toMatchObject({ status: 503 });
    expect(tab.shared.localStorage.getItem(`userbox:refresh:${service}:shop`)).toBe('rt-0');
  });

  it('when /api/me refuses the access token (session ended), refreshes once, then answers signed out', async () => {
    const svc = fakeService();
    const tab = signedInTab(svc, `${shop}/`);
    const client = clientIn(tab, svc);
    // The token answer brings the view: the first answer costs no /api/me.
    await expect(client.me()).resolves.toMatchObject({ user: ada });
    expect(svc.calls.filter((c) => c.url.endsWith('/api/me'))).toHaveLength(0);
    svc.state.liveAccess.clear(); // signed out at the service: tokens die with the session
    svc.state.liveRefresh.clear();
    await expect(client.me()).resolves.toEqual({ user: null });
    expect(svc.calls.filter((c) => c.url.endsWith('/api/me'))).toHaveLength(1);
    expect(tab.win.location.assign).not.toHaveBeenCalled();
  });

  it('renews the access token a minute before it expires, which is also when a sign-out elsewhere shows', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const svc = fakeService();
    const tab = signedInTab(svc, `${shop}/`);
    const client = clientIn(tab, svc);
    const users: unknown[] = [];
    client.subscribe(({ me }) => users.push(me?.user ?? null));
    await client.refresh();
    expect(users).toEqual([ada]);
    svc.state.liveAccess.clear();
    svc.state.liveRefresh.clear();
    await vi.advanceTimersByTimeAsync(539_000);
    expect(users).toEqual([ada]);
    await vi.advanceTimersByTimeAsync(2_000);
    // Signed out now, once the next sign-in's PKCE pair (WebCrypto, outside the fake clock) is ready.
    await vi.waitFor(() => expect(users).toEqual([ada, null]));
  });

  it('signs out with RP-initiated logout: /end_session with the ID token, back to this page, nothing kept', async () => {
    const svc = fakeService();
    const tab = signedInTab(svc, `${shop}/cart?x=1`);
    const client = clientIn(tab, svc);
    await client.me();
    await client.signOut();
    const url = new URL(tab.win.location.assign.mock.calls[0]![0]);
    expect(url.origin + url.pathname).toBe(`${service}/end_session`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      id_token_hint: jwt({ sub: 'u1', n: 1 }),
      client_id: 'shop',
      post_logout_redirect_uri: `${shop}/cart`,
      state: expect.any(String),
    });
    expect(tab.shared.localStorage.getItem(`userbox:refresh:${service}:shop`)).toBeNull();
  });

  it('back from /end_session, bounces once silently for the account the browser still holds, and shows it', async () => {
    const svc = fakeService();
    const tab = signedInTab(svc, `${shop}/cart?x=1`);
    const client = clientIn(tab, svc);
    await client.me();
    await client.signOut();
    const state = new URL(tab.win.location.assign.mock.calls[0]![0]).searchParams.get('state');
    // The provider ends the session and sends the browser to post_logout_redirect_uri with the state.
    const back = returnFromProvider(tab, `${shop}/cart?state=${state}`);
    void clientIn(back, svc).me();
    await vi.waitFor(() => expect(back.win.location.assign).toHaveBeenCalledTimes(1));
    const bounce = new URL(back.win.location.assign.mock.calls[0]![0]);
    expect(bounce.origin + bounce.pathname).toBe(`${service}/authorize`);
    expect(bounce.searchParams.get('prompt')).toBe('none');
    // Another account is there: its code comes back, and the page the user signed out from is loaded again
    // (it has a query), where the new refresh token shows that account without a bounce.
    const answered = returnFromProvider(back, svc.answer(bounce.href));
    expect(await settles(clientIn(answered, svc).me())).toBe(false);
    expect(answered.win.location.replace).toHaveBeenCalledWith(`${shop}/cart?x=1`);
    const page = makeTab(`${shop}/cart?x=1`, tab.shared);
    await expect(clientIn(page, svc).me()).resolves.toMatchObject({ user: ada });
    expect(page.win.location.assign).not.toHaveBeenCalled();
  });

  it('back from /end_session with no account left: one silent bounce, then Sign in, and no bounce after', async () => {
    const svc = fakeService();
    const tab = signedInTab(svc, `${shop}/`);
    const client = clientIn(tab, svc);
    await client.me();
    await client.signOut();
    const state = new URL(tab.win.location.assign.mock.calls[0]![0]).searchParams.get('state');
    const back = returnFromProvider(tab, `${shop}/?state=${state}`);
    void clientIn(back, svc).me();
    await vi.waitFor(() => expect(back.win.location.assign).toHaveBeenCalledTimes(1));
    const again = new URL(back.win.location.assign.mock.calls[0]![0]).searchParams.get('state');
    const answered = returnFromProvider(back, `${shop}/?error=login_required&state=${again}&iss=${encodeURIComponent(service)}`);
    await expect(clientIn(answered, svc).me()).resolves.toEqual({ user: null });
    // The same address opened again (its state spent) and a reload ask nothing more.
    for (const href of [`${shop}/?state=${state}`, `${shop}/`]) {
      const later = makeTab(href, tab.shared);
      await expect(clientIn(later, svc).me()).resolves.toEqual({ user: null });
      expect(later.win.location.assign).not.toHaveBeenCalled();
    }
  });

  it('tells its subscribers nothing once it has left for /end_session, so a host that reloads when the user goes cannot cancel the visit', async () => {
    const svc = fakeService();
    const tab = signedInTab(svc, `${shop}/`);
    const client = clientIn(tab, svc);
    await client.me();
    const heard: unknown[] = [];
    let left = false;
    tab.win.location.assign.mockImplementation(() => (left = true));
    client.subscribe((update) => {
      if (left) heard.push(update);
    });
    await client.signOut();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(left).toBe(true);
    expect(heard).toEqual([]);
  });

  it('tells the box it signed out before it leaves for /end_session, so a reload on that event cannot cancel the visit', async () => {
    const svc = fakeService();
    const tab = signedInTab(svc, `${shop}/`);
    const client = clientIn(tab, svc);
    await client.me();
    const order: string[] = [];
    tab.win.location.assign.mockImplementation((to) => order.push(`leave ${new URL(to).pathname}`));
    await client.signOut(false, undefined, false, () => order.push('told'));
    expect(order).toEqual(['told', 'leave /end_session']);
  });

  it('switches account with one top-level bounce: login_hint for a chosen sub, else the chooser; the new refresh token replaces the old', async () => {
    const svc = fakeService();
    const tab = signedInTab(svc, `${shop}/cart`);
    const keeper = new ViewKeeper(tab.sessionStorage, `userbox:view:${service}`, () => '', 60_000);
    const client = new TokenSessionClient(service, undefined, svc.fetchImpl, undefined, tab.win, keeper);
    await client.refresh();
    expect(keeper.read()?.user).toEqual(ada);
    const refreshKey = `userbox:refresh:${service}:shop`;
    const before = tab.shared.localStorage.getItem(refreshKey);

    void client.switchTo('u2');
    await vi.waitFor(() => expect(tab.win.location.assign).toHaveBeenCalledTimes(1));
    const hinted = new URL(tab.win.location.assign.mock.calls[0]![0]);
    expect(hinted.pathname).toBe('/authorize');
    expect(hinted.searchParams.get('login_hint')).toBe('u2');
    expect(hinted.searchParams.has('prompt')).toBe(false);
    // Host sync on the page that comes back follows the chosen account (host-sync.ts).
    expect(tab.sessionStorage.getItem('userbox:switched')).toBe('1');

    void client.switchTo();
    await vi.waitFor(() => expect(tab.win.location.assign).toHaveBeenCalledTimes(2));
    const chooser = new URL(tab.win.location.assign.mock.calls[1]![0]);
    expect(chooser.searchParams.get('prompt')).toBe('select_account');
    expect(chooser.searchParams.has('login_hint')).toBe(false);

    // Back from the chooser: the code is traded (the view the tab kept of the account left is not shown), and
    // the refresh token kept is the new one; no further bounce.
    const back = returnFromProvider(tab, svc.answer(chooser.href));
    expect(keeper.read()).toBeUndefined();
    const after = clientIn(back, svc);
    await expect(after.me()).resolves.toMatchObject({ user: ada });
    expect(back.shared.localStorage.getItem(refreshKey)).not.toBe(before);
    expect(svc.state.liveRefresh.has(back.shared.localStorage.getItem(refreshKey)!)).toBe(true);
    expect(back.win.location.assign).not.toHaveBeenCalled();
  });

  it('keeps the account it had when the switch is cancelled at the chooser', async () => {
    const svc = fakeService();
    const tab = signedInTab(svc, `${shop}/`);
    const client = clientIn(tab, svc);
    await client.me();
    void client.switchTo();
    await vi.waitFor(() => expect(tab.win.location.assign).toHaveBeenCalledTimes(1));
    const q = new URL(tab.win.location.assign.mock.calls[0]![0]).searchParams;
    const back = returnFromProvider(tab, `${shop}/?error=access_denied&state=${q.get('state')}&iss=${encodeURIComponent(service)}`);
    await expect(clientIn(back, svc).me()).resolves.toMatchObject({ user: ada });
    expect(back.win.location.assign).not.toHaveBeenCalled();
  });

  it('signs out everywhere with DELETE /api/sessions and the bearer token', async () => {
    const svc = fakeService();
    const tab = signedInTab(svc, `${shop}/`);
    const client = clientIn(tab, svc);
    await client.me();
    await client.signOut(true);
    const call = svc.calls.find((c) => c.init.method === 'DELETE')!;
    expect(call.url).toBe(`${service}/api/sessions`);
    expect(new Headers(call.init.headers).get('authorization')).toBe('Bearer at-1');
    expect(tab.win.location.assign).not.toHaveBeenCalled();
    expect(client.last).toEqual({ user: null });
  });

  it('takes client-id and redirect-uri from the box, and says so when no app is registered for the page', async () => {
    const svc = fakeService();
    const options = { clientId: 'shop-eu', redirectUri: `${shop}/callback` };
    const tab = makeTab(`${shop}/deep/page`);
    void new TokenSessionClient(service, options, svc.fetchImpl, undefined, tab.win).me();
    await vi.waitFor(() => expect(tab.win.location.assign).toHaveBeenCalled());
    const q = new URL(tab.win.location.assign.mock.calls[0]![0]).searchParams;
    expect([q.get('client_id'), q.get('redirect_uri')]).toEqual(['shop-eu', `${shop}/callback`]);

    const stranger = makeTab('https://unregistered.test/');
    await expect(clientIn(stranger, svc).me()).rejects.toThrow(/No app is registered/);
  });
});

describe('TokenSessionClient with a kept view (per tab)', () => {
  /** The client a box with `view-max-age` makes on `tab`: the view kept in the tab's sessionStorage. */
  const keptClientIn = (tab: Tab, svc: ReturnType<typeof fakeService>, maxAgeMs = 300_000) =>
    new TokenSessionClient(service, undefined, svc.fetchImpl, undefined, tab.win, new ViewKeeper(tab.sessionStorage, `userbox:view:${service}`, () => '', maxAgeMs));
  /** The next page view in the same tab: a new page with the tab's sessionStorage. */
  const nextPage = (tab: Tab, href: string) => returnFromProvider(tab, href);
  const paths = (svc: ReturnType<typeof fakeService>) => svc.calls.map((c) => new URL(c.url).pathname);

  it('asks /api/apps and /token once (the view comes along); a repeat view in the tab asks nothing; focus asks /api/me', async () => {
    const svc = fakeService();
    const tab = signedInTab(svc, `${shop}/`);
    await keptClientIn(tab, svc).revalidate();
    expect(paths(svc)).toEqual(['/api/apps', '/token']);
    expect(svc.calls[1]!.form).toMatchObject({ grant_type: 'refresh_token', userbox_view: '1' });
    expect(JSON.stringify([...tab.sessionStorage.items.values()])).not.toContain('rt-');

    const again = keptClientIn(nextPage(tab, `${shop}/cart`), svc);
    const heard: SessionUpdate[] = [];
    again.subscribe((u) => heard.push(u));
    await again.revalidate();
    expect(paths(svc)).toHaveLength(2);
    expect(heard.map((u) => u.me?.user?.id)).toEqual(['u1']);

    // Shown again: the kept access token asks /api/me, which tells a sign-out on another site.
    await again.refresh();
    expect(paths(svc)).toEqual(['/api/apps', '/token', '/api/me']);
    expect(new Headers(svc.calls.at(-1)!.init.headers).get('authorization')).toBe('Bearer at-1');
  });

  it('asks again once the access token is due for renewal', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const svc = fakeService();
    const tab = signedInTab(svc, `${shop}/`);
    await keptClientIn(tab, svc).revalidate();
    // expires_in 600: renewed a minute early, so the kept view is trusted for 9 minutes at most.
    vi.setSystemTime(Date.now() + 9 * 60_000);
    await keptClientIn(nextPage(tab, `${shop}/`), svc).revalidate();
    expect(paths(svc)).toEqual(['/api/apps', '/token', '/token']);
  });

  it('shows a sign-out on another site at the next focus, and then keeps nothing of the user', async () => {
    const svc = fakeService();
    const tab = signedInTab(svc, `${shop}/`);
    await keptClientIn(tab, svc).revalidate();
    const page = nextPage(tab, `${shop}/`);
    const again = keptClientIn(page, svc);
    await again.revalidate();
    // Signed out everywhere elsewhere: the service refuses the tokens.
    svc.state.liveAccess.clear();
    svc.state.liveRefresh.clear();
    await again.refresh();
    expect(again.last?.user).toBeNull();
    // Neither the user nor a token is left in the tab (a prepared Sign in is).
    const kept = JSON.stringify([...page.sessionStorage.items.values()]);
    expect(kept).not.toContain(ada.email);
    expect(kept).not.toMatch(/at-\d/);
    await keptClientIn(nextPage(page, `${shop}/`), svc).revalidate();
    expect(svc.calls.filter((c) => new URL(c.url).pathname === '/api/me').length).toBe(1);
  });

  it('with view-max-age 0 keeps nothing in the tab: every page view asks as before', async () => {
    const svc = fakeService();
    const tab = signedInTab(svc, `${shop}/`);
    await keptClientIn(tab, svc, 0).revalidate();
    expect(tab.sessionStorage.items.size).toBe(0);
    await keptClientIn(nextPage(tab, `${shop}/`), svc, 0).revalidate();
    expect(paths(svc)).toEqual(['/api/apps', '/token', '/api/apps', '/token']);
  });
});
