import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { createTestApp, type TestApp } from './test-app.js';

let dir: string;
let t: TestApp;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'userbox-widget-'));
  for (const file of ['userbox.js', 'userbox.iife.js', 'userbox-token.js', 'userbox-host-sync.js']) writeFileSync(path.join(dir, file), `/* ${file} */`);
  t = await createTestApp({ widgetDir: dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the widget bundles', () => {
  for (const file of ['userbox.js', 'userbox.iife.js', 'userbox-token.js', 'userbox-host-sync.js']) {
    it(`serves /${file} to any site: JavaScript, CORS for module scripts, cross-origin resource policy`, async () => {
      const res = await supertest(t.app).get(`/${file}`).set('Origin', 'https://shop.other.test').expect(200);
      expect(res.text).toBe(`/* ${file} */`);
      expect(res.headers['content-type']).toMatch(/^text\/javascript/);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    });
  }

  it('answers 404 NOT_FOUND in the error shape when a bundle is not built', async () => {
    const empty = await createTestApp();
    const res = await supertest(empty.app).get('/userbox-token.js').set('Accept', 'application/json').expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
