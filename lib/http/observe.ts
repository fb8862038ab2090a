import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { log, requestContextStore, type RequestContext } from '@/lib/log';
import { metrics, routeLabel } from '@/lib/metrics';

export const REQUEST_ID_HEADER = 'x-request-id';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const contexts = new WeakMap<IncomingMessage, RequestContext>();

/**
 * Runs Next's handler inside the request's context. The request listener may hand a request to
 * Next later, from an event of its socket (once a small body has arrived), where the context of
 * `observeRequests` is no longer the current one.
 */
export function withRequestContext<T>(handle: (req: IncomingMessage, res: ServerResponse) => T) {
  return (req: IncomingMessage, res: ServerResponse): T => {
    const context = contexts.get(req);
    return context ? requestContextStore().run(context, () => handle(req, res)) : handle(req, res);
  };
}

function pathnameOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return '/';
  }
}

/**
 * Around every request of our HTTP server: a fresh request id (any the client sent is replaced)
 * on the request, where actions and route handlers read it, and in the `X-Request-Id` response
 * header; the request's context for log lines (lib/log.ts); and, when the response ends, one log
 * line and the request metrics. Only the route's shape is logged (`/invoices/[id]`), never the
 * path itself: paths can carry tokens (`/reset-password/…`).
 */
export function observeRequests(listener: Listener): Listener {
  const http = log('http');
  return (req, res) => {
    const requestId = randomUUID();
    req.headers[REQUEST_ID_HEADER] = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    const context: RequestContext = { requestId, method: req.method ?? 'GET', route: routeLabel(pathnameOf(req.url)) };
    contexts.set(req, context);
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? String(res.statusCode) : 'aborted';
      const labels = { method: context.method ?? 'GET', route: context.route ?? 'other' };
      metrics().httpRequests.inc({ ...labels, status });
      metrics().httpDuration.observe(labels, seconds);
      if (context.route === '/_next' && status === '200') return;
      const fields = {
        reqId: requestId,
        orgId: context.orgId,
        accountId: context.accountId,
        action: context.action,
        method: context.method,
        route: context.route,
        status,
        durationMs: Math.round(seconds * 1000),
      };
      if (status === 'aborted' || Number(status) >= 500) http.warn(fields, 'request');
      else http.info(fields, 'request');
    });
    requestContextStore().run(context, () => listener(req, res));
  };
}
