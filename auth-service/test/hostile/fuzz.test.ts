import fc from 'fast-check';
import supertest from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { appOrigin, createTestApp, serviceOrigin, type TestApp } from '../test-app.js';

// Generated requests across every route: whatever arrives, the service answers with a status below 500,
// never a stack trace, and every JSON error in the {"error":{"code","message"}} shape.
const runs = Number(process.env['USERBOX_FUZZ_RUNS'] ?? 10_000);

const routes: Array<[string, string]> = [
  ['GET', '/api/me'],
  ['PATCH', '/api/me'],
  ['POST', '/api/me/password'],
  ['POST', '/api/session'],
  ['DELETE', '/api/session'],
  ['POST', '/api/users'],
  ['GET', '/api/sessions'],
  ['DELETE', '/api/sessions'],
  ['DELETE', '/api/sessions/:id'],
  ['GET', '/api/apps'],
  ['GET', '/api/me/export'],
  ['DELETE', '/api/me'],
  ['POST', '/api/me/email'],
  ['POST', '/api/me/email/verification'],
  ['POST', '/api/email/verify'],
  ['POST', '/api/password-reset'],
  ['POST', '/api/password-reset/confirm'],
  ['GET', '/verify-email'],
  ['POST', '/verify-email'],
  ['GET', '/forgot-password'],
  ['POST', '/forgot-password'],
  ['GET', '/reset-password'],
  ['POST', '/reset-password'],
  ['POST', '/account/email'],
  ['POST', '/account/verification'],
  ['POST', '/account/delete'],
  ['GET', '/dev/outbox'],
  ['GET', '/dev/outbox.json'],
  ['GET', '/login'],
  ['POST', '/login'],
  ['GET', '/signup'],
  ['POST', '/signup'],
  ['POST', '/logout'],
  ['GET', '/account'],
  ['POST', '/account/profile'],
  ['POST', '/account/password'],
  ['POST', '/account/sessions/:id/revoke'],
  ['POST', '/account/sessions/revoke-all'],
  ['GET', '/healthz'],
  ['GET', '/readyz'],
  ['GET', '/nope/:id'],
  ['OPTIONS', '/api/session'],
];

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    '',
    'null',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '%00',
    '%2e%2e%2f',
    '../../etc/passwd',
    '\u202Eevil',
    'a'.repeat(5000),
    '__proto__',
    'constructor',
    'javascript:alert(1)',
    '\\\\evil.test',
    '😀'.repeat(50),
  ),
);

const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({ email: nasty, password: nasty }, { requiredKeys: [] }),
  fc.record({ token: nasty, newPassword: nasty, newEmail: nasty }, { requiredKeys: [] }),
  fc.record({ email: nasty, name: nasty, password: nasty, extra: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
  fc.record({ name: nasty, picture: fc.oneof(nasty, fc.constant(null), fc.webUrl()) }, { requiredKeys: [] }),
  fc.record({ currentPassword: nasty, newPassword: nasty }, { requiredKeys: [] }),
  fc.constant({ __proto__: { admin: true } }),
  fc.constant(JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}')),
);

const body = fc.oneof(
  jsonValue.map((v) => ({ type: 'application/json', data: JSON.stringify(v) })),
  nasty.map((s) => ({ type: 'application/json', data: s })), // mostly not JSON at all
  fc.dictionary(fc.constantFrom('email', 'password', 'name', 'return_to', 'csrf', 'picture', 'current_password', 'new_password', 'x[y]'), nasty).map((d) => ({
    type: 'application/x-www-form-urlencoded',
    data: new URLSearchParams(d).toString(),
  })),
  fc.tuple(fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/json; charset=latin1', ''), nasty).map(([type, data]) => ({ type, data })),
  fc.constant(undefined),
);

const request = fc.record({
  route: fc.constantFrom(...routes),
  id: fc.oneof(fc.constant('x'), nasty.map(encodeURIComponent)),
  query: fc.dictionary(fc.constantFrom('return_to', 'done', 'a', 'a[b]', 'constructor'), nasty, { maxKeys: 3 }),
  origin: fc.constantFrom(serviceOrigin, appOrigin, 'http://evil.test', 'null', undefined),
  fetchSite: fc.constantFrom('same-origin', 'cross-site', 'none', undefined),
  accept: fc.constantFrom('application/json', 'text/html', '*/*', undefined),
  cookie: fc.oneof(fc.constant(undefined), nasty.map((s) => `userbox_session=${encodeURIComponent(s)}; userbox_csrf=${encodeURIComponent(s)}`)),
  // Header values must be bytes a client can send at all; the rest is still hostile.
  xff: fc.oneof(fc.constant(undefined), fc.ipV4(), fc.ipV6(), nasty.map((s) => s.replace(/[^\x20-\x7e]/g, '?'))),
  body,
});

const stackTrace = /\bat [\w.<>]+ \(|node:internal|\.ts:\d+:\d+|\.js:\d+:\d+/;

describe('fuzzing every route', () => {
  let t: TestApp;
  let signedInCookie: string;
  beforeAll(async () => {
    t = await createTestApp({ authRateLimitPerMinute: 1_000_000 });
    const user = await t.createUser();
    const res = await supertest(t.app).post('/api/session').set('Origin', serviceOrigin).send({ email: user.email, password: user.password });
    signedInCookie = String(res.headers['set-cookie']).split(';')[0]!;
  });

  it(`answers ${runs} generated requests without a 500, a stack trace or a malformed error`, async () => {
    let count = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), async (r, signedIn) => {
        count += 1;
        const [method, pattern] = r.route;
        const query = new URLSearchParams(r.query).toString();
        const url = pattern.replace(':id', r.id) + (query ? `?${query}` : '');
        let req = supertest(t.app)[method.toLowerCase() as 'get'](url);
        if (r.origin) req = req.set('Origin', r.origin);
        if (r.fetchSite) req = req.set('Sec-Fetch-Site', r.fetchSite);
        if (r.accept) req = req.set('Accept', r.accept);
        if (r.xff) req = req.set('X-Forwarded-For', r.xff);
        const cookie = signedIn ? signedInCookie : r.cookie;
        if (cookie) req = req.set('Cookie', cookie);
        if (r.body && method !== 'GET' && method !== 'OPTIONS') {
          if (r.body.type) req = req.set('Content-Type', r.body.type);
          req = req.send(r.body.data);
        }
        const res = await req;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, `${method} ${url}`).toBeLessThan(500);
        expect(res.text ?? '').not.toMatch(stackTrace);
        if (res.status >= 400 && /json/.test(String(res.headers['content-type']))) {
          expect(res.body).toEqual({ error: { code: expect.stringMatching(/^[A-Z][A-Z_]+$/), message: expect.any(String) } });
        }
        // Prototype pollution would show on every object.
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: runs, seed: Number(process.env['USERBOX_FUZZ_SEED'] ?? 20261126) },
    );
    expect(count).toBe(runs);
    // The run must have exercised both accepted and refused requests, or it proved little.
    expect([...statuses.keys()].some((s) => s < 400)).toBe(true);
    expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThan(4);
    console.log(`fuzz: ${runs} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
  }, 600_000);
});
