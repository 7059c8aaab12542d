import { decodeJwt } from 'jose';
import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { authorize, authorizeQuery, createOidcTestApp, newsRedirect, pkcePair, postForm, redirectParams, type OidcTestApp, type TokenResponse } from './oidc-test-app.js';

let t: OidcTestApp;
beforeEach(async () => {
  t = await createOidcTestApp();
});

/** The code flow for an agent that is signed in: the tokens the relying party receives. */
export async function tokensFor(app: OidcTestApp, agent: ReturnType<typeof supertest.agent>, extra: Record<string, string> = {}): Promise<TokenResponse> {
  const { verifier, challenge } = pkcePair();
  const code = await authorize(agent, { challenge, extra });
  const res = await postForm(app.app, '/token', { grant_type: 'authorization_code', code, redirect_uri: newsRedirect, code_verifier: verifier, client_id: 'news' }).expect(200);
  return res.body as TokenResponse;
}

describe('ID tokens say how and when the user signed in (RFC 8176 amr, OpenID Connect Core auth_time)', () => {
  it('a password sign-in gives amr ["pwd"] and the sign-in time as auth_time, also after a refresh', async () => {
    const user = await t.createUser();
    const agent = supertest.agent(t.app).set('Origin', t.issuer);
    const signedInAt = t.now.value;
    await agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    t.now.value += 120_000;
    const tokens = await tokensFor(t, agent);
    const id = decodeJwt(tokens.id_token);
    expect(id['amr']).toEqual(['pwd']);
    expect(id['auth_time']).toBe(Math.floor(signedInAt / 1000));

    t.now.value += 60_000;
    const refreshed = await postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: 'news' }).expect(200);
    const again = decodeJwt((refreshed.body as TokenResponse).id_token);
    expect(again['amr']).toEqual(['pwd']);
    expect(again['auth_time']).toBe(Math.floor(signedInAt / 1000));
  });

  it('discovery lists the amr values and the amr and auth_time claims', async () => {
    const res = await supertest(t.app).get('/.well-known/openid-configuration').expect(200);
    const metadata = res.body as { amr_values_supported: string[]; claims_supported: string[] };
    expect(metadata.amr_values_supported).toEqual(expect.arrayContaining(['pwd', 'otp', 'hwk', 'swk', 'mfa']));
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(['amr', 'auth_time']));
  });

  it('max_age=0 sends even a session just opened to sign in again, then continues with a fresh auth_time', async () => {
    const { agent, email } = await t.signedIn();
    // The same millisecond as the sign-in: max_age=0 must still ask again.
    const res = await agent.get('/authorize').query(authorizeQuery({ extra: { max_age: '0' } })).expect(303);
    const login = new URL(res.headers['location'] as string);
    expect(login.pathname).toBe('/login');
    const back = login.searchParams.get('return_to')!;
    expect(new URL(back).searchParams.get('max_age')).toBeNull();

    t.now.value += 5_000;
    const freshAt = t.now.value;
    await agent.post('/api/session').send({ email, password: 'correct horse battery staple' }).expect(200);
    const { verifier, challenge } = pkcePair();
    const resumed = new URL(back);
    resumed.searchParams.set('code_challenge', challenge);
    const done = await agent.get(resumed.pathname + resumed.search);
    const code = redirectParams(done, newsRedirect).get('code')!;
    const res2 = await postForm(t.app, '/token', { grant_type: 'authorization_code', code, redirect_uri: newsRedirect, code_verifier: verifier, client_id: 'news' }).expect(200);
    expect(decodeJwt((res2.body as TokenResponse).id_token)['auth_time']).toBe(Math.floor(freshAt / 1000));
  });

  it('max_age lets a session younger than it through and sends an older one to sign in', async () => {
    const { agent } = await t.signedIn();
    t.now.value += 30_000;
    await authorize(agent, { extra: { max_age: '60' } });
    t.now.value += 31_000;
    const res = await agent.get('/authorize').query(authorizeQuery({ extra: { max_age: '60' } })).expect(303);
    expect(new URL(res.headers['location'] as string).pathname).toBe('/login');
  });
});
