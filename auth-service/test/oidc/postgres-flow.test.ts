import supertest from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { openForSuite, postgresDatabase, postgresUrl } from '../store/databases.js';
import { createOidcTestApp, postForm, signInWithCode, type OidcTestApp, type TokenResponse } from './oidc-test-app.js';

// The provider end to end on PostgreSQL (the other tests use SQLite), in a schema of its own per run.
describe.skipIf(postgresUrl === 'skip')('the provider on PostgreSQL', () => {
  const store = openForSuite(postgresDatabase('userbox_oidc_flow'));
  let t: OidcTestApp;
  beforeAll(async () => {
    t = await createOidcTestApp({ store: store() });
  });

  const refresh = (token: string) => postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token: token, client_id: 'news' });

  it('runs the code flow, rotates refresh tokens (two at once within the grace window), and ends with the session', async () => {
    const { tokens } = await signInWithCode(t);
    await supertest(t.app).get('/userinfo').set('Authorization', `Bearer ${tokens.access_token}`).expect(200);

    const [a, b] = await Promise.all([refresh(tokens.refresh_token), refresh(tokens.refresh_token)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((a.body as TokenResponse).refresh_token).toBe((b.body as TokenResponse).refresh_token);
    t.now.value += 11_000;
    expect((await refresh(tokens.refresh_token)).body.error).toBe('invalid_grant');
    expect((await refresh((a.body as TokenResponse).refresh_token)).body.error).toBe('invalid_grant');

    const again = await signInWithCode(t);
    await again.agent.delete('/api/session').expect(204);
    expect((await refresh(again.tokens.refresh_token)).body.error).toBe('invalid_grant');
  });
});
