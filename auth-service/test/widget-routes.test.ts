import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { createTestApp, type TestApp } from './test-app.js';

const loaders = ['userbox.js', 'userbox.iife.js', 'userbox-token.js', 'userbox-host-sync.js'];
const chunk = 'userbox-DCHFfMsG.js';

let dir: string;
let t: TestApp;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'userbox-widget-'));
  for (const file of loaders) writeFileSync(path.join(dir, file), `/* ${file} */`);
  mkdirSync(path.join(dir, 'chunks'));
  writeFileSync(path.join(dir, 'chunks', chunk), `/* ${chunk} */`);
  writeFileSync(path.join(dir, 'secret.js'), '/* not a chunk */');
  t = await createTestApp({ widgetDir: dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the widget bundles', () => {
  for (const file of loaders) {
    it(`serves the loader /${file} to any site: JavaScript, CORS for module scripts, cross-origin resource policy`, async () => {
      const res = await supertest(t.app).get(`/${file}`).set('Origin', 'https://shop.other.test').expect(200);
      expect(res.text).toBe(`/* ${file} */`);
      expect(res.headers['content-type']).toMatch(/^text\/javascript/);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    });
  }

  it('caches a loader briefly and then revalidates it (304, no body), so a release reaches pages soon', async () => {
    const first = await supertest(t.app).get('/userbox.js').expect(200);
    expect(first.headers['cache-control']).toBe('public, max-age=300');
    expect(first.headers['last-modified']).toBeTruthy();
    const again = await supertest(t.app).get('/userbox.js').set('If-Modified-Since', first.headers['last-modified']!).expect(304);
    expect(again.text ?? '').toBe('');
  });

  it('serves a content-hashed chunk to any site, cached for a year and never revalidated', async () => {
    const res = await supertest(t.app).get(`/chunks/${chunk}`).set('Origin', 'https://shop.other.test').expect(200);
    expect(res.text).toBe(`/* ${chunk} */`);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
  });

  it('answers 404 NOT_FOUND, not cached, for a chunk that is not there or a name that is not a chunk', async () => {
    for (const url of ['/chunks/userbox-00000000.js', '/chunks/..%2Fsecret.js', '/chunks/%2e%2e%2fsecret.js', '/chunks/x.map', '/chunks/.js.js/x']) {
      const res = await supertest(t.app).get(url).set('Accept', 'application/json');
      expect(res.status, url).toBe(404);
      expect(res.headers['cache-control'], url).toBe('no-store');
      expect(res.text, url).not.toContain('not a chunk');
    }
  });

  it('answers 404 NOT_FOUND in the error shape when a bundle is not built', async () => {
    const empty = await createTestApp();
    const res = await supertest(empty.app).get('/userbox-token.js').set('Accept', 'application/json').expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
