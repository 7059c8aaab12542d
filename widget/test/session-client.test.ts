import { describe, expect, it, vi } from 'vitest';
import { SessionClient, SessionError } from '../src/session-client.js';

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('SessionClient', () => {
  it('asks /api/me with credentials and no HTTP cache', async () => {
    const fetchMock = vi.fn<typeof fetch>(async () => jsonResponse({ user: null }));
    const client = new SessionClient('https://accounts.example.test', fetchMock);
    await expect(client.me()).resolves.toEqual({ user: null });
    expect(fetchMock).toHaveBeenCalledWith('https://accounts.example.test/api/me', expect.objectContaining({ method: 'GET', credentials: 'include', cache: 'no-store' }));
  });

  it('shares one request between concurrent callers, then asks again', async () => {
    const fetchMock = vi.fn<typeof fetch>(async () => jsonResponse({ user: null }));
    const client = new SessionClient('https://a.test', fetchMock);
    await Promise.all([client.me(), client.me(), client.me()]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await client.me();
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it('turns a network failure and a 5xx into a SessionError with the status', async () => {
    const down = new SessionClient('https://a.test', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(down.me()).rejects.toMatchObject({ name: 'SessionError', status: null });
    const broken = new SessionClient('https://a.test', async () => jsonResponse({ error: { code: 'INTERNAL' } }, 503));
    await expect(broken.me()).rejects.toEqual(new SessionError('Account service answered 503', 503));
  });

  it('refuses an answer that is not the /api/me shape', async () => {
    const client = new SessionClient('https://a.test', async () => jsonResponse({ nope: true }));
    await expect(client.me()).rejects.toBeInstanceOf(SessionError);
  });

  it('signs out with DELETE /api/session', async () => {
    const fetchMock = vi.fn<typeof fetch>(async () => new Response(null, { status: 204 }));
    await new SessionClient('https://a.test', fetchMock).signOut();
    expect(fetchMock).toHaveBeenCalledWith('https://a.test/api/session', expect.objectContaining({ method: 'DELETE', credentials: 'include' }));
  });

  it('builds the login URL with return_to encoded', () => {
    const client = new SessionClient('https://a.test');
    expect(client.loginUrl('https://news.example.test/a?b=c&d=e#f')).toBe(
      'https://a.test/login?return_to=https%3A%2F%2Fnews.example.test%2Fa%3Fb%3Dc%26d%3De%23f',
    );
  });
});
