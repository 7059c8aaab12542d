import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startInstance } from '../scale/instances.js';

const dir = mkdtempSync(path.join(tmpdir(), 'userbox-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kill -9 during a burst of sign-ins', () => {
  it('keeps every session whose sign-in completed, and leaves no half-written rows', async () => {
    const publicUrl = 'http://accounts.example.test';
    const env = { DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`, PUBLIC_URL: publicUrl, SECRET_KEY: 'd'.repeat(64), AUTH_RATE_LIMIT_PER_MINUTE: '100000' };
    const headers = { 'content-type': 'application/json', origin: publicUrl };
    let instance = await startInstance(env);
    const users = Array.from({ length: 20 }, (_, i) => ({ email: `fault${i}@example.test`, name: `Fault ${i}`, password: `fault password ${i}` }));
    for (const u of users) expect((await fetch(`${instance.url}/api/users`, { method: 'POST', headers, body: JSON.stringify(u) })).status).toBe(201);

    // 200 sign-ins in flight, 10 at a time; the process is killed while they run.
    const completed: string[] = [];
    let failed = 0;
    const burst = (async () => {
      for (let round = 0; round < 20; round++) {
        await Promise.all(
          users.slice(0, 10).map(async (_, k) => {
            const u = users[(round + k) % users.length]!;
            try {
              const res = await fetch(`${instance.url}/api/session`, { method: 'POST', headers, body: JSON.stringify({ email: u.email, password: u.password }) });
              if (res.status === 200) completed.push(res.headers.get('set-cookie')!.split(';')[0]!);
              else failed += 1;
            } catch {
              failed += 1;
            }
          }),
        );
      }
    })();
    while (completed.length < 30) await new Promise((r) => setTimeout(r, 5));
    instance.child.kill('SIGKILL');
    await burst;
    expect(failed).toBeGreaterThan(0); // the kill really landed mid-burst
    expect(completed.length).toBeGreaterThanOrEqual(30);

    instance = await startInstance(env);
    try {
      for (const cookie of completed) {
        const me = (await (await fetch(`${instance.url}/api/me`, { headers: { cookie } })).json()) as { user: unknown };
        expect(me.user).not.toBeNull();
      }
    } finally {
      await instance.stop();
    }
    const db = new SQLite(path.join(dir, 'db.sqlite'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const sessions = db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number };
    expect(sessions.n).toBeGreaterThanOrEqual(completed.length);
    const broken = db.prepare("SELECT COUNT(*) AS n FROM sessions WHERE token_hash = '' OR user_id NOT IN (SELECT id FROM users) OR expires_at <= created_at").get() as { n: number };
    expect(broken.n).toBe(0);
    db.close();
    console.log(`faults: ${completed.length} sign-ins completed before kill -9, ${failed} cut off; all completed sessions valid after restart`);
  }, 120_000);
});
