/** A user as the account service's `/api/me` describes them. */
export interface UserboxUser {
  id: string;
  name: string;
  email: string;
  /** An https URL, or null when the user has no picture. */
  picture: string | null;
  initials: string;
  /** Avatar background for the initials, `#rrggbb`. */
  color?: string;
}

export interface MeResponse {
  user: UserboxUser | null;
  session?: { id?: string; expiresAt: string };
}

export class SessionError extends Error {
  override name = 'SessionError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

type Fetch = typeof fetch;

/**
 * Talks to one account service: who is signed in, sign out. No DOM here, so it is tested without a browser.
 * Concurrent `me()` calls share one request.
 */
export class SessionClient {
  private inflight: Promise<MeResponse> | undefined;

  constructor(
    readonly serviceUrl: string,
    private readonly fetchImpl: Fetch = (...args) => fetch(...args),
  ) {}

  me(): Promise<MeResponse> {
    this.inflight ??= this.request('GET', '/api/me')
      .then((res) => res.json() as Promise<MeResponse>)
      .then((body) => {
        if (!body || typeof body !== 'object' || !('user' in body)) throw new SessionError('Malformed /api/me answer', 200);
        return body;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  async signOut(): Promise<void> {
    await this.request('DELETE', '/api/session');
  }

  loginUrl(returnTo: string): string {
    return `${this.serviceUrl}/login?return_to=${encodeURIComponent(returnTo)}`;
  }

  accountUrl(): string {
    return `${this.serviceUrl}/account`;
  }

  private async request(method: string, path: string): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.serviceUrl + path, {
        method,
        credentials: 'include',
        cache: 'no-store',
        headers: { Accept: 'application/json' },
      });
    } catch (err) {
      throw new SessionError(`Account service unreachable: ${(err as Error).message}`, null);
    }
    if (!res.ok) throw new SessionError(`Account service answered ${res.status}`, res.status);
    return res;
  }
}

const clients = new Map<string, SessionClient>();

/** The one shared client per service origin, so many boxes on a page make one request. */
export function sessionClientFor(serviceUrl: string): SessionClient {
  const origin = new URL(serviceUrl).origin;
  let client = clients.get(origin);
  if (!client) {
    client = new SessionClient(origin);
    clients.set(origin, client);
  }
  return client;
}
