import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClientSecrets, hashClientSecret } from '../../src/services/client-secrets.js';
import { authorize, createOidcTestApp, pkcePair, postForm, type OidcTestApp, type TokenResponse } from './oidc-test-app.js';

// A confidential client (an app with a back end) authenticates at /token and /revoke with its secret, by
// client_secret_basic or client_secret_post (RFC 6749 §2.3.1), and still proves the code with PKCE.

const booksOrigin = 'https://books.example.test';
const booksRedirect = `${booksOrigin}/callback`;
const graceHours = 2;

let t: OidcTestApp;
let secret: string;
const secrets = () => createClientSecrets(t.store, t.config.oidc, () => t.now.value);

beforeEach(async () => {
  t = await createOidcTestApp({
    apps: [
      { id: 'books', name: 'Books', url: `${booksOrigin}/`, icon: null, origins: [booksOrigin], redirectUris: [booksRedirect], confidential: true },
      // The public client of the box on Books' pages (token mode), which cannot hold a secret.
      { id: 'books-box', name: 'Books', url: `${booksOrigin}/`, icon: null, origins: [booksOrigin], redirectUris: [`${booksOrigin}/`], hidden: true },
    ],
    env: { OIDC_CLIENT_SECRET_GRACE_HOURS: String(graceHours) },
  });
  await t.registry.reload();
  secret = await secrets().rotate('books');
});

const basic = (id: string, password: string) => `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}`;

async function codeFor(clientId = 'books', redirectUri = booksRedirect) {
  const user = await t.signedIn();
  const { verifier, challenge } = pkcePair();
  const code = await authorize(user.agent, { clientId, redirectUri, challenge });
  return { ...user, code, verifier };
}

const exchangeForm = (code: string, verifier: string, extra: Record<string, string> = {}) => ({
  grant_type: 'authorization_code',
  code,
  redirect_uri: booksRedirect,
  code_verifier: verifier,
  ...extra,
});

function expectInvalidClient(res: supertest.Response, challenge: boolean): void {
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
  if (challenge) expect(res.headers['www-authenticate']).toMatch(/^Basic realm="userbox"/);
  else expect(res.headers['www-authenticate']).toBeUndefined();
}

describe('a confidential client at /token', () => {
  it('gets tokens with client_secret_basic', async () => {
    const { code, verifier, userId } = await codeFor();
    const res = await postForm(t.app, '/token', exchangeForm(code, verifier)).set('Authorization', basic('books', secret)).expect(200);
    expect((res.body as TokenResponse).access_token).toBeTruthy();
    expect(res.body).toMatchObject({ token_type: 'Bearer' });
    const res2 = await supertest(t.app).get('/userinfo').set('Authorization', `Bearer ${(res.body as TokenResponse).access_token}`).expect(200);
    expect(res2.body).toMatchObject({ sub: userId });
  });

  it('decodes the Basic credentials as form-urlencoded (RFC 6749 §2.3.1), with client_id in the body or not', async () => {
    const { code, verifier } = await codeFor();
    const encoded = [...secret].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    await postForm(t.app, '/token', exchangeForm(code, verifier, { client_id: 'books' }))
      .set('Authorization', basic('books', encoded))
      .expect(200);
  });

  it('gets tokens with client_secret_post', async () => {
    const { code, verifier } = await codeFor();
    await postForm(t.app, '/token', exchangeForm(code, verifier, { client_id: 'books', client_secret: secret })).expect(200);
  });

  it('is refused without a secret, with a wrong one, or with another client’s name → 401 invalid_client', async () => {
    const { code, verifier } = await codeFor();
    expectInvalidClient(await postForm(t.app, '/token', exchangeForm(code, verifier, { client_id: 'books' })), true);
    expectInvalidClient(await postForm(t.app, '/token', exchangeForm(code, verifier)).set('Authorization', basic('books', `${secret}x`)), true);
    expectInvalidClient(await postForm(t.app, '/token', exchangeForm(code, verifier)).set('Authorization', basic('books', '')), true);
    expectInvalidClient(await postForm(t.app, '/token', exchangeForm(code, verifier)).set('Authorization', 'Basic not base64!'), true);
    expectInvalidClient(await postForm(t.app, '/token', exchangeForm(code, verifier)).set('Authorization', `Bearer ${secret}`), true);
    expectInvalidClient(await postForm(t.app, '/token', exchangeForm(code, verifier, { client_id: 'books', client_secret: secret.slice(1) })), false);
    // The secret of one client does not make another's code redeemable.
    expectInvalidClient(await postForm(t.app, '/token', exchangeForm(code, verifier)).set('Authorization', basic('news', secret)), true);
    // None of those used the code: the right secret still redeems it.
    await postForm(t.app, '/token', exchangeForm(code, verifier)).set('Authorization', basic('books', secret)).expect(200);
  });

  it('refuses two authentication methods at once → invalid_request', async () => {
    const { code, verifier } = await codeFor();
    const res = await postForm(t.app, '/token', exchangeForm(code, verifier, { client_id: 'books', client_secret: secret })).set('Authorization', basic('books', secret));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
    const mismatch = await postForm(t.app, '/token', exchangeForm(code, verifier, { client_id: 'news' })).set('Authorization', basic('books', secret));
    expect(mismatch.status).toBe(400);
  });

  it('still needs the PKCE verifier', async () => {
    const { code, verifier } = await codeFor();
    const wrong = await postForm(t.app, '/token', exchangeForm(code, pkcePair().verifier)).set('Authorization', basic('books', secret));
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: 'invalid_grant' });
    expect(verifier).toBeTruthy();
    const missing = await postForm(t.app, '/token', { grant_type: 'authorization_code', code, redirect_uri: booksRedirect }).set('Authorization', basic('books', secret));
    expect(missing.status).toBe(400);
  });

  it('authenticates to refresh and to revoke too', async () => {
    const { code, verifier } = await codeFor();
    const { refresh_token } = (await postForm(t.app, '/token', exchangeForm(code, verifier)).set('Authorization', basic('books', secret)).expect(200)).body as TokenResponse;
    expectInvalidClient(await postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token, client_id: 'books' }), true);
    expectInvalidClient(await postForm(t.app, '/revoke', { token: refresh_token, client_id: 'books' }), true);
    expectInvalidClient(await postForm(t.app, '/revoke', { token: refresh_token }).set('Authorization', basic('books', 'wrong')), true);
    const next = (await postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token }).set('Authorization', basic('books', secret)).expect(200)).body as TokenResponse;
    await postForm(t.app, '/revoke', { token: next.refresh_token, client_id: 'books', client_secret: secret }).expect(200);
    const after = await postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token: next.refresh_token }).set('Authorization', basic('books', secret));
    expect(after.body).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('a public client', () => {
  it('is refused when it presents a secret, by either method', async () => {
    const user = await t.signedIn();
    const { verifier, challenge } = pkcePair();
    const code = await authorize(user.agent, { challenge });
    const form = { grant_type: 'authorization_code', code, redirect_uri: 'https://news.example.test/callback', code_verifier: verifier };
    expectInvalidClient(await postForm(t.app, '/token', form).set('Authorization', basic('news', secret)), true);
    expectInvalidClient(await postForm(t.app, '/token', { ...form, client_id: 'news', client_secret: secret }), false);
    await postForm(t.app, '/token', { ...form, client_id: 'news' }).expect(200);
  });
});

describe('secret rotation', () => {
  it('keeps the previous secret working for the grace period, measured on the service’s clock, then refuses it', async () => {
    const old = secret;
    const rotated = await secrets().rotate('books');
    expect(rotated).not.toBe(old);
    const redeemWith = async (s: string) => {
      const { code, verifier } = await codeFor();
      return postForm(t.app, '/token', exchangeForm(code, verifier)).set('Authorization', basic('books', s));
    };
    expect((await redeemWith(old)).status).toBe(200);
    expect((await redeemWith(rotated)).status).toBe(200);
    t.now.value += graceHours * 3_600_000 - 1000;
    expect((await redeemWith(old)).status).toBe(200);
    t.now.value += 2000;
    expectInvalidClient(await redeemWith(old), true);
    expect((await redeemWith(rotated)).status).toBe(200);
  });

  it('a second rotation within the grace period does not extend the first secret’s life', async () => {
    const first = secret;
    await secrets().rotate('books');
    t.now.value += 3_600_000;
    const third = await secrets().rotate('books');
    t.now.value += graceHours * 3_600_000 - 3_600_000 + 1000;
    expect(await secrets().verify('books', first)).toBe(false);
    expect(await secrets().verify('books', third)).toBe(true);
  });

  it('keeps only the SHA-256 of each secret', async () => {
    const rows = await t.store.db.selectFrom('client_secrets').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.secret_hash).toBe(hashClientSecret(secret));
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('adopting the hash the registry file gives makes it current once, and again only when it changes', async () => {
    const fromFile = 'a-secret-the-operator-generated-with-enough-entropy';
    await secrets().adopt('books', hashClientSecret(fromFile));
    expect(await secrets().verify('books', fromFile)).toBe(true);
    expect(await secrets().verify('books', secret)).toBe(true); // within its grace period
    await secrets().adopt('books', hashClientSecret(fromFile));
    t.now.value += graceHours * 3_600_000 + 1;
    expect(await secrets().verify('books', fromFile)).toBe(true);
    expect(await secrets().verify('books', secret)).toBe(false);
  });

  it('removing the app removes its secrets', async () => {
    await t.store.apps.remove('books');
    expect(await t.store.db.selectFrom('client_secrets').selectAll().execute()).toEqual([]);
  });
});

describe('a hidden public client beside a confidential app (its pages’ box)', () => {
  it('is not in the launcher, and redeems its codes from the app’s pages with PKCE alone', async () => {
    const { body } = await supertest(t.app).get('/api/apps').set('Origin', booksOrigin).expect(200);
    expect((body as { apps: Array<{ id: string }> }).apps.map((a) => a.id)).toEqual(['news', 'shop', 'books']);
    const { code, verifier } = await codeFor('books-box', `${booksOrigin}/`);
    const form = { grant_type: 'authorization_code', code, redirect_uri: `${booksOrigin}/`, code_verifier: verifier, client_id: 'books-box' };
    await postForm(t.app, '/token', form, booksOrigin).expect(200);
    // The confidential client itself still cannot be used so.
    const other = await codeFor();
    expectInvalidClient(await postForm(t.app, '/token', exchangeForm(other.code, other.verifier, { client_id: 'books' }), booksOrigin), true);
  });
});

describe('discovery', () => {
  it('lists exactly the client authentication methods that work', async () => {
    const { body } = await supertest(t.app).get('/.well-known/openid-configuration').expect(200);
    expect(body).toMatchObject({
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    });
  });
});
