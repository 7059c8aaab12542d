import { randomBytes } from 'node:crypto';
import pg from 'pg';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/store.js';
import { createOidcTestApp, postForm, signInWithCode, type OidcTestApp, type TokenResponse } from './oidc-test-app.js';

// The provider end to end on PostgreSQL (the other tests use SQLite), in a schema of its own per run.
const postgresUrl = process.env['USERBOX_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `userbox_oidc_flow_${randomBytes(6).toString('hex')}`;

describe.skipIf(postgresUrl === 'skip')('the provider on PostgreSQL', () => {
  let store: Store;
  let t: OidcTestApp;
  beforeAll(async () => {
    store = await openStore(postgresUrl, { schema });
    t = await createOidcTestApp({ store });
  });
  afterAll(async () => {
    await store?.close();
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  const refresh = (token: string) => postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token: token, client_id: 'news' });

  it('runs the code flow, rotates refresh tokens (two at once within the grace window), and ends with the session', async () => {
    const { tokens } = await signInWithCode(t);
    await supertest(t.app).get('/userinfo').set('Authorization', `Bearer ${tokens.access_token}`).expect(200);

    const [a, b] = await Promise.all([refresh(tokens.refresh_token), refresh(tokens.refresh_token)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    t.now.value += 11_000;
    expect((await refresh(tokens.refresh_token)).body.error).toBe('invalid_grant');
    expect((await refresh((a.body as TokenResponse).refresh_token)).body.error).toBe('invalid_grant');

    const again = await signInWithCode(t);
    await again.agent.delete('/api/session').expect(204);
    expect((await refresh(again.tokens.refresh_token)).body.error).toBe('invalid_grant');
  });
});
