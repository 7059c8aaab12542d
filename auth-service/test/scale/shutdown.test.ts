import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startInstance } from './instances.js';

const dir = mkdtempSync(path.join(tmpdir(), 'userbox-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SIGTERM', () => {
  it('finishes the requests in flight, stops accepting new ones, and exits 0', async () => {
    const publicUrl = 'http://accounts.example.test';
    const instance = await startInstance({ DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`, PUBLIC_URL: publicUrl, SECRET_KEY: 'c'.repeat(64), LOG_LEVEL: 'info' });
    // Sign-ups hash a password (tens of milliseconds): once their bytes are sent, they are in flight.
    const sent: Promise<void>[] = [];
    const inFlight = [0, 1, 2].map(
      (i) =>
        new Promise<number>((resolve, reject) => {
          const req = http.request(`${instance.url}/api/users`, { method: 'POST', headers: { 'content-type': 'application/json', origin: publicUrl } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          sent.push(new Promise((r) => req.on('finish', () => r())));
          req.end(JSON.stringify({ email: `shutdown${i}@example.test`, name: 'Shut Down', password: 'graceful shutdown 1' }));
        }),
    );
    await Promise.all(sent);
    await new Promise((r) => setTimeout(r, 20)); // let the server read them off the sockets
    const exit = instance.stop('SIGTERM');
    expect(await Promise.all(inFlight)).toEqual([201, 201, 201]);
    // 0 is the clean path; the forced exit after 10 s would give 1.
    expect(await exit).toBe(0);
    await expect(fetch(`${instance.url}/healthz`)).rejects.toThrow();
    expect(instance.output()).toContain('shutting down');
  }, 30_000);
});
