import { describe, expect, it, vi } from 'vitest';
import { ViewKeeper } from '../src/kept-view.js';
import { SessionClient, type MeResponse, type SessionUpdate } from '../src/session-client.js';

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

const service = 'https://accounts.example.test';
const ada = { id: 'u1', name: 'Ada', email: 'ada@example.test', picture: null, initials: 'A', color: '#336699' };
const minute = 60_000;
// Any start: the tests move this clock, never read the real one.
const start = 1_000_000_000_000;

/** A page's world: storage, the userbox_sync cookie and a clock, shared by every keeper made from it. */
function world() {
  const w = { storage: new MemoryStorage(), sync: 'sync-1', now: start };
  const keeper = (maxAgeMs = 5 * minute) => new ViewKeeper(w.storage, `userbox:view:${service}`, () => w.sync, maxAgeMs, () => w.now);
  return { w, keeper };
}

const signedIn = (expiresInMs: number, id = 's1'): MeResponse => ({
  user: ada,
  session: { id, expiresAt: new Date(start + expiresInMs).toISOString() },
});

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('ViewKeeper', () => {
  it('keeps the public view only: the user and the session expiry, never the session id', () => {
    const { w, keeper } = world();
    keeper().write(signedIn(60 * minute, 'secret-session-id'), w.sync);
    const stored = [...w.storage.items.values()].join();
    expect(stored).not.toContain('secret-session-id');
    expect(keeper().read()).toEqual({ user: ada, session: { expiresAt: new Date(start + 60 * minute).toISOString() } });
  });

  it('is shown only while the sync cookie keeps the value it was fetched under', () => {
    const { w, keeper } = world();
    keeper().write(signedIn(60 * minute), 'sync-1');
    expect(keeper().read()?.user).toEqual(ada);
    w.sync = 'sync-2';
    expect(keeper().read()).toBeUndefined();
    expect(keeper().read(true)).toBeUndefined();
    w.sync = '';
    expect(keeper().read()).toBeUndefined();
  });

  it('is shown only for the account it was fetched for: a switch never paints the account shown before', () => {
    const { w, keeper } = world();
    keeper().write(signedIn(60 * minute), keeper().version());
    expect(keeper().read()?.user).toEqual(ada);
    keeper().account = 'handle-b';
    expect(keeper().read()).toBeUndefined();
    expect(keeper().read(true)).toBeUndefined();
    keeper().write(signedIn(60 * minute), keeper().version());
    expect(keeper().read()?.user).toEqual(ada);
    // The choice stays when views are not kept (view-max-age 0): it is the user's, not a cache.
    keeper(0).account = 'handle-c';
    expect(keeper(0).account).toBe('handle-c');
    keeper().account = null;
    expect(w.storage.items.has(`userbox:view:${service}:account`)).toBe(false);
  });

  it('is fresh for maxAge, then asked for again; a stale one is still there for an outage', () => {
    const { w, keeper } = world();
    keeper().write(signedIn(60 * minute), w.sync);
    w.now = start + 5 * minute - 1;
    expect(keeper().read()?.user).toEqual(ada);
    w.now = start + 5 * minute;
    expect(keeper().read()).toBeUndefined();
    expect(keeper().read(true)?.user).toEqual(ada);
  });

  it('never outlives the session: not fresh, not even stale, from its expiry on', () => {
    const { w, keeper } = world();
    keeper().write(signedIn(2 * minute), w.sync);
    w.now = start + 2 * minute - 1;
    expect(keeper().read()?.user).toEqual(ada);
    w.now = start + 2 * minute;
    expect(keeper().read()).toBeUndefined();
    expect(keeper().read(true)).toBeUndefined();
  });

  it('bounds a view by `until` (token mode: the access token), and keeps no signed-in view without an expiry', () => {
    const { w, keeper } = world();
    keeper().write(signedIn(60 * minute), w.sync, start + minute);
    w.now = start + minute;
    expect(keeper().read(true)).toBeUndefined();
    w.now = start;
    keeper().write({ user: ada }, w.sync);
    expect(keeper().read(true)).toBeUndefined();
  });

  it('after a reload (askFirst) shows nothing fresh until one answer is kept, but still a stale one for an outage', () => {
    const { w, keeper } = world();
    keeper().write(signedIn(60 * minute), w.sync);
    const reloaded = keeper();
    reloaded.askFirst = true;
    expect(reloaded.read()).toBeUndefined();
    expect(reloaded.read(true)?.user).toEqual(ada);
    reloaded.write(signedIn(60 * minute), w.sync);
    expect(reloaded.read()?.user).toEqual(ada);
  });

  it('keeps a signed-out view for maxAge too', () => {
    const { w, keeper } = world();
    keeper().write({ user: null }, w.sync);
    expect(keeper().read()).toEqual({ user: null });
    w.now = start + 5 * minute;
    expect(keeper().read()).toBeUndefined();
  });

  it('does not trust a view stamped in the future (a clock put back): it was not fetched within maxAge', () => {
    const { w, keeper } = world();
    w.now = start + 60 * minute;
    keeper().write(signedIn(120 * minute), w.sync);
    w.now = start;
    expect(keeper().read()).toBeUndefined();
  });

  it('keeps nothing with maxAge 0, and ignores what is there', () => {
    const { w, keeper } = world();
    keeper().write(signedIn(60 * minute), w.sync);
    keeper(0).write(signedIn(60 * minute), w.sync);
    expect(keeper(0).read()).toBeUndefined();
    const off = world();
    off.keeper(0).write(signedIn(60 * minute), off.w.sync);
    expect(off.w.storage.items.size).toBe(0);
  });

  it('copes with garbage and with storage that refuses to write', () => {
    const { w, keeper } = world();
    w.storage.setItem(`userbox:view:${service}`, '{not json');
    expect(keeper().read()).toBeUndefined();
    w.storage.setItem(`userbox:view:${service}`, '"a string"');
    expect(keeper().read()).toBeUndefined();
    const full = { getItem: () => null, setItem: () => { throw new DOMException('full', 'QuotaExceededError'); }, removeItem: () => {} };
    expect(() => new ViewKeeper(full, 'k', () => '', minute).write(signedIn(minute), '')).not.toThrow();
    expect(new ViewKeeper(undefined, 'k', () => '', minute).read()).toBeUndefined();
  });
});

describe('SessionClient with a kept view', () => {
  it('asks once, then a repeat page view (a new client) shows the kept view and asks nothing', async () => {
    const { w, keeper } = world();
    const fetchMock = vi.fn<typeof fetch>(async () => jsonResponse(signedIn(60 * minute)));
    await new SessionClient(service, fetchMock, undefined, keeper()).revalidate();
    expect(fetchMock).toHaveBeenCalledTimes(1);

    w.now += minute;
    const next = new SessionClient(service, fetchMock, undefined, keeper());
    const heard: SessionUpdate[] = [];
    next.subscribe((u) => heard.push(u));
    await next.revalidate();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(heard.map((u) => u.me?.user)).toEqual([ada]);
  });

  it('asks again after maxAge (so the session’s last_seen keeps moving), after a sync change, and on refresh()', async () => {
    const { w, keeper } = world();
    const fetchMock = vi.fn<typeof fetch>(async () => jsonResponse(signedIn(60 * minute)));
    const client = new SessionClient(service, fetchMock, undefined, keeper());
    await client.revalidate();
    w.now += 5 * minute;
    await client.revalidate();
    expect(fetchMock).toHaveBeenCalledTimes(2);
    w.sync = 'sync-2';
    await client.revalidate();
    expect(fetchMock).toHaveBeenCalledTimes(3);
    await client.revalidate();
    expect(fetchMock).toHaveBeenCalledTimes(3);
    await client.refresh();
    expect(fetchMock).toHaveBeenCalledTimes(4);
  });

  it('stamps an answer with the sync value from before the request: a sign-out during it is not hidden', async () => {
    const { w, keeper } = world();
    const fetchMock = vi.fn<typeof fetch>(async () => {
      // Another app signs the browser out while this answer (still signed in) is on its way.
      w.sync = 'sync-after-sign-out';
      return jsonResponse(signedIn(60 * minute));
    });
    await new SessionClient(service, fetchMock, undefined, keeper()).revalidate();
    expect(keeper().read()).toBeUndefined();
  });

  it('forgets the kept view at sign-out, so the next page view cannot show the user', async () => {
    const { w, keeper } = world();
    let user: MeResponse = signedIn(60 * minute);
    const client = new SessionClient(
      service,
      async (_url, init) => (init?.method === 'DELETE' ? new Response(null, { status: 204 }) : jsonResponse(user)),
      undefined,
      keeper(),
    );
    await client.revalidate();
    // The account signed out was the browser's only one: the service answers signed out after.
    user = { user: null };
    await client.signOut();
    // The sign-out answer gives the site a new sync value too; even without it, nothing signed in is kept.
    expect(keeper().read(true)?.user ?? null).toBeNull();
    // What is kept now is the signed-out view the service answered after; nothing of the user.
    expect([...w.storage.items.values()].join()).not.toContain(ada.email);
  });

  it('after the session expired, asks instead of showing the kept user', async () => {
    const { w, keeper } = world();
    let user: MeResponse = signedIn(3 * minute);
    const fetchMock = vi.fn<typeof fetch>(async () => jsonResponse(user));
    await new SessionClient(service, fetchMock, undefined, keeper()).revalidate();
    w.now += 3 * minute;
    user = { user: null };
    const next = new SessionClient(service, fetchMock, undefined, keeper());
    const heard: SessionUpdate[] = [];
    next.subscribe((u) => heard.push(u));
    await next.revalidate();
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(heard.map((u) => u.me?.user)).toEqual([null]);
  });
});
