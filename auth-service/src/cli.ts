import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { keysCommand } from './keys-command.js';
import { appSchema } from './services/apps.js';
import { openStore } from './store/store.js';
import { createClientSecrets } from './services/client-secrets.js';

const usage = `Usage:
  userbox apps list
  userbox apps add --id ID --name NAME --url URL --origin ORIGIN [--origin …] [--redirect-uri URI …] [--icon ICON] [--position N]
                   [--confidential] [--id-token-alg ES256|RS256] [--hidden] [--jwks-file FILE]
                   [--backchannel-logout-uri URI]
  userbox apps secret rotate ID
  userbox apps remove ID
  userbox keys rotate

Uses the same settings as the service (DATABASE_URL, …). A running service picks up changes within 30 s.`;

async function appsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const config = loadConfig();
  const store = await openStore(config.databaseUrl);
  // The CLI is a process of its own, like server.ts: the real clock.
  const secrets = createClientSecrets(store, config.oidc, Date.now);
  const graceHours = config.oidc.clientSecretGraceMs / 3_600_000;
  try {
    if (action === 'list') {
      const apps = await store.apps.list();
      if (apps.length === 0) console.log('No apps registered.');
      for (const a of apps) {
        console.log(`${a.id}\t${a.name}\t${a.url}\torigins: ${a.origins.join(' ')}\tredirects: ${a.redirectUris.join(' ') || '-'}\t${a.confidential ? 'confidential' : 'public'}\tid token: ${a.idTokenSignedResponseAlg}${a.hidden ? '\thidden' : ''}${a.backchannelLogoutUri ? `\tback-channel logout: ${a.backchannelLogoutUri}` : ''}`);
      }
      return 0;
    }
    if (action === 'add') {
      const { values } = parseArgs({
        args: rest,
        options: {
          id: { type: 'string' },
          name: { type: 'string' },
          url: { type: 'string' },
          origin: { type: 'string', multiple: true },
          'redirect-uri': { type: 'string', multiple: true },
          icon: { type: 'string' },
          position: { type: 'string' },
          confidential: { type: 'boolean' },
          'id-token-alg': { type: 'string' },
          hidden: { type: 'boolean' },
          'jwks-file': { type: 'string' },
          'backchannel-logout-uri': { type: 'string' },
        },
        strict: true,
      });
      const parsed = appSchema.safeParse({
        id: values.id,
        name: values.name,
        url: values.url,
        origins: values.origin ?? [],
        redirectUris: values['redirect-uri'] ?? [],
        icon: values.icon ?? null,
        ...(values.position !== undefined ? { position: Number(values.position) } : {}),
        confidential: values.confidential ?? false,
        hidden: values.hidden ?? false,
        ...(values['jwks-file'] !== undefined ? { jwks: JSON.parse(await readFile(values['jwks-file'], 'utf8')) as unknown } : {}),
        ...(values['id-token-alg'] !== undefined ? { idTokenSignedResponseAlg: values['id-token-alg'] } : {}),
        ...(values['backchannel-logout-uri'] !== undefined ? { backchannelLogoutUri: values['backchannel-logout-uri'] } : {}),
      });
      if (!parsed.success) {
        for (const i of parsed.error.issues) console.error(`${i.path.join('.') || 'app'}: ${i.message}`);
        return 2;
      }
      const position = parsed.data.position ?? (await store.apps.list()).length;
      await store.apps.upsert({ ...parsed.data, position });
      console.log(`Registered ${parsed.data.id}.`);
      if (parsed.data.confidential) printSecret(await secrets.rotate(parsed.data.id));
      return 0;
    }
    if (action === 'secret' && rest[0] === 'rotate' && rest[1] && rest.length === 2) {
      const app = (await store.apps.list()).find((a) => a.id === rest[1]);
      if (!app) {
        console.error(`No app ${rest[1]}.`);
        return 1;
      }
      if (!app.confidential) {
        console.error(`${app.id} is a public client: it has no secret. Add it again with --confidential to make it confidential.`);
        return 2;
      }
      printSecret(await secrets.rotate(app.id));
      console.log(`The previous secret keeps working for ${graceHours} hours (OIDC_CLIENT_SECRET_GRACE_HOURS).`);
      return 0;
    }
    if (action === 'remove' && rest[0]) {
      const removed = await store.apps.remove(rest[0]);
      console.log(removed ? `Removed ${rest[0]}.` : `No app ${rest[0]}.`);
      return removed ? 0 : 1;
    }
    console.error(usage);
    return 2;
  } finally {
    await store.close();
  }
}

/** A client secret is shown once, alone on its line so it can be piped; only its hash is kept. */
function printSecret(secret: string): void {
  console.log('Client secret (shown only now; keep it in the app\'s environment, e.g. USERBOX_CLIENT_SECRET):');
  console.log(secret);
}

/** `npx userbox …`: manage a Userbox installation from the shell. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'apps') return appsCommand(args);
  if (command === 'keys') return keysCommand(args);
  console.error(usage);
  return 2;
}
