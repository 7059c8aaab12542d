import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, postgresUrl } from '../store/databases.js';
import { startInstance, uniqueName, type Instance } from './instances.js';

// Two service processes on one PostgreSQL schema (pg-boss's queue): each logout token reaches the app once.
const publicUrl = 'http://accounts.example.test';
const appOrigin = 'https://mail.example.test';
const redirectUri = `${appOrigin}/callback`;
const password = 'a long enough password for this';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', origin: publicUrl, ...headers }, body: JSON.stringify(body) });

/** A user signed in through `signInAt`, whose session gave Mail tokens through `grantAt`: its cookie and sid. */
async function signedInWithGrant(signInAt: Instance, grantAt: Instance, email: string): Promise<{ cookie: string; sid: string }> {
  expect((await post(`${signInAt.url}/api/users`, { email, name: 'Logout Test', password })).status).toBe(201);
  const signIn = await post(`${signInAt.url}/api/session`, { email, password });
  expect(signIn.status).toBe(200);
  const cookie = signIn.headers.getSetCookie().find((c) => c.includes('userbox_session='))!.split(';')[0]!;
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'mail',
    redirect_uri: redirectUri,
    scope: 'openid',
    state: 's',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const authorized = await fetch(`${grantAt.url}/authorize?${query}`, { headers: { cookie }, redirect: 'manual' });
  const code = new URL(authorized.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const token = await fetch(`${signInAt.url}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: 'mail' }),
  });
  expect(token.status).toBe(200);
  const { id_token } = (await token.json()) as { id_token: string };
  return { cookie, sid: String(decodeJwt(id_token)['sid']) };
}

describe.skipIf(postgresUrl === 'skip')('back-channel logout with two instances on PostgreSQL', () => {
  it('sends each logout token once, whichever instance the sign-out reached', async () => {
    const received: string[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => receiver.close(resolve)));
    const dir = mkdtempSync(path.join(tmpdir(), 'userbox-bcl-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const appsFile = path.join(dir, 'apps.json');
    const backchannelLogoutUri = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/backchannel-logout`;
    writeFileSync(appsFile, JSON.stringify({ apps: [{ id: 'mail', name: 'Mail', url: `${appOrigin}/`, origins: [appOrigin], redirectUris: [redirectUri], backchannelLogoutUri }] }));

    const schema = uniqueName('userbox_bcl');
    cleanups.push(() => dropSchema(schema));
    const env = { DATABASE_URL: postgresUrl, DATABASE_SCHEMA: schema, SECRET_KEY: 'd'.repeat(64), PUBLIC_URL: publicUrl, APPS_FILE: appsFile, AUTH_RATE_LIMIT_PER_MINUTE: '1000' };
    const a = await startInstance(env);
    cleanups.push(() => a.stop());
    const b = await startInstance(env);
    cleanups.push(() => b.stop());

    const users = [];
    for (let i = 0; i < 6; i += 1) users.push(await signedInWithGrant(i % 2 ? a : b, i % 2 ? b : a, `bcl-${i}-${schema}@example.test`));
    for (const [i, { cookie }] of users.entries()) {
      const res = await fetch(`${(i % 3 ? a : b).url}/api/session`, { method: 'DELETE', headers: { cookie, origin: publicUrl } });
      expect(res.status).toBe(204);
    }

    const deadline = Date.now() + 30_000;
    while (received.length < users.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    // Both instances keep polling: a second copy would arrive within a few of their intervals.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(received.map((t) => decodeJwt(t)['sid']).sort()).toEqual(users.map((u) => u.sid).sort());
  }, 90_000);
});
