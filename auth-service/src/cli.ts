import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { keysCommand } from './keys-command.js';
import { appSchema } from './services/apps.js';
import { openStore } from './store/store.js';

const usage = `Usage:
  userbox apps list
  userbox apps add --id ID --name NAME --url URL --origin ORIGIN [--origin …] [--redirect-uri URI …] [--icon ICON] [--position N]
  userbox apps remove ID
  userbox keys rotate

Uses the same settings as the service (DATABASE_URL, …). A running service picks up changes within 30 s.`;

async function appsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const store = await openStore(loadConfig().databaseUrl);
  try {
    if (action === 'list') {
      const apps = await store.apps.list();
      if (apps.length === 0) console.log('No apps registered.');
      for (const a of apps) {
        console.log(`${a.id}\t${a.name}\t${a.url}\torigins: ${a.origins.join(' ')}\tredirects: ${a.redirectUris.join(' ') || '-'}`);
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
      });
      if (!parsed.success) {
        for (const i of parsed.error.issues) console.error(`${i.path.join('.') || 'app'}: ${i.message}`);
        return 2;
      }
      const position = parsed.data.position ?? (await store.apps.list()).length;
      await store.apps.upsert({ ...parsed.data, position });
      console.log(`Registered ${parsed.data.id}.`);
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

/** `npx userbox …`: manage a Userbox installation from the shell. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'apps') return appsCommand(args);
  if (command === 'keys') return keysCommand(args);
  console.error(usage);
  return 2;
}
