import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, postgresUrl } from '../store/databases.js';
import { freePort, startInstance, tcpRelay, uniqueName, type Instance, type TcpRelay } from './instances.js';

// Two service processes on one PostgreSQL schema and one Redis, as a load balancer would see them.
// Uses the PostgreSQL and Redis on this machine (and in CI); each run has its own schema and key prefix.
const redisUrl = process.env['USERBOX_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const skip = postgresUrl === 'skip' || redisUrl === 'skip';

const schema = uniqueName('userbox_scale');
const secret = 'b'.repeat(64);
// Behind a load balancer every instance has the same public address, which is what browsers send as Origin.
const publicUrl = 'http://accounts.example.test';

function json(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method,
    headers: { 'content-type': 'application/json', origin: publicUrl, ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function signUpAndIn(a: Instance, email: string, password: string): Promise<string> {
  expect((await json('POST', `${a.url}/api/users`, { email, name: 'Scale Out', password })).status).toBe(201);
  const res = await json('POST', `${a.url}/api/session`, { email, password });
  expect(res.status).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

const me = async (i: Instance, cookie: string) =>
  ((await (await fetch(`${i.url}/api/me`, { headers: { cookie } })).json()) as { user: { email: string } | null }).user;

describe.skipIf(skip)('two instances on PostgreSQL and Redis', () => {
  let a: Instance;
  let b: Instance;
  beforeAll(async () => {
    const env = {
      DATABASE_URL: postgresUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: `${schema}:`,
      SECRET_KEY: secret,
      PUBLIC_URL: publicUrl,
      TRUST_PROXY: '1',
      AUTH_RATE_LIMIT_PER_MINUTE: '8',
    };
    // One after the other: both run the migrations, and the second finds nothing to do.
    a = await startInstance(env);
    b = await startInstance(env);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await dropSchema(schema);
  });

  it('a session made through one instance works through the other', async () => {
    const cookie = await signUpAndIn(a, `one-${schema}@example.test`, 'scale out password 1');
    expect(await me(b, cookie)).toMatchObject({ email: `one-${schema}@example.test` });
    expect(await me(a, cookie)).toMatchObject({ email: `one-${schema}@example.test` });
  });

  it('signing out through one instance is refused by the other within 100 ms', async () => {
    const cookie = await signUpAndIn(a, `two-${schema}@example.test`, 'scale out password 2');
    // Warm both instances' caches first, so the test covers invalidation, not a cold miss.
    expect(await me(b, cookie)).not.toBeNull();
    expect(await me(b, cookie)).not.toBeNull();
    expect((await fetch(`${a.url}/api/session`, { method: 'DELETE', headers: { cookie, origin: publicUrl } })).status).toBe(204);
    // Ten polls, ten milliseconds apart: B must refuse by the tenth.
    let polls = 0;
    while ((await me(b, cookie)) !== null) {
      polls += 1;
      expect(polls, 'B still accepted the session after 100 ms').toBeLessThan(10);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await me(a, cookie)).toBeNull();
  });

  it('a profile change through one instance shows through the other', async () => {
    const cookie = await signUpAndIn(b, `three-${schema}@example.test`, 'scale out password 3');
    expect(await me(a, cookie)).toMatchObject({ name: 'Scale Out' });
    expect((await json('PATCH', `${b.url}/api/me`, { name: 'Renamed' }, { cookie })).status).toBe(200);
    let polls = 0;
    while (((await me(a, cookie)) as { name?: string } | null)?.name !== 'Renamed') {
      polls += 1;
      expect(polls).toBeLessThan(10);
      await new Promise((r) => setTimeout(r, 10));
    }
  });

  it('a password change through one instance: the old cookie is refused by the other within 100 ms, the new one works', async () => {
    // A client address of its own: sign-up, sign-in and the change would overrun the shared per-IP limit.
    const client = { 'x-forwarded-for': '203.0.113.78' };
    const email = `four-${schema}@example.test`;
    expect((await json('POST', `${a.url}/api/users`, { email, name: 'Scale Out', password: 'scale out password 4' }, client)).status).toBe(201);
    const signIn = await json('POST', `${a.url}/api/session`, { email, password: 'scale out password 4' }, client);
    const cookie = signIn.headers.getSetCookie().find((c) => c.includes('userbox_session='))!.split(';')[0]!;
    expect(await me(b, cookie)).not.toBeNull();
    expect(await me(b, cookie)).not.toBeNull(); // cached in B and in Redis
    const change = await json('POST', `${a.url}/api/me/password`, { currentPassword: 'scale out password 4', newPassword: 'scale out password 5' }, { ...client, cookie });
    expect(change.status).toBe(204);
    const renewed = change.headers.getSetCookie().find((c) => c.includes('userbox_session='))!.split(';')[0]!;
    let polls = 0;
    while ((await me(b, cookie)) !== null) {
      polls += 1;
      expect(polls, 'B still accepted the old cookie after 100 ms').toBeLessThan(10);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await me(b, renewed)).toMatchObject({ email });
  });

  it('several accounts: the same account signing in again through one instance ends its old token on the other within 100 ms', async () => {
    const client = { 'x-forwarded-for': '203.0.113.79' };
    const [first, second] = [`five-${schema}@example.test`, `six-${schema}@example.test`];
    for (const email of [first, second]) {
      expect((await json('POST', `${a.url}/api/users`, { email, name: 'Scale Out', password: 'scale out password 6' }, client)).status).toBe(201);
    }
    const cookieOf = (res: Response) => res.headers.getSetCookie().find((c) => c.includes('userbox_session='))!.split(';')[0]!;
    const one = cookieOf(await json('POST', `${a.url}/api/session`, { email: first, password: 'scale out password 6' }, client));
    const both = cookieOf(await json('POST', `${b.url}/api/session`, { email: second, password: 'scale out password 6', add: true }, { ...client, cookie: one }));
    const list = async (i: Instance, cookie: string) =>
      ((await (await fetch(`${i.url}/api/me`, { headers: { cookie } })).json()) as { accounts?: Array<{ email: string }> }).accounts?.map((e) => e.email);
    expect(await list(a, both)).toEqual([first, second]);
    expect(await me(b, one)).toMatchObject({ email: first }); // cached in B and in Redis
    expect(await me(b, one)).toMatchObject({ email: first });
    const again = cookieOf(await json('POST', `${a.url}/api/session`, { email: first, password: 'scale out password 6', add: true }, { ...client, cookie: both }));
    let polls = 0;
    while ((await me(b, one)) !== null) {
      polls += 1;
      expect(polls, 'B still accepted the renewed session’s old token after 100 ms').toBeLessThan(10);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await list(b, again)).toEqual([first, second]);
  });

  it('shares the per-IP rate limit across instances', async () => {
    // A client address of its own (the instances trust one proxy hop), so its one-minute window starts here.
    const client = { 'x-forwarded-for': '203.0.113.77' };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const target = i % 2 === 0 ? a : b;
      statuses.push((await json('POST', `${target.url}/api/session`, { email: `nobody${i}@example.test`, password: 'wrong password' }, client)).status);
    }
    // 8 a minute in all, counted across both instances: alone, each would have allowed 8.
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 429, 429, 429, 429]);
  });
});

describe.skipIf(skip)('when Redis goes away', () => {
  let redis: ChildProcess;
  let redisPort: number;
  let a: Instance;
  let b: Instance;
  const schema2 = uniqueName('userbox_redisdown');

  const startRedis = async () => {
    // Like the machine's own Redis, on the real time: a suite run under faketime must not hand it libfaketime,
    // which redis-server cannot start with (recursive clock_gettime).
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'LD_PRELOAD' && !name.startsWith('FAKETIME')));
    redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore', env });
    for (let i = 0; i < 50; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect(redisPort, '127.0.0.1', () => {
          s.end();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('redis-server did not start');
  };

  beforeAll(async () => {
    redisPort = await freePort();
    await startRedis();
    const env = {
      DATABASE_URL: postgresUrl,
      DATABASE_SCHEMA: schema2,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      SECRET_KEY: secret,
      PUBLIC_URL: publicUrl,
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
    };
    a = await startInstance(env);
    b = await startInstance(env);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    redis?.kill('SIGKILL');
    await dropSchema(schema2);
  });

  it('keeps answering correctly from PostgreSQL, and stays correct when Redis returns', async () => {
    const keep = await signUpAndIn(a, `keep-${schema2}@example.test`, 'redis down password 1');
    const gone = await signUpAndIn(a, `gone-${schema2}@example.test`, 'redis down password 2');
    expect(await me(b, keep)).not.toBeNull();
    expect(await me(b, gone)).not.toBeNull(); // now cached in Redis and in B

    redis.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    // Sign out through A while Redis is away: A cannot invalidate anybody's cache.
    expect((await fetch(`${a.url}/api/session`, { method: 'DELETE', headers: { cookie: gone, origin: publicUrl } })).status).toBe(204);
    expect(await me(b, gone)).toBeNull();
    expect(await me(b, keep)).not.toBeNull();
    const fresh = await signUpAndIn(b, `fresh-${schema2}@example.test`, 'redis down password 3');
    expect(await me(a, fresh)).not.toBeNull();

    await startRedis(); // empty again, like a restarted cache; the instances reconnect by themselves
    let polls = 0;
    while (polls < 50) {
      const [k, g, f] = await Promise.all([me(b, keep), me(b, gone), me(a, fresh)]);
      expect(g).toBeNull();
      expect(k).not.toBeNull();
      expect(f).not.toBeNull();
      polls += 1;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(a.output() + b.output()).toContain('redis unavailable');
  }, 30_000);
});

describe.skipIf(skip)('when the instance that signs out cannot reach Redis', () => {
  // B reaches Redis; each A reaches it through a relay the test breaks: cut (A sees the connection close) or
  // stalled (nothing arrives and nothing closes). Either way A cannot invalidate B's cached copies.
  const schema3 = uniqueName('userbox_partition');
  const redisTarget = new URL(redisUrl);
  let b: Instance;
  const partitioned: Record<'cut' | 'stalled', { instance?: Instance; link?: TcpRelay }> = { cut: {}, stalled: {} };

  beforeAll(async () => {
    const env = {
      DATABASE_URL: postgresUrl,
      DATABASE_SCHEMA: schema3,
      REDIS_PREFIX: `${schema3}:`,
      SECRET_KEY: secret,
      PUBLIC_URL: publicUrl,
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
    };
    b = await startInstance({ ...env, REDIS_URL: redisUrl });
    for (const side of Object.values(partitioned)) {
      const port = await freePort();
      side.link = tcpRelay(port, { host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
      await side.link.open();
      side.instance = await startInstance({ ...env, REDIS_URL: `redis://127.0.0.1:${port}` });
    }
  }, 90_000);
  afterAll(async () => {
    await Promise.all([b?.stop(), ...Object.values(partitioned).map((side) => side.instance?.stop())]);
    await Promise.all(Object.values(partitioned).map((side) => side.link?.cut()));
    await dropSchema(schema3);
  });

  for (const mode of ['cut', 'stalled'] as const) {
    it.concurrent(`the other instance stops serving the session within 10 s (link ${mode})`, async () => {
      const a = partitioned[mode].instance!;
      const link = partitioned[mode].link!;
      const cookie = await signUpAndIn(b, `${mode}-${schema3}@example.test`, `partition password ${mode}`);
      // B reads the session from the database now and caches it in Redis and in process; A caches it as well.
      expect(await me(b, cookie)).not.toBeNull();
      expect(await me(a, cookie)).not.toBeNull();

      if (mode === 'cut') await link.cut();
      else link.stall();
      const signOut = await fetch(`${a.url}/api/session`, { method: 'DELETE', headers: { cookie, origin: publicUrl }, signal: AbortSignal.timeout(8_000) });
      expect(signOut.status).toBe(204);
      const signedOutAt = performance.now();
      expect(await me(a, cookie)).toBeNull();

      // Real waiting, bounded: B may serve its cached copy, but no request sent 10 s after the sign-out succeeds.
      for (;;) {
        const sentAt = performance.now();
        if ((await me(b, cookie)) === null) break;
        expect(sentAt - signedOutAt, 'B still served the signed-out session').toBeLessThan(10_000);
        await new Promise((r) => setTimeout(r, 200));
      }
      // And no copy comes back from either cache.
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        expect(await me(b, cookie)).toBeNull();
      }
    }, 40_000);
  }
});
