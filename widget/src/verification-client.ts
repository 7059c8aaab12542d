/** How asking for a new verification link went. */
export type ResendResult = 'sent' | 'limited' | 'failed';

/**
 * Asks the service to mail the account shown (`handle`, its opaque id) a new verification link, in `lang`:
 * `POST /api/me/email/verification`, which the service limits per address and per IP (429: `limited`). With the
 * service's cookie, so cookie mode only. In the menus chunk: the first paint never needs it.
 */
export async function resendVerification(service: string, lang: string, handle: string | undefined, fetchImpl: typeof fetch = fetch): Promise<ResendResult> {
  const query = `?lang=${lang}${handle ? '&account=' + encodeURIComponent(handle) : ''}`;
  try {
    const res = await fetchImpl(`${service}/api/me/email/verification${query}`, {
      method: 'POST',
      credentials: 'include',
      cache: 'no-store',
      // The service's API takes JSON only (a cross-origin form post cannot send it).
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    return res.ok ? 'sent' : res.status === 429 ? 'limited' : 'failed';
  } catch {
    return 'failed';
  }
}
