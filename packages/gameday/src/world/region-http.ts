/**
 * One region's HTTP service: an Express app with a read endpoint and an idempotent-by-key
 * write endpoint, fault injection for `errors` / `throttle`, and the region's name on every
 * answer (`x-served-by`), which is how the load generator knows who served a call.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { regionkit } from '@regionkit/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { RegionCondition } from '../faults.js';
import { type AnswerKind, injectedAnswer } from './region-faults.js';
import type { WriteLedger } from './write-ledger.js';

export const SERVED_BY_HEADER = 'x-served-by';
/** Same rule as regionkit's correlation IDs: safe to store and echo. */
const SAFE_KEY = /^[A-Za-z0-9._:+=/-]{1,128}$/;

export interface RegionServerContext {
  readonly region: string;
  readonly ledger: WriteLedger;
  readonly random: () => number;
  /** The region's current condition (server-side faults are read from it per request). */
  condition(): RegionCondition;
  /** Every answer the region gives, for the per-region success rate. */
  answered(kind: AnswerKind): void;
}

export function createRegionApp(ctx: RegionServerContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Every answer names its region and is counted, whoever gives it.
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.set(SERVED_BY_HEADER, ctx.region);
    res.on('finish', () => ctx.answered(answerKind(res.statusCode)));
    next();
  });
  // Correlation IDs and inbound deadlines as a real regionkit service has them. No load
  // shedding: every region shares this process, so its event loop is nobody's own load.
  app.use(regionkit({ region: ctx.region, shedding: false }));

  app.use((_req: Request, res: Response, next: NextFunction) => {
    const injected = injectedAnswer(ctx.condition(), ctx.random);
    if (injected?.kind === 'throttle') {
      res.set('retry-after', String(injected.retryAfterS));
      res.status(429).json({ error: 'throttled by the game day', region: ctx.region });
      return;
    }
    if (injected?.kind === 'error') {
      res.status(503).json({ error: 'unavailable (injected by the game day)', region: ctx.region });
      return;
    }
    next();
  });

  app.get('/items/:id', (req: Request, res: Response) => {
    res.json({ id: req.params.id, region: ctx.region });
  });

  app.post('/orders', express.json({ limit: '16kb' }), (req: Request, res: Response) => {
    const writeId = (req.body as { writeId?: unknown } | undefined)?.writeId;
    if (typeof writeId !== 'string' || !SAFE_KEY.test(writeId)) {
      res.status(400).json({ error: 'body.writeId must be 1-128 safe characters' });
      return;
    }
    const key = req.get('idempotency-key');
    if (key !== undefined && !SAFE_KEY.test(key)) {
      res.status(400).json({ error: 'Idempotency-Key must be 1-128 safe characters' });
      return;
    }
    const result = ctx.ledger.apply(key, writeId, ctx.region);
    res.status(result.replayed ? 200 : 201).json({ writeId, region: ctx.region, ...result });
  });

  return app;
}

function answerKind(status: number): AnswerKind {
  if (status < 400) return 'ok';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'error';
  return 'rejected';
}

/** Starts the app on 127.0.0.1, port chosen by the system. */
export async function listenHttp(app: express.Express): Promise<{ server: Server; port: number }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  // Idle keep-alive connections outlive a quick test otherwise; clients reconnect cheaply.
  server.keepAliveTimeout = 5_000;
  return { server, port: (server.address() as AddressInfo).port };
}
