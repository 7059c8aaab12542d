import { Router } from 'express';
import type { OutboxRepository } from '../store/outbox-repository.js';
import { outboxPage } from '../views/outbox-page.js';

/**
 * `/dev/outbox` (HTML) and `/dev/outbox.json`: the mail the embedded outbox kept, newest first. app.ts mounts
 * these only when config's `devPages` allows (not production, listening on loopback); elsewhere they are 404.
 */
export function devOutboxRoutes(outbox: OutboxRepository): Router {
  const router = Router();
  router.use('/dev', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.get('/dev/outbox.json', async (_req, res) => {
    const mails = await outbox.listNewest(200);
    res.json(mails.map((m) => ({ to: m.to, subject: m.subject, text: m.text, html: m.html, sentAt: new Date(Number(m.sent_at)).toISOString() })));
  });
  router.get('/dev/outbox', async (_req, res) => {
    res.type('html').send(outboxPage(await outbox.listNewest(200)));
  });
  return router;
}
