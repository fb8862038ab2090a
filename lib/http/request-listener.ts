import type { IncomingMessage, ServerResponse } from 'node:http';
import { PEER_HEADER } from '@/lib/auth/client-address';
import { errorFields, log } from '@/lib/log';
import { contentSecurityPolicy, newNonce, wantsPagePolicy } from './content-security-policy';
import { REQUEST_PATH_HEADER } from './request-path';

export type Handle = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export const BUSY_RETRY_AFTER_SECONDS = 2;
export const BUSY_MESSAGE = 'Sealpost is busy right now. Try again in a few seconds.';

/** Always admitted, so that a load balancer does not take a busy but healthy server out. */
const HEALTH_PATH = '/api/health';

const BUSY_PAGE = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Busy · Sealpost</title></head><body style="font-family:system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f6f7f9;color:#1b2330"><main style="max-width:28rem;padding:2rem;text-align:center"><h1 style="font-size:1.25rem">Sealpost is busy right now</h1><p>Too many requests are being handled at this moment. Nothing was changed. Try again in a few seconds.</p><p><a href="" style="color:#2452e0">Try again</a></p></main></body></html>`;

function busy(pathname: string, res: ServerResponse) {
  const json = pathname.startsWith('/api/');
  res.writeHead(503, {
    'Content-Type': json ? 'application/json' : 'text/html; charset=utf-8',
    'Retry-After': String(BUSY_RETRY_AFTER_SECONDS),
    'Cache-Control': 'no-store',
  });
  res.end(json ? JSON.stringify({ error: { code: 'unavailable', message: BUSY_MESSAGE } }) : BUSY_PAGE);
}

/**
 * What our HTTP server does with each request before Next sees it (scripts/server.ts):
 * - records the socket's peer address in a header that clients cannot set (any incoming value is
 *   overwritten), so the client address is taken from a trusted hop only (lib/auth/client-address.ts);
 * - gives pages a Content-Security-Policy with a fresh nonce, on the response and on the request,
 *   where Next reads it (a policy a client sent is replaced or removed);
 * - sheds load: with `maxInFlight` requests already in progress, a new one is answered 503 with
 *   Retry-After straight away. Under overload every request is answered, quickly, instead of all of
 *   them queueing until clients time out.
 */
function requestUrl(url: string | undefined): URL {
  try {
    return new URL(url ?? '/', 'http://localhost');
  } catch {
    return new URL('http://localhost/');
  }
}

export function requestListener(handle: Handle, options: { dev: boolean; stripe: boolean; maxInFlight: number }) {
  let inFlight = 0;
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    // Resolved as a URL ("/api/../login" and "/api/%2e%2e/login" are "/login"), as Next will read it.
    const url = requestUrl(req.url);
    const { pathname } = url;
    if (inFlight >= options.maxInFlight && pathname !== HEALTH_PATH) return busy(pathname, res);
    inFlight++;
    // 'close' comes once the response is complete or its connection is gone, whichever is first.
    res.once('close', () => inFlight--);

    req.headers[PEER_HEADER] = req.socket.remoteAddress ?? '';
    delete req.headers['content-security-policy-report-only'];
    if (wantsPagePolicy(pathname)) {
      // The page asked for, so that sign-in can return to it (Next's own `_rsc` parameter left out).
      url.searchParams.delete('_rsc');
      req.headers[REQUEST_PATH_HEADER] = `${pathname}${url.search}`;
      const csp = contentSecurityPolicy({ pathname, nonce: newNonce(), stripe: options.stripe, dev: options.dev });
      req.headers['content-security-policy'] = csp;
      res.setHeader('Content-Security-Policy', csp);
    } else {
      delete req.headers[REQUEST_PATH_HEADER];
      delete req.headers['content-security-policy'];
    }
    handle(req, res).catch((error: unknown) => {
      log('http').error(errorFields(error), 'unhandled request error');
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end('Internal Server Error');
      }
    });
  };
  return Object.assign(listener, { inFlight: () => inFlight });
}
