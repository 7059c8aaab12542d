import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { pino } from 'pino';
import supertest from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logoutTokenRetry } from '../../src/services/back-channel-logout.js';
import { createOidcTestApp, pkcePair, authorize, postForm, type OidcTestApp, type TokenResponse } from './oidc-test-app.js';

/** An app's back end taking logout tokens: answers `failFirst` POSTs with 500, then 200. */
interface Receiver {
  url: string;
  tokens: string[];
  contentTypes: string[];
  failFirst: number;
  close(): Promise<void>;
}

async function startReceiver(path: string): Promise<Receiver> {
  const receiver: Omit<Receiver, 'url' | 'close'> = { tokens: [], contentTypes: [], failFirst: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== path) return void res.writeHead(404).end();
      if (receiver.failFirst > 0) {
        receiver.failFirst -= 1;
        return void res.writeHead(500).end();
      }
      receiver.contentTypes.push(req.headers['content-type'] ?? '');
      receiver.tokens.push(new URLSearchParams(body).get('logout_token') ?? '');
      res.writeHead(200, { 'Cache-Control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

const mailOrigin = 'https://mail.example.test';
const docsOrigin = 'https://docs.example.test';
const password = 'correct horse battery staple';

let t: OidcTestApp;
let mail: Receiver;
let docs: Receiver;
let logLines: string[];

beforeEach(async () => {
  mail = await startReceiver('/backchannel-logout');
  docs = await startReceiver('/logout/back-channel');
  logLines = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    }),
  );
  t = await createOidcTestApp({
    apps: [
      { id: 'mail', name: 'Mail', url: `${mailOrigin}/`, icon: null, origins: [mailOrigin], redirectUris: [`${mailOrigin}/callback`], backchannelLogoutUri: mail.url },
      {
        id: 'docs',
        name: 'Docs',
        url: `${docsOrigin}/`,
        icon: null,
        origins: [docsOrigin],
        redirectUris: [`${docsOrigin}/callback`],
        backchannelLogoutUri: docs.url,
        idTokenSignedResponseAlg: 'RS256',
      },
    ],
    logger,
  });
});

afterEach(async () => {
  await mail.close();
  await docs.close();
});

type Agent = ReturnType<typeof supertest.agent>;

/** The code flow of one app for a browser's signed-in account: the app now holds tokens of that session. */
async function grant(agent: Agent, clientId: 'mail' | 'docs' | 'news', extra: Record<string, string> = {}): Promise<TokenResponse> {
  const origin = { mail: mailOrigin, docs: docsOrigin, news: 'https://news.example.test' }[clientId];
  const redirectUri = `${origin}/callback`;
  const { verifier, challenge } = pkcePair();
  const code = await authorize(agent, { clientId, redirectUri, challenge, extra });
  const res = await postForm(t.app, '/token', { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId }).expect(200);
  return res.body as TokenResponse;
}

async function signedInUser() {
  const user = await t.createUser({ password });
  const agent = supertest.agent(t.app).set('Origin', t.publicUrl);
  await agent.post('/api/session').send({ email: user.email, password }).expect(200);
  return { ...user, agent };
}

const sidOf = (tokens: TokenResponse) => decodeJwt(tokens.id_token)['sid'];
const claimsOf = (tokens: string[]) => tokens.map((token) => decodeJwt(token));

describe('back-channel logout', () => {
  it('POSTs a logout token signed like the app’s ID tokens: typ, iss, aud, iat, exp, jti, sub, sid, events, no nonce', async () => {
    const user = await signedInUser();
    const idTokens = await grant(user.agent, 'mail', { nonce: 'must-not-appear' });
    const rs256 = await grant(user.agent, 'docs');
    await user.agent.delete('/api/session').expect(204);
    expect(mail.tokens).toEqual([]);
    await t.runJobs();

    expect(mail.contentTypes).toEqual(['application/x-www-form-urlencoded']);
    const jwks = createLocalJWKSet((await supertest(t.app).get('/jwks.json').expect(200)).body);
    const [token = ''] = mail.tokens;
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: t.issuer, audience: 'mail', typ: 'logout+jwt', currentDate: new Date(t.now.value) });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toEqual({
      iss: t.issuer,
      aud: 'mail',
      iat: Math.floor(t.now.value / 1000),
      exp: Math.floor(t.now.value / 1000) + 120,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      sub: user.id,
      sid: sidOf(idTokens),
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    });
    expect(payload).not.toHaveProperty('nonce');

    expect(docs.tokens).toHaveLength(1);
    expect(decodeProtectedHeader(docs.tokens[0]!)).toMatchObject({ alg: 'RS256', typ: 'logout+jwt' });
    await jwtVerify(docs.tokens[0]!, jwks, { issuer: t.issuer, audience: 'docs', currentDate: new Date(t.now.value) });
    expect(decodeJwt(docs.tokens[0]!)['sid']).toBe(sidOf(rs256));

    // Told once: the next pass has nothing more to send.
    await t.runJobs();
    expect(mail.tokens).toHaveLength(1);
  });

  it('goes only to the apps that got tokens from the session that ended, not to those of the user’s other sessions', async () => {
    const user = await signedInUser();
    await grant(user.agent, 'mail');
    await grant(user.agent, 'news'); // no backchannelLogoutUri: nothing to send
    const other = supertest.agent(t.app).set('Origin', t.publicUrl);
    await other.post('/api/session').send({ email: user.email, password }).expect(200);
    await grant(other, 'docs');

    await user.agent.delete('/api/session').expect(204);
    await t.runJobs();
    expect(mail.tokens).toHaveLength(1);
    expect(docs.tokens).toEqual([]);
    expect((await other.get('/api/me').expect(200)).body.user).not.toBeNull();
  });

  /** Each way a session ends, run against a user whose one session gave tokens to Mail. */
  const endings: Array<[string, (u: Awaited<ReturnType<typeof signedInUser>>) => Promise<unknown>]> = [
    ['sign-out', (u) => u.agent.delete('/api/session').expect(204)],
    ['sign out everywhere (all devices)', (u) => u.agent.delete('/api/sessions').expect(204)],
    ['the one session revoked from the account page', async (u) => {
      const { sessions } = (await u.agent.get('/api/sessions').expect(200)).body as { sessions: Array<{ id: string }> };
      const other = supertest.agent(t.app).set('Origin', t.publicUrl);
      await other.post('/api/session').send({ email: u.email, password }).expect(200);
      await other.delete(`/api/sessions/${sessions[0]!.id}`).expect(204);
    }],
    ['a password change, which ends the other sessions', async (u) => {
      const other = supertest.agent(t.app).set('Origin', t.publicUrl);
      await other.post('/api/session').send({ email: u.email, password }).expect(200);
      await other.post('/api/me/password').send({ currentPassword: password, newPassword: 'another long passphrase here' }).expect(204);
    }],
    ['a password reset', async (u) => {
      await supertest(t.app).post('/api/password-reset').set('Origin', t.publicUrl).send({ email: u.email }).expect(202);
      await t.runJobs();
      const link = (await t.outbox()).find((m) => m.to === u.email && m.subject === 'Reset your password');
      const token = /token=([A-Za-z0-9_-]{43})/.exec(link?.text ?? '')?.[1] ?? '';
      await supertest(t.app).post('/api/password-reset/confirm').set('Origin', t.publicUrl).send({ token, newPassword: 'another long passphrase here' }).expect(204);
    }],
    ['account deletion', (u) => u.agent.delete('/api/me').send({ password }).expect(204)],
    ['idle expiry, found by the sweep', async () => {
      t.now.value += t.config.session.idleMs + 1;
      await t.store.sessions.deleteExpired(t.now.value, t.now.value - t.config.session.idleMs);
    }],
    ['absolute expiry, found by the sweep', async () => {
      t.now.value += t.config.session.absoluteMs;
      await t.store.sessions.deleteExpired(t.now.value);
    }],
  ];

  it.each(endings)('is sent after %s', async (_name, end) => {
    const user = await signedInUser();
    const tokens = await grant(user.agent, 'mail');
    await end(user);
    await t.runJobs();
    expect(claimsOf(mail.tokens)).toEqual([expect.objectContaining({ sub: user.id, sid: sidOf(tokens) })]);
  });

  it('is sent for the one account signed out of several, and for each at “sign out of all accounts”', async () => {
    const first = await signedInUser();
    const second = await t.createUser({ password });
    await first.agent.post('/api/session').send({ email: second.email, password, add: true }).expect(200);
    const me = (await first.agent.get('/api/me').expect(200)).body as { accounts: Array<{ id: string; email: string }> };
    const firstHandle = me.accounts.find((a) => a.email === first.email)!.id;
    const secondTokens = await grant(first.agent, 'mail', { login_hint: second.id });
    expect(decodeJwt(secondTokens.id_token).sub).toBe(second.id);
    const firstTokens = await grant(first.agent, 'mail', { login_hint: first.id });
    expect(decodeJwt(firstTokens.id_token).sub).toBe(first.id);
    expect(sidOf(firstTokens)).toBe(firstHandle);

    await first.agent.delete('/api/session').query({ account: firstHandle }).expect(204);
    await t.runJobs();
    expect(claimsOf(mail.tokens)).toEqual([expect.objectContaining({ sub: first.id, sid: firstHandle })]);

    await first.agent.delete('/api/session').expect(204);
    await t.runJobs();
    expect(claimsOf(mail.tokens).map((c) => c.sub)).toEqual([first.id, second.id]);
  });

  it('is sent after the end-session endpoint signs out', async () => {
    const user = await signedInUser();
    const tokens = await grant(user.agent, 'mail');
    await user.agent.get('/end_session').query({ id_token_hint: tokens.id_token, post_logout_redirect_uri: `${mailOrigin}/` });
    await t.runJobs();
    expect(claimsOf(mail.tokens)).toEqual([expect.objectContaining({ sid: sidOf(tokens) })]);
  });

  it('is retried when the app was down, and reaches it once it is back', async () => {
    const user = await signedInUser();
    await grant(user.agent, 'mail');
    mail.failFirst = 2;
    await user.agent.delete('/api/session').expect(204);
    await t.runJobs();
    expect(mail.tokens).toEqual([]);
    t.now.value += logoutTokenRetry.retryDelayMs;
    await t.runJobs();
    expect(mail.tokens).toEqual([]);
    t.now.value += 2 * logoutTokenRetry.retryDelayMs;
    await t.runJobs();
    expect(mail.tokens).toHaveLength(1);
    // A fresh token for the attempt that reached it, valid now.
    expect(decodeJwt(mail.tokens[0]!).iat).toBe(Math.floor(t.now.value / 1000));
    expect(logLines.filter((l) => l.includes('job failed, will retry'))).toHaveLength(2);
  });

  it('is given up after its retries with one log line, which carries no token', async () => {
    const user = await signedInUser();
    await grant(user.agent, 'mail');
    mail.failFirst = 1_000;
    await user.agent.delete('/api/session').expect(204);
    for (let attempt = 1; attempt <= logoutTokenRetry.retryLimit + 3; attempt += 1) {
      await t.runJobs();
      t.now.value += 2 ** attempt * logoutTokenRetry.retryDelayMs;
    }
    const gaveUp = logLines.filter((l) => l.includes('gave up'));
    expect(gaveUp).toHaveLength(1);
    expect(JSON.parse(gaveUp[0]!)).toMatchObject({ job: 'oidc.backchannel_logout', attempts: logoutTokenRetry.retryLimit + 1 });
    expect(gaveUp[0]).toContain('the app answered 500');
    expect(logLines.join('\n')).not.toMatch(/eyJ/);
    expect(mail.failFirst).toBe(1_000 - (logoutTokenRetry.retryLimit + 1));
  });

  it('does not hold up the sign-out: the request only queues', async () => {
    const user = await signedInUser();
    await grant(user.agent, 'mail');
    await mail.close();
    const started = performance.now();
    await user.agent.delete('/api/session').expect(204);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(mail.tokens).toEqual([]);
  });

  it('is announced in discovery', async () => {
    const { body } = await supertest(t.app).get('/.well-known/openid-configuration').expect(200);
    expect(body).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true });
  });
});
