import { describe, expect, it, vi } from 'vitest';
import { resendVerification } from '../src/verification-client.js';

const answering = (status: number) => vi.fn(async (_url: string | URL | Request, _init?: RequestInit) => new Response(null, { status }));

describe('resendVerification', () => {
  it('posts to the service with its cookie, in the box language, for the account shown', async () => {
    const fetchMock = answering(204);
    expect(await resendVerification('https://a.test', 'de', 'h/1', fetchMock as typeof fetch)).toBe('sent');
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(String(url)).toBe('https://a.test/api/me/email/verification?lang=de&account=h%2F1');
    expect(init).toMatchObject({ method: 'POST', credentials: 'include', cache: 'no-store', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  });

  it('tells the rate limit (429) from any other failure, and a network error is a failure', async () => {
    expect(await resendVerification('https://a.test', 'en', undefined, answering(429) as typeof fetch)).toBe('limited');
    expect(await resendVerification('https://a.test', 'en', undefined, answering(401) as typeof fetch)).toBe('failed');
    const offline = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await resendVerification('https://a.test', 'en', undefined, offline as typeof fetch)).toBe('failed');
  });
});
