import http from 'node:http';
import next from 'next';
import { PEER_HEADER } from '@/lib/auth/client-address';
import { env } from '@/lib/env';
import { gracefulClose } from '@/lib/http/graceful-close';
import { observeRequests } from '@/lib/http/observe';
import { requestListener } from '@/lib/http/request-listener';

/**
 * The HTTP server around Next. Every request goes through requestListener first (the trusted
 * client address, the pages' nonce Content-Security-Policy, load shedding): serve the app with
 * `npm start` / `npm run dev`, not with `next start` alone.
 */
export async function serve(options: { dev: boolean; port: number; hostname: string }) {
  const app = next({ dev: options.dev, hostname: options.hostname, port: options.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const upgrade = app.getUpgradeHandler();
  const config = env();
  const server = http.createServer(
    observeRequests(requestListener(handle, { dev: options.dev, stripe: Boolean(config.STRIPE_SECRET_KEY?.trim()), maxInFlight: config.MAX_REQUESTS_IN_FLIGHT })),
  );
  const drain = gracefulClose(server);
  server.on('upgrade', (req, socket, head) => {
    req.headers[PEER_HEADER] = req.socket.remoteAddress ?? '';
    void upgrade(req, socket, head);
  });
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 120_000;
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
