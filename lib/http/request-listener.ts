import http, { IncomingMessage, type ServerResponse } from 'node:http';
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


/** The value of Strict-Transport-Security when the app is served over https (two years, as preload lists ask). */
export const HSTS_VALUE = 'max-age=63072000; includeSubDomains';

/**
 * Bodies up to this size (sign-in forms, server actions — Next refuses those over 1 MB anyway —,
 * webhooks) are received whole before the app sees the request, so a client that sends its
 * headers and then its body slowly, or never, holds no place among the requests in progress.
 */
export const HELD_BODY_LIMIT_BYTES = 1024 * 1024;

/** The attachment upload route: its body streams to storage (up to 50 MB) and has its own progress rule. */
const UPLOAD_PATH = '/secure/attachments';

export type BodyTimeouts = {
  /** A request body (not an upload) that sends nothing for this long is refused and its connection closed. */
  idleMs: number;
  /** … and one that has not arrived whole after this long. */
  totalMs: number;
  /** An upload must deliver `uploadMinBytesPerSecond` × this in every period of this length. */
  uploadWindowMs: number;
  uploadMinBytesPerSecond: number;
};

export const TIMED_OUT_MESSAGE = 'The request took too long to arrive. Try again.';

/**
 * The server's request objects (http.createServer's `IncomingMessage` option): Node's own, which
 * also tell the listener when body bytes arrive and when the body is complete — the parser pushes
 * them into the request stream — without reading the stream, which stays the app's to read.
 */
export class WatchedRequest extends IncomingMessage {
  /** Body bytes received so far. */
  bodyBytes = 0;
  /**
   * Set while the listener holds a body (of a declared size it has checked) before the app reads
   * it: the socket keeps flowing into the request's buffer instead of pausing until someone reads.
   */
  holding = false;
  /** Called with each body chunk as it arrives, and with null when the body is complete. */
  onBody: ((chunk: Buffer | null) => void) | null = null;

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    const accepted = super.push(chunk, encoding);
    if (chunk !== null && Buffer.isBuffer(chunk)) this.bodyBytes += chunk.length;
    this.onBody?.(chunk === null ? null : (chunk as Buffer));
    return this.holding || accepted;
  }
}

function requestUrl(url: string | undefined): URL {
  try {
    return new URL(url ?? '/', 'http://localhost');
  } catch {
    return new URL('http://localhost/');
  }
}

type BodyKind = 'none' | 'held' | 'streamed' | 'upload';

function bodyKind(req: IncomingMessage, pathname: string): BodyKind {
  const chunked = req.headers['transfer-encoding'] !== undefined;
  // Node's parser has checked Content-Length (digits only; not together with Transfer-Encoding).
  const length = Number(req.headers['content-length'] ?? 0);
  if (req.complete || (!chunked && length === 0)) return 'none';
  if (req.method === 'POST' && pathname === UPLOAD_PATH) return 'upload';
  return !chunked && length <= HELD_BODY_LIMIT_BYTES ? 'held' : 'streamed';
}

/**
 * Calls `stalled` when the body stops arriving: no byte for `idleMs`, not whole after `totalMs`,
 * or (uploads) fewer than `minBytes` in a period of `windowMs`. While the app has not read what
 * already came (the request's buffer is full, so Node has paused the socket), the wait is the
 * app's, not the client's, and does not count. Returns what the caller calls on each chunk and to stop.
 */
function watchBody(req: WatchedRequest, rule: { idleMs: number; totalMs?: number } | { windowMs: number; minBytes: number }, onStall: () => void) {
  const appIsBehind = () => !req.holding && req.readableLength >= req.readableHighWaterMark;
  // Runs on after the answer (the app may answer without reading the body, and Node then reads
  // and drops it), until the body is complete or the connection is gone.
  const stalled = () => {
    if (!req.complete && !req.socket.destroyed) onStall();
  };
  if ('idleMs' in rule) {
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => (appIsBehind() ? arm() : stalled()), rule.idleMs);
    };
    arm();
    const total = rule.totalMs === undefined ? undefined : setTimeout(stalled, rule.totalMs);
    return {
      progress: arm,
      stop: () => {
        clearTimeout(idle);
        clearTimeout(total);
      },
    };
  }
  let mark = req.bodyBytes;
  const period = setInterval(() => {
    const moved = req.bodyBytes - mark;
    mark = req.bodyBytes;
    if (req.complete || req.socket.destroyed) clearInterval(period);
    else if (moved < rule.minBytes && !appIsBehind()) stalled();
  }, rule.windowMs);
  return { progress: () => {}, stop: () => clearInterval(period) };
}

/** Answers a held request whose body stopped arriving (the app has not seen it), and closes the connection. */
function timedOut(req: IncomingMessage, res: ServerResponse) {
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  res.writeHead(408, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', 'Cache-Control': 'no-store' });
  res.end(TIMED_OUT_MESSAGE);
  // The rest of the body is not worth reading: the connection goes once the answer is out.
  setTimeout(() => req.socket.destroy(), 1000).unref();
}

/**
 * What our HTTP server does with each request before Next sees it (scripts/server.ts):
 * - records the socket's peer address in a header that clients cannot set (any incoming value is
 *   overwritten), so the client address is taken from a trusted hop only (lib/auth/client-address.ts);
 * - gives pages a Content-Security-Policy with a fresh nonce, on the response and on the request,
 *   where Next reads it (a policy a client sent is replaced or removed);
 * - sends Strict-Transport-Security on every response when the app is served over https;
 * - sheds load: with `maxInFlight` requests already being worked on, a new one is answered 503
 *   with Retry-After straight away. Under overload every request is answered, quickly, instead of
 *   all of them queueing until clients time out;
 * - counts a request only while the app works on it, never while it waits for a slow client: a
 *   body of up to HELD_BODY_LIMIT_BYTES is received whole before the request is admitted and
 *   handed to the app, and a larger one (CSV imports, delivery-event batches, uploads), which
 *   streams to the app, is counted once it has arrived (GET and HEAD, whose bodies the app never
 *   reads, from their headers). Bodies that stop arriving are cut off (`timeouts`).
 */
export function requestListener(handle: Handle, options: { dev: boolean; stripe: boolean; https: boolean; maxInFlight: number; timeouts: BodyTimeouts }) {
  let inFlight = 0;
  const { timeouts } = options;

  const dispatch = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const { pathname } = url;
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

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (options.https) res.setHeader('Strict-Transport-Security', HSTS_VALUE);
    // Resolved as a URL ("/api/../login" and "/api/%2e%2e/login" are "/login"), as Next will read it.
    const url = requestUrl(req.url);
    const { pathname } = url;
    const admitted = () => inFlight < options.maxInFlight || pathname === HEALTH_PATH;

    let counted = false;
    let closed = false;
    let stopWatching = () => {};
    const count = () => {
      if (counted || closed) return;
      counted = true;
      inFlight++;
    };
    // 'close' comes once the response is complete or its connection is gone, whichever is first.
    // A body still arriving after the answer stays watched (its watch ends with it or the connection).
    res.once('close', () => {
      closed = true;
      if (req.complete || req.socket.destroyed) stopWatching();
      if (counted) inFlight--;
    });

    const kind = req instanceof WatchedRequest ? bodyKind(req, pathname) : 'none';
    if (kind === 'none' || !(req instanceof WatchedRequest)) {
      if (!admitted()) return busy(pathname, res);
      count();
      return dispatch(req, res, url);
    }

    if (kind === 'held') {
      req.holding = true;
      const watch = watchBody(req, { idleMs: timeouts.idleMs, totalMs: timeouts.totalMs }, () => timedOut(req, res));
      stopWatching = watch.stop;
      req.onBody = (chunk) => {
        if (chunk !== null) return watch.progress();
        watch.stop();
        req.onBody = null;
        req.holding = false;
        if (closed) return;
        if (!admitted()) return busy(pathname, res);
        count();
        dispatch(req, res, url);
      };
      return;
    }

    if (!admitted()) return busy(pathname, res);
    if (req.method === 'GET' || req.method === 'HEAD') count();
    const rule = kind === 'upload' ? { windowMs: timeouts.uploadWindowMs, minBytes: Math.ceil((timeouts.uploadMinBytesPerSecond * timeouts.uploadWindowMs) / 1000) } : { idleMs: timeouts.idleMs, totalMs: timeouts.totalMs };
    // The app is reading this body: all that can be done with a stalled one is to close the connection.
    const watch = watchBody(req, rule, () => req.socket.destroy());
    stopWatching = watch.stop;
    req.onBody = (chunk) => {
      if (chunk !== null) return watch.progress();
      watch.stop();
      req.onBody = null;
      count();
    };
    dispatch(req, res, url);
  };
  return Object.assign(listener, { inFlight: () => inFlight });
}

export type ServerOptions = { headersTimeoutMs: number; keepAliveTimeoutMs?: number };

/**
 * The HTTP server for a request listener: WatchedRequest for its requests, and Node's own timeouts.
 * - headersTimeout: a client must send its whole request head within it (Node answers 408 and
 *   closes); checked every second rather than Node's default 30 s.
 * - requestTimeout off: Node's would cut every request, uploads included, at one fixed time from
 *   its start; the listener's body rules above judge bodies by their progress instead.
 * - keepAliveTimeout above the 60 s idle timeout of common load balancers, so that they close
 *   idle connections first.
 */
export function createHttpServer(listener: (req: IncomingMessage, res: ServerResponse) => void, options: ServerOptions) {
  const server = http.createServer({ IncomingMessage: WatchedRequest, connectionsCheckingInterval: 1000 }, listener);
  server.headersTimeout = options.headersTimeoutMs;
  server.requestTimeout = 0;
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
  return server;
}
