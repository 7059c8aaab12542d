import { afterEach, describe, expect, it, vi } from 'vitest';
import { ViewKeeper } from '../src/kept-view.js';
import { retryDelay, SessionClient, SessionError, type MeResponse, type SessionUpdate, type SyncChannel } from '../src/session-client.js';

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const ada = { id: 'u1', name: 'Ada', email: 'ada@example.test', picture: null, initials: 'A', color: '#336699' };

describe('SessionClient', () => {
  it('asks /api/me with credentials, leaving caching to the service (no-store there, a few minutes for /api/apps)', async () => {
    const fetchMock = vi.fn<typeof fetch>(async () => jsonResponse({ user: null }));
    const client = new SessionClient('https://accounts.example.test', fetchMock);
    await expect(client.me()).resolves.toEqual({ user: null });
    expect(fetchMock).toHaveBeenCalledWith('https://accounts.example.test/api/me', expect.objectContaining({ method: 'GET', credentials: 'include' }));
    // No cache mode of its own: one that bypassed the browser's cache would refetch /api/apps the service lets it keep.
    expect(fetchMock.mock.calls[0]![1]).not.toHaveProperty('cache');
  });

  it('shares one request between concurrent callers, then asks again', async () => {
    const fetchMock = vi.fn<typeof fetch>(async () => jsonResponse({ user: null }));
    const client = new SessionClient('https://a.test', fetchMock);
    await Promise.all([client.me(), client.me(), client.me()]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await client.me();
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it('turns a network failure and a 5xx into a SessionError with the status', async () => {
    const down = new SessionClient('https://a.test', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(down.me()).rejects.toMatchObject({ name: 'SessionError', status: null });
    const broken = new SessionClient('https://a.test', async () => jsonResponse({ error: { code: 'INTERNAL' } }, 503));
    await expect(broken.me()).rejects.toEqual(new SessionError('https://a.test answered 503', 503));
  });

  it('refuses an answer that is not the /api/me shape', async () => {
    const client = new SessionClient('https://a.test', async () => jsonResponse({ nope: true }));
    await expect(client.me()).rejects.toBeInstanceOf(SessionError);
  });

  it('signs out the account it shows with DELETE /api/session?account=, asking for its handle when it has none', async () => {
    const fetchMock = vi.fn<typeof fetch>(async (_url, init) =>
      init?.method === 'DELETE' ? new Response(null, { status: 204 }) : jsonResponse({ user: null }),
    );
    const client = new SessionClient('https://a.test', fetchMock);
    client.last = { user: ada, session: { id: 'h 1', expiresAt: '2100-01-01T00:00:00Z' } };
    await client.signOut();
    expect(fetchMock).toHaveBeenCalledWith('https://a.test/api/session?account=h%201', expect.objectContaining({ method: 'DELETE', credentials: 'include' }));
    // A kept view has no handle: it is asked for, never left out (without one, every account would end).
    fetchMock.mockClear();
    fetchMock.mockImplementation(async (_url, init) =>
      init?.method === 'DELETE' ? new Response(null, { status: 204 }) : jsonResponse({ user: ada, session: { id: 'h2', expiresAt: '2100-01-01T00:00:00Z' } }),
    );
    client.last = { user: ada, session: { expiresAt: '2100-01-01T00:00:00Z' } };
    await client.signOut();
    expect(fetchMock.mock.calls.map(([url, init]) => `${init?.method} ${String(url)}`)).toEqual([
      'GET https://a.test/api/me',
      'DELETE https://a.test/api/session?account=h2',
      'GET https://a.test/api/me',
    ]);
  });

  it('signs out of all accounts with DELETE /api/session and no account', async () => {
    const fetchMock = vi.fn<typeof fetch>(async () => new Response(null, { status: 204 }));
    const client = new SessionClient('https://a.test', fetchMock);
    client.last = { user: ada, session: { id: 'h1', expiresAt: '2100-01-01T00:00:00Z' } };
    const heard = vi.fn();
    client.subscribe(heard);
    await client.signOut(false, null, true);
    expect(fetchMock.mock.calls.map(([url, init]) => `${init?.method} ${String(url)}`)).toEqual(['DELETE https://a.test/api/session']);
    expect(heard).toHaveBeenCalledWith({ me: { user: null } });
  });

  it('builds the login URL with return_to encoded', () => {
    const client = new SessionClient('https://a.test');
    expect(client.loginUrl('https://news.example.test/a?b=c&d=e#f', 'en')).toBe(
      'https://a.test/login?return_to=https%3A%2F%2Fnews.example.test%2Fa%3Fb%3Dc%26d%3De%23f&lang=en',
    );
    // The box passes its language on, so the service's pages speak it too.
    expect(client.loginUrl('https://news.example.test/', 'ar')).toBe('https://a.test/login?return_to=https%3A%2F%2Fnews.example.test%2F&lang=ar');
  });
});

describe('SessionClient.refresh', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });


  it('tells every subscriber the answer and keeps it as last', async () => {
    const client = new SessionClient('https://a.test', async () => jsonResponse({ user: ada }));
    const heard = vi.fn();
    const stop = client.subscribe(heard);
    await client.refresh();
    expect(heard).toHaveBeenCalledWith({ me: { user: ada } });
    expect(client.last).toEqual({ user: ada });
    stop();
    await client.refresh();
    expect(heard).toHaveBeenCalledTimes(1);
  });

  it('never rejects: reports the error, warns once per outage, retries with backoff, and recovers', async () => {
    vi.useFakeTimers();
    // No jitter: the delays are exactly 1 s, 2 s, 4 s …
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let up = false;
    const fetchMock = vi.fn<typeof fetch>(async () =>
      up ? jsonResponse({ user: ada }) : jsonResponse({ error: { code: 'INTERNAL' } }, 503),
    );
    const client = new SessionClient('https://a.test', fetchMock);
    const heard: SessionUpdate[] = [];
    client.subscribe((u) => heard.push(u));

    await expect(client.refresh()).resolves.toBeUndefined();
    expect(heard).toEqual([{ error: new SessionError('https://a.test answered 503', 503) }]);
    expect(fetchMock).toHaveBeenCalledTimes(1);

    // Retries after about 1 s, then about 2 s; still one warning.
    await vi.advanceTimersByTimeAsync(1200);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1500);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetchMock).toHaveBeenCalledTimes(3);
    expect(warn).toHaveBeenCalledTimes(1);

    up = true;
    await vi.advanceTimersByTimeAsync(4800);
    expect(fetchMock).toHaveBeenCalledTimes(4);
    expect(heard.at(-1)).toEqual({ me: { user: ada } });
    // Recovered: no more retries.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fetchMock).toHaveBeenCalledTimes(4);

    // A new outage warns again, once.
    up = false;
    await client.refresh();
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('backs off exponentially to a minute, with ±20 % jitter', () => {
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
    expect(retryDelay(0)).toBe(1000);
    expect(retryDelay(3)).toBe(8000);
    expect(retryDelay(20)).toBe(60_000);
    random.mockReturnValue(0);
    expect(retryDelay(0)).toBe(800);
    random.mockReturnValue(1);
    expect(retryDelay(0)).toBeCloseTo(1200);
    random.mockRestore();
  });

  it('signs out everywhere with DELETE /api/sessions and tells subscribers the user is gone', async () => {
    // The service: after the delete this browser has no account left.
    const fetchMock = vi.fn<typeof fetch>(async (_url, init) =>
      init?.method === 'DELETE' ? new Response(null, { status: 204 }) : jsonResponse({ user: null }),
    );
    const client = new SessionClient('https://a.test', fetchMock);
    client.last = { user: ada, session: { id: 'h1', expiresAt: '2100-01-01T00:00:00Z' } };
    const heard = vi.fn();
    client.subscribe(heard);
    await client.signOut(true);
    expect(fetchMock).toHaveBeenCalledWith('https://a.test/api/sessions?account=h1', expect.objectContaining({ method: 'DELETE', credentials: 'include' }));
    expect(heard).toHaveBeenCalledWith({ me: { user: null } });
  });

  it('rejects a failed sign-out with a SessionError and keeps the user', async () => {
    let answer = jsonResponse({ user: ada });
    const client = new SessionClient('https://a.test', async () => answer);
    await client.refresh();
    answer = jsonResponse({ error: { code: 'FORBIDDEN_ORIGIN' } }, 403);
    await expect(client.signOut()).rejects.toMatchObject({ status: 403 });
    expect(client.last).toEqual({ user: ada });
  });
});

describe('SessionClient.apps', () => {
  it('asks once per page and again after a failure', async () => {
    const apps = [{ id: 'news', name: 'News', url: 'https://news.test/', icon: null }];
    let fail = true;
    const fetchMock = vi.fn<typeof fetch>(async () => (fail ? jsonResponse({}, 500) : jsonResponse({ apps })));
    const client = new SessionClient('https://a.test', fetchMock);
    await expect(client.apps()).rejects.toBeInstanceOf(SessionError);
    fail = false;
    await expect(client.apps()).resolves.toEqual(apps);
    await expect(client.apps()).resolves.toEqual(apps);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(fetchMock).toHaveBeenLastCalledWith('https://a.test/api/apps', expect.objectContaining({ method: 'GET' }));
  });

  it('treats an answer without an apps array as no apps', async () => {
    const client = new SessionClient('https://a.test', async () => jsonResponse({ apps: 'nope' }));
    await expect(client.apps()).resolves.toEqual([]);
  });
});

describe('cross-tab sync', () => {
  /** Two tabs' channels: what one posts, the other receives (as BroadcastChannel does, never the sender). */
  function channelPair(): [SyncChannel, SyncChannel] {
    const a: SyncChannel = { onmessage: null, postMessage: (data) => b.onmessage?.(new MessageEvent('message', { data })) };
    const b: SyncChannel = { onmessage: null, postMessage: (data) => a.onmessage?.(new MessageEvent('message', { data })) };
    return [a, b];
  }

  it('a sign-out in one tab makes the other ask the service again; the same user does not', async () => {
    const [one, two] = channelPair();
    let user: object | null = { id: 'u1', name: 'Ada' };
    const fetchOne = vi.fn<typeof fetch>(async (_url, init) =>
      init?.method === 'DELETE' ? new Response(null, { status: 204 }) : jsonResponse({ user }),
    );
    const fetchTwo = vi.fn<typeof fetch>(async () => jsonResponse({ user }));
    const first = new SessionClient('https://a.test', fetchOne, one);
    const second = new SessionClient('https://a.test', fetchTwo, two);
    await second.refresh();
    // The first tab loads the same user: the second has nothing to do.
    await first.refresh();
    expect(fetchTwo).toHaveBeenCalledTimes(1);

    user = null;
    await first.signOut();
    await vi.waitFor(() => expect(second.last).toEqual({ user: null }));
    expect(fetchTwo).toHaveBeenCalledTimes(2);
  });
});

describe('SessionClient with several accounts', () => {
  class MemoryStorage {
    readonly items = new Map<string, string>();
    getItem = (key: string) => this.items.get(key) ?? null;
    setItem = (key: string, value: string) => void this.items.set(key, value);
    removeItem = (key: string) => void this.items.delete(key);
  }
  const bob = { ...ada, id: 'u2', name: 'Bob', email: 'bob@example.test' };
  const expiresAt = '2100-01-01T00:00:00Z';

  /** The service for one browser holding Ada (handle ha, the default) and Bob (hb); `signedOut` handles end. */
  function browser() {
    const live = new Map([
      ['ha', ada],
      ['hb', bob],
    ]);
    const answer = (handle: string): MeResponse => ({
      user: live.get(handle)!,
      session: { id: handle, expiresAt },
      accounts: [...live].map(([id, u]) => ({ id, name: u.name, email: u.email, picture: null, current: id === handle })),
    });
    const fetchImpl = vi.fn<typeof fetch>(async (input, init) => {
      const url = new URL(String(input));
      const handle = url.searchParams.get('account');
      if (init?.method === 'DELETE') {
        if (handle) live.delete(handle);
        else live.clear();
        return new Response(null, { status: 204 });
      }
      if (handle) return jsonResponse(live.has(handle) ? answer(handle) : { user: null });
      const first = [...live.keys()][0];
      return jsonResponse(first ? answer(first) : { user: null });
    });
    return { live, fetchImpl };
  }
  const asked = (fetchImpl: ReturnType<typeof browser>['fetchImpl']) =>
    fetchImpl.mock.calls.map(([url, init]) => `${init?.method} ${new URL(String(url)).pathname}${new URL(String(url)).search}`);

  it('switches to an account by its handle, remembers it for the origin, and a new page view asks for it', async () => {
    const svc = browser();
    const storage = new MemoryStorage();
    const keeper = () => new ViewKeeper(storage, 'userbox:view:https://a.test', () => 'sync-1', 0);
    const client = new SessionClient('https://a.test', svc.fetchImpl, undefined, keeper());
    await client.refresh();
    expect(client.last?.user?.name).toBe('Ada');
    await client.switchTo('hb');
    expect(client.last?.user?.name).toBe('Bob');
    const next = new SessionClient('https://a.test', svc.fetchImpl, undefined, keeper());
    await next.refresh();
    expect(next.last?.user?.name).toBe('Bob');
    expect(asked(svc.fetchImpl)).toEqual(['GET /api/me', 'GET /api/me?account=hb', 'GET /api/me?account=hb']);
  });

  it('forgets a remembered account that was signed out elsewhere and shows the default one', async () => {
    const svc = browser();
    const storage = new MemoryStorage();
    const keeper = new ViewKeeper(storage, 'k', () => '', 0);
    keeper.account = 'hb';
    svc.live.delete('hb');
    const client = new SessionClient('https://a.test', svc.fetchImpl, undefined, keeper);
    await client.refresh();
    expect(client.last?.user?.name).toBe('Ada');
    expect(keeper.account).toBeNull();
    expect(asked(svc.fetchImpl)).toEqual(['GET /api/me?account=hb', 'GET /api/me']);
  });

  it('signs out the account shown, then shows the default one; another listed account goes on its own', async () => {
    const svc = browser();
    const keeper = new ViewKeeper(new MemoryStorage(), 'k', () => '', 0);
    const client = new SessionClient('https://a.test', svc.fetchImpl, undefined, keeper);
    await client.switchTo('hb');
    await client.signOut();
    expect(client.last?.user?.name).toBe('Ada');
    expect(keeper.account).toBeNull();
    svc.live.set('hb', bob);
    await client.signOut(false, 'hb');
    expect(client.last?.user?.name).toBe('Ada');
    expect(asked(svc.fetchImpl)).toEqual([
      'GET /api/me?account=hb',
      'DELETE /api/session?account=hb',
      'GET /api/me',
      'DELETE /api/session?account=hb',
      'GET /api/me',
    ]);
  });

  it('tells the other tabs of the origin, which follow the switch', async () => {
    const svc = browser();
    const storage = new MemoryStorage();
    const keeper = () => new ViewKeeper(storage, 'k', () => 'sync-1', 60_000);
    const a: SyncChannel = { postMessage: (m) => b.onmessage?.({ data: m } as MessageEvent), onmessage: null };
    const b: SyncChannel = { postMessage: (m) => a.onmessage?.({ data: m } as MessageEvent), onmessage: null };
    const here = new SessionClient('https://a.test', svc.fetchImpl, a, keeper());
    const there = new SessionClient('https://a.test', svc.fetchImpl, b, keeper());
    await here.refresh();
    await there.refresh();
    await here.switchTo('hb');
    await vi.waitFor(() => expect(there.last?.user?.name).toBe('Bob'));
  });
});
