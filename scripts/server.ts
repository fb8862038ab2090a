import next from 'next';
import { PEER_HEADER } from '@/lib/auth/client-address';
import { env } from '@/lib/env';
import { gracefulClose } from '@/lib/http/graceful-close';
import { observeRequests, withRequestContext } from '@/lib/http/observe';
import { createHttpServer, requestListener } from '@/lib/http/request-listener';
import { servedOverHttps } from '@/lib/http/https';

/**
 * The HTTP server around Next. Every request goes through requestListener first (the trusted
 * client address, the pages' nonce Content-Security-Policy, HSTS behind https, load shedding, slow
 * bodies cut off): serve the app with `npm start` / `npm run dev`, not with `next start` alone.
 */
export async function serve(options: { dev: boolean; port: number; hostname: string }) {
  const app = next({ dev: options.dev, hostname: options.hostname, port: options.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const upgrade = app.getUpgradeHandler();
  const config = env();
  const listener = requestListener(withRequestContext(handle), {
    dev: options.dev,
    stripe: Boolean(config.STRIPE_SECRET_KEY?.trim()),
    https: servedOverHttps(config.APP_URL),
    maxInFlight: config.MAX_REQUESTS_IN_FLIGHT,
    timeouts: {
      idleMs: config.REQUEST_BODY_IDLE_TIMEOUT * 1000,
      totalMs: config.REQUEST_BODY_TIMEOUT * 1000,
      uploadWindowMs: config.UPLOAD_PROGRESS_TIMEOUT * 1000,
      uploadMinBytesPerSecond: config.UPLOAD_MIN_BYTES_PER_SECOND,
    },
  });
  const server = createHttpServer(observeRequests(listener), { headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT * 1000 });
  const drain = gracefulClose(server);
  server.on('upgrade', (req, socket, head) => {
    req.headers[PEER_HEADER] = req.socket.remoteAddress ?? '';
    void upgrade(req, socket, head);
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.hostname, resolve));
  return {
    server,
    /** Refuses new connections, lets the requests in flight finish (10 s at most), then closes Next. */
    close: async () => {
      await drain();
      await app.close();
    },
  };
}
