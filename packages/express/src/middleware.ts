import {
  cancelInboundContext,
  emitInCurrentContext,
  InboundCancelledError,
  runInContext,
} from '@regionkit/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { resolveMiddlewareConfig } from './config.js';
import { inboundCorrelationId } from './correlation.js';
import { healthReport, statusReport } from './endpoints.js';
import { type InboundDeadline, readInboundDeadline } from './inbound-deadline.js';
import { withInboundTrace } from './inbound-trace.js';
import { LoadShedder, type LoadSnapshot } from './load-shedder.js';
import { requestPriority } from './priority.js';
import { sendJson } from './respond.js';
import { shedCounter } from './shed-metric.js';
import type { RegionkitMiddlewareOptions, RequestRegionInfo } from './types.js';

declare global {
  namespace Express {
    interface Request {
      /** Set by the regionkit middleware. */
      regionkit?: RequestRegionInfo;
    }
  }
}

export interface RegionkitMiddleware extends RequestHandler {
  /** Current load and shedding; undefined when shedding is off. */
  load(): LoadSnapshot | undefined;
  /** Stops the event-loop delay monitor. */
  close(): void;
}

const NO_DEADLINE: InboundDeadline = Object.freeze({ kind: 'none', malformed: false });

/**
 * Express 5 middleware: mount it first. Answers the health and status endpoints, gives every
 * request a correlation ID (also `req.id`, and the response header), turns away requests whose
 * caller's deadline is (almost) gone (504) and, under overload, low-priority ones (503 +
 * Retry-After), then runs the rest of the request inside the regionkit context so every
 * outbound call carries the same ID, priority and remaining deadline.
 */
export function regionkit(options: RegionkitMiddlewareOptions): RegionkitMiddleware {
  const config = resolveMiddlewareConfig(options);
  const shedder = config.shedding ? new LoadShedder(config.shedding) : undefined;
  const release = shedder ? () => shedder.release() : undefined;
  const countShed = shedder ? shedCounter(config.region) : undefined;

  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (req.path === config.healthPath && (req.method === 'GET' || req.method === 'HEAD')) {
      healthReport(config, shedder).then(
        (health) => sendJson(res, health.status === 'ok' ? 200 : 503, health),
        next,
      );
      return;
    }
    if (req.path === config.statusPath && req.method === 'GET') {
      statusReport(config, shedder).then((status) => sendJson(res, 200, status), next);
      return;
    }
    const correlationId = inboundCorrelationId(
      req.headers[config.correlationHeader],
      config.trustInboundCorrelationId,
    );
    res.setHeader(config.correlationHeader, correlationId);
    (req as Request & { id: string }).id = correlationId; // pino-http and others log req.id
    const now = Date.now();
    const inbound = config.deadlineHeader
      ? readInboundDeadline(
          req.headers[config.deadlineHeader],
          now,
          config.minRemainingMs,
          config.maxDeadlineMs,
        )
      : NO_DEADLINE;
    if (inbound.kind === 'expired') {
      sendJson(res, 504, {
        error: 'deadline_exceeded',
        message:
          `The caller's deadline leaves ${inbound.remainingMs} ms, less than the ` +
          `${config.minRemainingMs} ms this service needs; the request was not started.`,
        correlationId,
      });
      return;
    }
    const priority = requestPriority(req, config.priority, config.trustInboundPriority);
    if (shedder && !shedder.admit(priority)) {
      countShed?.(priority);
      sendJson(
        res,
        503,
        {
          error: 'overloaded',
          message: `${config.region} is overloaded and sheds ${priority} traffic; retry later, preferably in another region.`,
          priority,
          correlationId,
        },
        { 'retry-after': String(shedder.retryAfterSeconds) },
      );
      return;
    }
    // The caller's deadline can make this service give up sooner than its own, never later.
    const own = config.defaultDeadlineMs === undefined ? undefined : now + config.defaultDeadlineMs;
    const deadline =
      inbound.kind === 'deadline'
        ? own === undefined
          ? inbound.at
          : Math.min(inbound.at, own)
        : own;
    const clientGone = config.abortOnClientClose ? new AbortController() : undefined;
    if (release || clientGone) {
      const onClose = () => {
        release?.();
        // Closed before the handler ended the response: nobody will read the answer, so the
        // outbound calls made for it stop instead of retrying until the deadline.
        if (clientGone && !res.writableEnded) {
          const reason = new InboundCancelledError(
            `${config.region}: the client of request ${correlationId} closed its connection before the response`,
          );
          cancelInboundContext(clientGone, reason, deadline);
        }
      };
      // A client that left while earlier middleware ran has already had its 'close': waiting
      // for it would count this request as in flight forever.
      if (res.closed) onClose();
      else res.once('close', onClose);
    }
    req.regionkit = { region: config.region, correlationId, priority, deadline };
    withInboundTrace(req.headers, () =>
      runInContext({ correlationId, priority, deadline, signal: clientGone?.signal }, () => {
        emitInCurrentContext(req, res);
        next();
      }),
    );
  };

  return Object.assign(middleware, {
    load: () => shedder?.snapshot(),
    close: () => shedder?.close(),
  });
}
