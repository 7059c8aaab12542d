import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createTestApp } from './test-app.js';

function captureLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('request log', () => {
  it('writes one line per request with id, method, route, status and ms — and no secrets', async () => {
    const { logger, lines } = captureLogger();
    const t = await createTestApp({ logger });
    const user = await t.createUser({ password: 'hunter2 hunter2 secret' });
    const login = await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(200);
    const cookie = String(login.headers['set-cookie']);
    const token = /userbox_session=([^;]+)/.exec(cookie)?.[1];
    expect(token).toBeDefined();
    await t.agent.get('/api/me').set('Authorization', 'Bearer some.jwt.value').expect(401);
    await t.agent.post('/api/session').send({ email: user.email, password: 'wrong wrong wrong' }).expect(401);
    await t.agent.get('/api/me?token=query-secret').expect(200);

    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e['msg'] === 'request');
    expect(entries.map((e) => [e['method'], e['route'], e['status']])).toEqual([
      ['POST', '/api/users', 201],
      ['POST', '/api/session', 200],
      ['GET', '/api/me', 401],
      ['POST', '/api/session', 401],
      ['GET', '/api/me', 200],
    ]);
    for (const e of entries) {
      expect(e['reqId']).toEqual(expect.any(String));
      expect(e['ms']).toEqual(expect.any(Number));
    }
    const all = lines.join('\n');
    for (const secret of ['hunter2', 'wrong wrong wrong', token!, 'some.jwt.value', 'query-secret', user.email]) {
      expect(all).not.toContain(secret);
    }
  });

  it('logs an unexpected error with its request id and answers a bare 500 without details', async () => {
    const { logger, lines } = captureLogger();
    const t = await createTestApp({ logger });
    // Break the store under the app: the next query throws an error the service did not plan for.
    await t.store.db.schema.dropTable('apps').execute();
    await t.store.apps.list().catch(() => undefined);
    const user = await t.createUser();
    await t.store.db.schema.alterTable('users').renameColumn('name', 'nom').execute();
    const res = await t.agent.post('/api/session').send({ email: user.email, password: user.password }).expect(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'Something went wrong on our side.' } });
    expect(res.text).not.toMatch(/nom|sqlite|\.ts:\d+/i);
    const errorLine = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e['msg'] === 'unhandled error');
    expect(errorLine?.['reqId']).toBe(res.headers['x-request-id']);
  });
});
