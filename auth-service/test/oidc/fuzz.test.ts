import fc from 'fast-check';
import supertest from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { authorizeQuery, createOidcTestApp, issuer, newsOrigin, newsRedirect, pkcePair, signInWithCode, type OidcTestApp } from './oidc-test-app.js';

// Generated requests against the provider's endpoints, signed in and out: never a 500, never a stack trace,
// JSON errors always in the RFC shape with a known code, and /authorize never redirects anywhere but to the
// registered redirect URI or the service's own login page.
const runs = Math.max(50, Math.floor(Number(process.env['USERBOX_FUZZ_RUNS'] ?? 10_000) / 20));

const knownErrors = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_token',
]);

const nasty = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', 'code', 'token', 'S256', 'plain', 'none', 'login', 'openid', 'news', 'shop', newsRedirect, 'https://evil.test/', 'Bearer x', '\u0000', '%00', 'a'.repeat(5000), '../../etc/passwd', '{"a":1}'),
);
const params = fc.dictionary(
  fc.constantFrom('response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'grant_type', 'code', 'code_verifier', 'refresh_token', 'token', 'id_token_hint', 'post_logout_redirect_uri', 'request', 'x'),
  fc.oneof(nasty, fc.array(nasty, { minLength: 2, maxLength: 3 })),
  { maxKeys: 8 },
);

let t: OidcTestApp;
let agent: Awaited<ReturnType<OidcTestApp['signedIn']>>['agent'];
let real: { access_token: string; id_token: string; refresh_token: string };

beforeAll(async () => {
  // Also a confidential client with keys, so client authentication is fuzzed down every path.
  const vault = 'https://vault.example.test';
  const key = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'v1' };
  t = await createOidcTestApp({
    apps: [{ id: 'vault', name: 'Vault', url: `${vault}/`, icon: null, origins: [vault], redirectUris: [`${vault}/cb`], confidential: true, jwks: { keys: [key] } }],
  });
  const signed = await signInWithCode(t);
  agent = signed.agent;
  real = signed.tokens;
});

function expectNoLeak(res: supertest.Response): void {
  expect(res.status).toBeLessThan(500);
  expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
}

describe('fuzzing the provider', () => {
  it('client authentication of any shape (Basic credentials, secrets, assertions) is answered 4xx in the RFC shape', async () => {
    const credential = fc.oneof(nasty, fc.constantFrom('vault', 'news', 'vault:', ':x', 'vault:%zz', 'news:secret', '%'));
    const assertionForm = fc.record(
      {
        client_id: fc.oneof(nasty, fc.constantFrom('vault', 'news')),
        client_secret: nasty,
        client_assertion_type: fc.oneof(nasty, fc.constant('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')),
        client_assertion: fc.oneof(nasty, fc.constantFrom('a.b.c', 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJ2YXVsdCJ9.', real.id_token)),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/token', '/revoke'), params, assertionForm, fc.option(credential), async (path, form, auth, basic) => {
        const req = supertest(t.app).post(path).type('form').send({ ...form, ...auth });
        const res = await (basic !== null ? req.set('Authorization', `Basic ${Buffer.from(basic).toString('base64')}`) : req);
        expectNoLeak(res);
        if (res.status >= 400) {
          expect(Object.keys(res.body).sort()).toEqual(['error', 'error_description']);
          expect(knownErrors.has(res.body.error), res.body.error).toBe(true);
        }
      }),
      { numRuns: runs },
    );
  });

  it('POST /token, /revoke and GET /userinfo answer RFC-shaped errors only', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/token', '/revoke', '/userinfo'), params, fc.option(nasty), async (path, form, auth) => {
        const req = path === '/userinfo' ? supertest(t.app).get(path).query(form) : supertest(t.app).post(path).type('form').send(form);
        const res = await (auth !== null ? req.set('Authorization', `Bearer ${auth.replace(/[^\x20-\x7e]/g, '')}`) : req);
        expectNoLeak(res);
        if (res.status >= 400) {
          expect(Object.keys(res.body).sort()).toEqual(['error', 'error_description']);
          expect(knownErrors.has(res.body.error), res.body.error).toBe(true);
        }
      }),
      { numRuns: runs },
    );
  }, 300_000);

  it('/authorize and /end_session only redirect to registered places', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/authorize', '/end_session'), params, fc.boolean(), fc.boolean(), async (path, query, signedIn, startValid) => {
        const base = startValid && path === '/authorize' ? { ...authorizeQuery({ challenge: pkcePair().challenge }), ...query } : query;
        const res = await (signedIn ? agent : supertest(t.app)).get(path).query(base);
        expectNoLeak(res);
        if (res.status === 303) {
          const to = new URL(res.headers['location'] as string);
          const allowed = [newsRedirect, `${issuer}/login`, `${newsOrigin}/`];
          expect(allowed, to.href).toContain(to.origin + to.pathname);
        }
        // The session survives: only a valid id_token_hint or a confirmed form signs out, neither generated here.
      }),
      { numRuns: runs },
    );
    expect((await agent.get('/api/me')).body.user).not.toBeNull();
    await supertest(t.app).get('/userinfo').set('Authorization', `Bearer ${real.access_token}`).expect(200);
  }, 300_000);
});
