import http from 'node:http';
import next from 'next';
import { PEER_HEADER } from '@/lib/auth/client-address';
import { contentSecurityPolicy, newNonce, wantsPagePolicy } from '@/lib/http/content-security-policy';

/**
 * The HTTP server around Next. It records the socket's peer address in a header that clients
 * cannot set (any incoming value is overwritten), so the client address is taken from a trusted
 * hop only (lib/auth/client-address.ts). It gives every page a Content-Security-Policy with a
 * fresh nonce (lib/http/content-security-policy.ts); a header a client sent is overwritten too.
 */
export async function serve(options: { dev: boolean; port: number; hostname: string }) {
  const stripe = Boolean(process.env.STRIPE_SECRET_KEY?.trim());
  const app = next({ dev: options.dev, hostname: options.hostname, port: options.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const upgrade = app.getUpgradeHandler();
  const server = http.createServer((req, res) => {
    req.headers[PEER_HEADER] = req.socket.remoteAddress ?? '';
    delete req.headers['content-security-policy-report-only'];
    const pathname = (req.url ?? '/').split('?', 1)[0];
    if (wantsPagePolicy(pathname)) {
      const csp = contentSecurityPolicy({ pathname, nonce: newNonce(), stripe, dev: options.dev });
      req.headers['content-security-policy'] = csp;
      res.setHeader('Content-Security-Policy', csp);
    } else {
      delete req.headers['content-security-policy'];
    }
    handle(req, res).catch((error: unknown) => {
      console.error('[server] unhandled request error', error);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end('Internal Server Error');
      }
    });
  });
  server.on('upgrade', (req, socket, head) => {
    req.headers[PEER_HEADER] = req.socket.remoteAddress ?? '';
    void upgrade(req, socket, head);
  });
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(options.port, options.hostname, resolve));
  return {
    server,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}
