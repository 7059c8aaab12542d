import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { idTokenAlgs, type AppRecord } from '../store/apps-repository.js';
import { clientSecretHashPattern } from './client-secrets.js';
import type { Store } from '../store/store.js';

/**
 * Plain http only where nobody else is on the wire: the machine itself (development, the demo). Anywhere else
 * an origin or redirect URI over http would let the network read codes and tokens, or pose as the app.
 */
const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);
const httpsOrLoopback = {
  // Whether it parses at all is the other checks' to say.
  check: (s: string) => !URL.canParse(s) || new URL(s).protocol !== 'http:' || loopbackHosts.has(new URL(s).hostname),
  message: 'must use https (plain http only on localhost, 127.0.0.1 or [::1])',
};

const origin = z
  .string()
  .refine((s) => URL.canParse(s) && new URL(s).origin === s && /^https?:$/.test(new URL(s).protocol), {
    message: 'must be an exact origin such as https://news.example.test (scheme, host, optional port; no path)',
  })
  .refine(httpsOrLoopback.check, { message: httpsOrLoopback.message });
const webUrl = z.url({ protocol: /^https?$/ }).refine(httpsOrLoopback.check, { message: httpsOrLoopback.message });

/** Icons shipped with the service (public/icons/<name>.svg); an app may name one instead of giving a URL. */
const bundledIcons = ['app', 'calendar', 'chat', 'docs', 'drive', 'mail', 'maps', 'news', 'photos', 'shop'] as const;
const iconSchema = z
  .string()
  .max(2048)
  .refine(
    (v) => (bundledIcons as readonly string[]).includes(v) || (URL.canParse(v) && new URL(v).protocol === 'https:'),
    { message: `must be an https:// URL or one of the bundled icons: ${bundledIcons.join(', ')}` },
  );

/** Members of a JWK that belong to its private half (RFC 7518 §6): a registered key set must not carry them. */
const privateJwkMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const publicJwks = z
  .strictObject({
    keys: z
      .array(z.looseObject({ kty: z.enum(['EC', 'RSA', 'OKP']), kid: z.string().max(200).optional(), alg: z.string().max(20).optional() }))
      .min(1)
      .max(10),
  })
  .refine((set) => set.keys.every((key) => privateJwkMembers.every((m) => !(m in key))), {
    message: 'must hold public keys only (no d, p, q, dp, dq, qi, oth or k)',
  });

export const appSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes'),
  name: z.string().trim().min(1).max(60),
  url: webUrl,
  icon: iconSchema.nullable().default(null),
  origins: z.array(origin).min(1),
  redirectUris: z.array(webUrl).default([]),
  position: z.number().int().optional(),
  /** A confidential client authenticates with a client secret at `/token` and `/revoke` (a back end's app). */
  confidential: z.boolean().default(false),
  /** How its ID tokens are signed. */
  idTokenSignedResponseAlg: z.enum(idTokenAlgs).default('ES256'),
  /** Not listed in the launcher (a second client of an app, e.g. its box's public client). */
  hidden: z.boolean().default(false),
  /** A confidential client's public keys (a JWK Set), for `private_key_jwt`. */
  jwks: publicJwks.nullable().default(null),
});

/**
 * An entry of the registry file: an app, and for a confidential one optionally the SHA-256 of its secret
 * (base64url), never the secret itself. The service makes it the current secret at start.
 */
const appsFileEntrySchema = appSchema
  .extend({
    clientSecretHash: z.string().regex(clientSecretHashPattern, 'must be the SHA-256 of the secret, base64url (43 characters)').optional(),
  })
  .refine((a) => a.clientSecretHash === undefined || a.confidential, {
    message: 'only a confidential app (confidential: true) has a client secret',
    path: ['clientSecretHash'],
  })
  .refine((a) => a.jwks === null || a.confidential, {
    message: 'only a confidential app (confidential: true) authenticates with its keys',
    path: ['jwks'],
  });

const appsFileSchema = z.strictObject({ apps: z.array(appsFileEntrySchema) });

export type AppInput = z.input<typeof appSchema>;

/** An app as the registry file lists it: the record, and for a confidential one perhaps its secret's hash. */
export interface AppsFileEntry extends AppRecord {
  clientSecretHash?: string | undefined;
}

/** Reads and validates a `userbox.apps.json`; the error names the file and the bad field. */
export async function readAppsFile(file: string): Promise<AppsFileEntry[]> {
  const raw = JSON.parse(await readFile(file, 'utf8')) as unknown;
  const parsed = appsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${file}: ${problems}`);
  }
  return parsed.data.apps.map((a, index) => ({ ...a, position: a.position ?? index }));
}

/** An app as the launcher lists it: a bundled icon's name is already its URL on the service. */
export interface LauncherEntry {
  id: string;
  name: string;
  url: string;
  icon: string | null;
}

/**
 * The registry of apps that share the bar. Every origin check (CORS, CSRF, `return_to`) goes through here:
 * exact origin match against the registered apps, no wildcards.
 */
export interface AppRegistry {
  /** Reloads the in-memory copy from the store; call after the registry changes. */
  reload(): Promise<void>;
  /** Changes whenever the registry is reloaded, so derived values can be cached against it. */
  version(): number;
  list(): readonly AppRecord[];
  /** The launcher's view: bundled icon names become URLs on the service. */
  launcherEntries(): LauncherEntry[];
  /** An origin of a registered app (not the service itself). */
  isAppOrigin(value: string | undefined): boolean;
  /** The service itself or a registered app. */
  isTrustedOrigin(value: string | undefined): boolean;
  appOrigins(): string[];
  /**
   * The client ids of the app `clientId` belongs to, itself included: to the user, clients that share an origin
   * are one app (a back end, and the box's public client on its pages). Worked out once per reload.
   */
  sameApp(clientId: string): readonly string[];
  /**
   * `return_to` if it is an absolute http(s) URL on the service or a registered app's origin; otherwise the
   * service's account page (or `fallbackPath`). Parsing with WHATWG URL first means `\`, `@` and encoded tricks
   * are judged by the origin a browser would actually go to.
   */
  safeReturnTo(value: unknown, fallbackPath?: string): string;
}

export function createAppRegistry(store: Store, serviceOrigin: string): AppRegistry {
  let apps: AppRecord[] = [];
  let origins = new Set<string>();
  let version = 0;
  let families = new Map<string, readonly string[]>();

  return {
    async reload() {
      apps = await store.apps.list();
      origins = new Set(apps.flatMap((a) => a.origins));
      families = new Map(
        apps.map((app) => [app.id, apps.filter((other) => other === app || other.origins.some((o) => app.origins.includes(o))).map((a) => a.id)]),
      );
      version += 1;
    },
    version: () => version,
    list: () => apps,
    launcherEntries: () =>
      apps.filter((a) => !a.hidden).map(({ id, name, url, icon }) => ({
        id,
        name,
        url,
        icon: icon && (bundledIcons as readonly string[]).includes(icon) ? `${serviceOrigin}/assets/icons/${icon}.svg` : icon,
      })),
    isAppOrigin: (value) => value !== undefined && origins.has(value),
    isTrustedOrigin: (value) => value !== undefined && (value === serviceOrigin || origins.has(value)),
    appOrigins: () => [...origins],
    sameApp: (clientId) => families.get(clientId) ?? [clientId],
    safeReturnTo(value, fallbackPath = '/account') {
      const fallback = serviceOrigin + fallbackPath;
      if (typeof value !== 'string' || value.length > 2048 || !URL.canParse(value)) return fallback;
      const url = new URL(value);
      if (url.username || url.password) return fallback;
      if (url.origin !== serviceOrigin && !origins.has(url.origin)) return fallback;
      return url.href;
    },
  };
}
