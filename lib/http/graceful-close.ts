import type { Server, ServerResponse } from 'node:http';

/** How long a stopping server lets the requests in flight finish before it cuts their connections. */
export const DRAIN_TIMEOUT_MS = 10_000;

/** How often a draining server closes the keep-alive connections that have become idle. */
const IDLE_SWEEP_MS = 200;

/**
 * Graceful stop for an HTTP server; call it right after creating the server (it watches every
 * request from then on). The returned `close`:
 * - stops listening at once, so new connections are refused (a load balancer moves on);
 * - closes the keep-alive connections that sit between requests, and has every response not yet
 *   started, and every request still arriving on an open connection, end its connection
 *   (`Connection: close`): `server.close()` alone would wait for idle keep-alive connections for
 *   up to keepAliveTimeout;
 * - lets the requests in flight finish, each with its full response, for up to `timeoutMs`,
 *   then cuts the connections still open and resolves.
 * Resolves 'drained' when every connection ended in time, 'cut' when some had to be closed.
 */
export function gracefulClose(server: Server) {
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (closing) res.shouldKeepAlive = false;
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });

  return async function close(timeoutMs = DRAIN_TIMEOUT_MS): Promise<'drained' | 'cut'> {
    closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
    server.closeIdleConnections();
    // A response whose headers were already sent keeps its connection alive: close it once idle.
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'cut'>((resolve) => {
      timer = setTimeout(() => resolve('cut'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([closed.then(() => 'drained' as const), deadline]);
      if (outcome === 'cut') {
        server.closeAllConnections();
        // Upgraded sockets (dev's hot reload) are no longer the server's to close; do not wait on them.
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      }
      return outcome;
    } finally {
      clearInterval(sweep);
      clearTimeout(timer);
    }
  };
}
