import { decodeJwt } from 'jose';
import supertest from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  authorizeQuery,
  createOidcTestApp,
  newsOrigin,
  newsRedirect,
  pkcePair,
  postForm,
  redirectParams,
  shopRedirect,
  type OidcTestApp,
  type TokenResponse,
} from './oidc-test-app.js';

let t: OidcTestApp;
beforeEach(async () => {
  t = await createOidcTestApp();
});

type Agent = ReturnType<typeof supertest.agent>;
type User = Awaited<ReturnType<OidcTestApp['createUser']>>;

/** One browser signed in to A, then B added. */
async function browserWithTwo(): Promise<{ agent: Agent; a: User; b: User }> {
  const a = await t.createUser({ name: 'Ada A' });
  const b = await t.createUser({ name: 'Bob B' });
  const agent = supertest.agent(t.app).set('Origin', t.publicUrl);
  await agent.post('/api/session').send({ email: a.email, password: a.password }).expect(200);
  await agent.post('/api/session').send({ email: b.email, password: b.password, add: true }).expect(200);
  return { agent, a, b };
}

/** Follows /authorize (for news unless told) to the callback and exchanges the code. */
async function codeFlow(agent: Agent, extra: Record<string, string>, clientId = 'news', redirectUri = newsRedirect): Promise<TokenResponse> {
  const { verifier, challenge } = pkcePair();
  const res = await agent.get('/authorize').query(authorizeQuery({ clientId, redirectUri, challenge, extra }));
  const params = redirectParams(res, redirectUri);
  expect(params.get('error')).toBeNull();
  const token = await postForm(t.app, '/token', {
    grant_type: 'authorization_code',
    code: params.get('code')!,
    redirect_uri: redirectUri,
    code_verifier: verifier,
    client_id: clientId,
  }).expect(200);
  return token.body as TokenResponse;
}

const subOf = (tokens: TokenResponse) => {
  const id = decodeJwt(tokens.id_token);
  expect(decodeJwt(tokens.access_token).sub).toBe(id.sub);
  return id.sub;
};

describe('prompt=select_account', () => {
  it('is announced in the discovery metadata', async () => {
    const res = await supertest(t.app).get('/.well-known/openid-configuration').expect(200);
    expect(res.body.prompt_values_supported).toEqual(expect.arrayContaining(['none', 'login', 'select_account']));
  });

  it('shows the account chooser: a heading, one link per account, "Use another account"; strict CSP, no inline script', async () => {
    const { agent, a, b } = await browserWithTwo();
    const res = await agent.get('/authorize').query(authorizeQuery({ extra: { prompt: 'select_account' } })).expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['cache-control']).toMatch(/no-store/);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/unsafe-inline/);
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(res.text).not.toMatch(/\sstyle=/);
    expect(res.text).toContain('<h1>Choose an account</h1>');
    expect(res.text).toContain('to continue to News');
    expect(res.text).toContain('<ul class="accounts" aria-label="Accounts signed in on this browser">');
    const links = [...res.text.matchAll(/<a class="account" href="([^"]+)"><span class="account-name">([^<]+)<\/span> <span class="account-email">([^<]+)</g)];
    expect(links.map((m) => [m[2], m[3]])).toEqual([
      ['Ada A', a.email],
      ['Bob B', b.email],
    ]);
    for (const [m, user] of [[links[0]!, a], [links[1]!, b]] as const) {
      const next = new URL(m[1]!.replaceAll('&amp;', '&'));
      expect(next.origin + next.pathname).toBe(`${t.issuer}/authorize`);
      expect(next.searchParams.get('login_hint')).toBe(user.id);
      expect(next.searchParams.get('prompt')).toBeNull();
      expect(next.searchParams.get('state')).toBe('st-123');
    }
    const another = /<a class="account another" href="([^"]+)">Use another account<\/a>/.exec(res.text);
    const login = new URL(another![1]!.replaceAll('&amp;', '&'), t.issuer);
    expect(login.pathname).toBe('/login');
    expect(login.searchParams.get('add')).toBe('1');
    expect(new URL(login.searchParams.get('return_to')!).pathname).toBe('/authorize');
  });

  it('escapes what users wrote on the chooser', async () => {
    const agent = supertest.agent(t.app).set('Origin', t.publicUrl);
    const m = await t.createUser({ name: '<img src=x onerror=alert(1)>' });
    await agent.post('/api/session').send({ email: m.email, password: m.password }).expect(200);
    const res = await agent.get('/authorize').query(authorizeQuery({ extra: { prompt: 'select_account' } })).expect(200);
    expect(res.text).not.toContain('<img src=x');
    expect(res.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('choosing B gives tokens with B’s sub, bound to B’s session only', async () => {
    const { agent, a, b } = await browserWithTwo();
    const chooser = await agent.get('/authorize').query(authorizeQuery({ extra: { prompt: 'select_account' } })).expect(200);
    const hrefB = [...chooser.text.matchAll(/<a class="account" href="([^"]+)"/g)][1]![1]!.replaceAll('&amp;', '&');
    const { verifier, challenge } = pkcePair();
    const withOurChallenge = new URL(hrefB);
    withOurChallenge.searchParams.set('code_challenge', challenge);
    const res = await agent.get(withOurChallenge.pathname + withOurChallenge.search);
    const code = redirectParams(res, newsRedirect).get('code')!;
    const tokens = (
      await postForm(t.app, '/token', { grant_type: 'authorization_code', code, redirect_uri: newsRedirect, code_verifier: verifier, client_id: 'news' }).expect(200)
    ).body as TokenResponse;
    expect(subOf(tokens)).toBe(b.id);
    const bearer = await supertest(t.app).get('/api/me').set('Authorization', `Bearer ${tokens.access_token}`).set('Origin', newsOrigin).expect(200);
    expect(bearer.body.user.id).toBe(b.id);
    expect(bearer.body.accounts).toEqual([{ id: decodeJwt(tokens.access_token)['sid'], name: 'Bob B', email: b.email, picture: null, current: true }]);

    // Signing out A leaves B's grant working; signing out B ends it.
    const me = (await agent.get('/api/me')).body;
    const [handleA, handleB] = me.accounts.map((e: { id: string }) => e.id);
    expect(me.user.id).toBe(a.id);
    await agent.delete('/api/session').query({ account: handleA }).expect(204);
    const refreshed = await postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: 'news' }).expect(200);
    expect(decodeJwt(refreshed.body.id_token).sub).toBe(b.id);
    await agent.delete('/api/session').query({ account: handleB }).expect(204);
    const ended = await postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token, client_id: 'news' });
    expect(ended.body.error).toBe('invalid_grant');
  });

  it('goes to the add-account sign-in when no account is signed in', async () => {
    const res = await supertest(t.app).get('/authorize').query(authorizeQuery({ extra: { prompt: 'select_account' } })).expect(303);
    const login = new URL(res.headers['location'] as string);
    expect(login.pathname).toBe('/login');
    expect(new URL(login.searchParams.get('return_to')!).searchParams.get('prompt')).toBeNull();
  });
});

describe('login_hint', () => {
  it('picks the account by email, in any case, and by sub', async () => {
    const { agent, a, b } = await browserWithTwo();
    expect(subOf(await codeFlow(agent, { login_hint: b.email.toUpperCase() }))).toBe(b.id);
    expect(subOf(await codeFlow(agent, { login_hint: a.id }))).toBe(a.id);
    expect(subOf(await codeFlow(agent, { login_hint: b.id, prompt: 'none' }))).toBe(b.id);
  });

  it('sends an account that is not signed in here to the sign-in page in add mode with the email filled in', async () => {
    const { agent } = await browserWithTwo();
    const c = await t.createUser({ name: 'Cy C' });
    const res = await agent.get('/authorize').query(authorizeQuery({ extra: { login_hint: c.email } })).expect(303);
    const login = new URL(res.headers['location'] as string);
    expect(login.pathname).toBe('/login');
    expect(login.searchParams.get('add')).toBe('1');
    expect(login.searchParams.get('email')).toBe(c.email);
    const page = await agent.get(login.pathname + login.search).expect(200);
    expect(page.text).toContain('<h1>Add another account</h1>');
    expect(page.text).toContain(`value="${c.email}"`);

    // Signing in there comes back to /authorize with the account signed in with, which gets the code.
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const posted = await agent
      .post('/login')
      .type('form')
      .send({ email: c.email, password: c.password, add: '1', csrf, return_to: login.searchParams.get('return_to')! })
      .expect(303);
    const back = new URL(posted.headers['location'] as string);
    expect(back.pathname).toBe('/authorize');
    expect(back.searchParams.get('login_hint')).toBe(c.id);
    const done = await agent.get(back.pathname + back.search);
    expect(redirectParams(done, newsRedirect).get('code')).toBeTruthy();
    expect((await agent.get('/api/me')).body.accounts).toHaveLength(3);
  });

  it('with prompt=login, one sign-in on the page is enough: the way back does not ask again', async () => {
    const { agent } = await browserWithTwo();
    const c = await t.createUser();
    const res = await agent.get('/authorize').query(authorizeQuery({ extra: { login_hint: c.email, prompt: 'login' } })).expect(303);
    const login = new URL(res.headers['location'] as string);
    const page = await agent.get(login.pathname + login.search).expect(200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const posted = await agent
      .post('/login')
      .type('form')
      .send({ email: c.email, password: c.password, add: '1', csrf, return_to: login.searchParams.get('return_to')! })
      .expect(303);
    const back = new URL(posted.headers['location'] as string);
    const done = await agent.get(back.pathname + back.search);
    expect(redirectParams(done, newsRedirect).get('code')).toBeTruthy();
  });

  it('answers login_required with prompt=none for an account that is not signed in here, without naming it', async () => {
    const { agent } = await browserWithTwo();
    const c = await t.createUser();
    const res = await agent.get('/authorize').query(authorizeQuery({ extra: { login_hint: c.email, prompt: 'none' } }));
    const params = redirectParams(res, newsRedirect);
    expect(params.get('error')).toBe('login_required');
    expect(params.get('iss')).toBe(t.issuer);
    // A sub that is not here is not looked up: the page never learns whose it is.
    const bySub = await agent.get('/authorize').query(authorizeQuery({ extra: { login_hint: c.id } })).expect(303);
    expect(new URL(bySub.headers['location'] as string).searchParams.get('email')).toBeNull();
  });
});

describe('several accounts and no hint', () => {
  it('shows the chooser; prompt=none answers account_selection_required with state and iss', async () => {
    const { agent } = await browserWithTwo();
    const page = await agent.get('/authorize').query(authorizeQuery()).expect(200);
    expect(page.text).toContain('<h1>Choose an account</h1>');
    const res = await agent.get('/authorize').query(authorizeQuery({ extra: { prompt: 'none' } }));
    const params = redirectParams(res, newsRedirect);
    expect(params.get('error')).toBe('account_selection_required');
    expect(params.get('error_description')).toBeTruthy();
    expect(params.get('state')).toBe('st-123');
    expect(params.get('iss')).toBe(t.issuer);
    expect(params.get('code')).toBeNull();
  });

  it('picks the account this app last used in this browser; another app still has to choose', async () => {
    const { agent, b } = await browserWithTwo();
    expect(subOf(await codeFlow(agent, { login_hint: b.email }))).toBe(b.id);
    expect(subOf(await codeFlow(agent, { prompt: 'none' }))).toBe(b.id);
    expect(subOf(await codeFlow(agent, {}))).toBe(b.id);
    const shop = await agent.get('/authorize').query(authorizeQuery({ clientId: 'shop', redirectUri: shopRedirect, extra: { prompt: 'none' } }));
    expect(redirectParams(shop, shopRedirect).get('error')).toBe('account_selection_required');
  });

  it('counts a choice for every client of the same app: the box on a back end’s pages follows the back end’s last account', async () => {
    // A back end (news) and the public client of the box on its pages (news-box): one origin, one app to the user.
    const boxRedirect = `${newsOrigin}/`;
    t = await createOidcTestApp({ apps: [{ id: 'news-box', name: 'News box', url: `${newsOrigin}/`, icon: null, origins: [newsOrigin], redirectUris: [boxRedirect] }] });
    const { agent, b } = await browserWithTwo();
    expect(subOf(await codeFlow(agent, { login_hint: b.email }))).toBe(b.id);
    expect(subOf(await codeFlow(agent, { prompt: 'none' }, 'news-box', boxRedirect))).toBe(b.id);
    // An app on another origin still has to choose.
    const shop = await agent.get('/authorize').query(authorizeQuery({ clientId: 'shop', redirectUri: shopRedirect, extra: { prompt: 'none' } }));
    expect(redirectParams(shop, shopRedirect).get('error')).toBe('account_selection_required');
  });

  it('keeps the last choice to this browser: another browser with the same two accounts still has to choose', async () => {
    const { agent, a, b } = await browserWithTwo();
    await codeFlow(agent, { login_hint: b.email });
    const other = supertest.agent(t.app).set('Origin', t.publicUrl);
    await other.post('/api/session').send({ email: a.email, password: a.password }).expect(200);
    await other.post('/api/session').send({ email: b.email, password: b.password, add: true }).expect(200);
    const res = await other.get('/authorize').query(authorizeQuery({ extra: { prompt: 'none' } }));
    expect(redirectParams(res, newsRedirect).get('error')).toBe('account_selection_required');
  });

  it('uses the only account without asking', async () => {
    const a = await t.createUser();
    const agent = supertest.agent(t.app).set('Origin', t.publicUrl);
    await agent.post('/api/session').send({ email: a.email, password: a.password }).expect(200);
    expect(subOf(await codeFlow(agent, { prompt: 'none' }))).toBe(a.id);
  });
});

describe('/end_session with several accounts', () => {
  it('signs out only the account of the id_token_hint', async () => {
    const { agent, a, b } = await browserWithTwo();
    const tokens = await codeFlow(agent, { login_hint: b.email });
    await agent.get('/end_session').query({ id_token_hint: tokens.id_token, post_logout_redirect_uri: `${newsOrigin}/` }).expect(303);
    const me = (await agent.get('/api/me')).body;
    expect(me.user.id).toBe(a.id);
    expect(me.accounts).toHaveLength(1);
  });
});
