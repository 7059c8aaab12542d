import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, postgresUrl } from '../store/databases.js';
import { freePort, startInstance, tcpRelay, uniqueName, type Instance, type TcpRelay } from './instances.js';

const schema = uniqueName('userbox_pgdown');
const publicUrl = 'http://accounts.example.test';

describe.skipIf(postgresUrl === 'skip')('when PostgreSQL goes away', () => {
  let instance: Instance;
  let link: TcpRelay;
  beforeAll(async () => {
    const port = await freePort();
    const target = new URL(postgresUrl);
    link = tcpRelay(port, { host: target.hostname, port: Number(target.port || 5432) });
    await link.open();
    const viaRelay = new URL(postgresUrl);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(port);
    instance = await startInstance({ DATABASE_URL: viaRelay.href, DATABASE_SCHEMA: schema, PUBLIC_URL: publicUrl, SECRET_KEY: 'e'.repeat(64) });
  }, 60_000);
  afterAll(async () => {
    await instance?.stop();
    await link?.cut();
    await dropSchema(schema);
  });

  it('answers 503 UNAVAILABLE (never 500), fails /readyz, keeps /healthz, and recovers', async () => {
    const headers = { 'content-type': 'application/json', origin: publicUrl };
    const user = { email: `pgdown-${schema}@example.test`, name: 'PG Down', password: 'postgres down password' };
    expect((await fetch(`${instance.url}/api/users`, { method: 'POST', headers, body: JSON.stringify(user) })).status).toBe(201);
    const login = await fetch(`${instance.url}/api/session`, { method: 'POST', headers, body: JSON.stringify({ email: user.email, password: user.password }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;

    await link.cut();
    const me = await fetch(`${instance.url}/api/me`, { headers: { cookie } });
    expect(me.status).toBe(503);
    expect(await me.json()).toEqual({ error: { code: 'UNAVAILABLE', message: 'The service is temporarily unavailable.' } });
    expect(me.headers.get('retry-after')).toBe('5');
    const signIn = await fetch(`${instance.url}/api/session`, { method: 'POST', headers, body: JSON.stringify({ email: user.email, password: user.password }) });
    expect(signIn.status).toBe(503);
    expect((await fetch(`${instance.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${instance.url}/healthz`)).status).toBe(200);

    await link.open();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await fetch(`${instance.url}/readyz`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    const again = (await (await fetch(`${instance.url}/api/me`, { headers: { cookie } })).json()) as { user: { email: string } | null };
    expect(again.user?.email).toBe(user.email);
  }, 60_000);
});
