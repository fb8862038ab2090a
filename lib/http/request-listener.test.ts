import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PEER_HEADER } from '@/lib/auth/client-address';
import { BUSY_MESSAGE, createHttpServer, HELD_BODY_LIMIT_BYTES, HSTS_VALUE, requestListener, TIMED_OUT_MESSAGE, type BodyTimeouts, type Handle } from './request-listener';

type Seen = { url: string; headers: http.IncomingHttpHeaders };

const TIMEOUTS: BodyTimeouts = { idleMs: 10_000, totalMs: 60_000, uploadWindowMs: 30_000, uploadMinBytesPerSecond: 1024 };

/**
 * A real HTTP server whose "Next" records each request and holds it until released; a request
 * with a body is answered with the number of bytes it read.
 */
async function serverWith(maxInFlight: number, options: { fail?: boolean; https?: boolean; timeouts?: Partial<BodyTimeouts>; headersTimeoutMs?: number } = {}) {
  const seen: Seen[] = [];
  const held: (() => void)[] = [];
  const handle: Handle = async (req, res) => {
    seen.push({ url: req.url ?? '', headers: { ...req.headers } });
    if (options.fail) throw new Error('render failed');
    if (req.url?.startsWith('/hold')) await new Promise<void>((resolve) => held.push(resolve));
    if (req.url === '/refuse') {
      // Like a route that checks a key before reading the body.
      res.statusCode = 401;
      res.end('refused');
      return;
    }
    if (req.method === 'POST') {
      let bytes = 0;
      try {
        for await (const chunk of req) bytes += (chunk as Buffer).length;
      } catch {
        return; // the connection was closed under the body
      }
      res.end(`read ${bytes}`);
      return;
    }
    res.end('rendered');
  };
  const listener = requestListener(handle, { dev: false, stripe: false, https: options.https ?? false, maxInFlight, timeouts: { ...TIMEOUTS, ...options.timeouts } });
  const server = createHttpServer(listener, { headersTimeoutMs: options.headersTimeoutMs ?? 20_000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  const port = (server.address() as AddressInfo).port;
  return { base, port, seen, held, listener, releaseAll: () => held.splice(0).forEach((release) => release()) };
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function until(condition: () => boolean) {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

/** A raw connection that sends `head` (and later whatever the test writes) and records what comes back. */
function rawClient(port: number, head: string) {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(head);
  let received = '';
  socket.on('data', (data) => (received += data.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
  return { socket, closed, received: () => received };
}

const postHead = (path: string, length: number, extra = '') => `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${length}\r\n${extra}\r\n`;

describe('the request listener in front of Next', () => {
  it('replaces a client-sent peer address with the socket’s', async () => {
    const { base, seen } = await serverWith(10);
    await fetch(`${base}/dashboard`, { headers: { [PEER_HEADER]: '6.6.6.6' } });
    expect(seen[0].headers[PEER_HEADER]).toBe('127.0.0.1');
  });

  it('gives a page the same nonce policy on the response and on the request Next renders, and an API route none', async () => {
    const { base, seen } = await serverWith(10);
    const page = await fetch(`${base}/licensed-emails?q=x`, { headers: { 'content-security-policy': "script-src 'nonce-forged'" } });
    const csp = page.headers.get('content-security-policy');
    expect(csp).toMatch(/'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain('forged');
    expect(seen[0].headers['content-security-policy']).toBe(csp);
    const api = await fetch(`${base}/api/delivery-events`, { headers: { 'content-security-policy': "script-src 'nonce-forged'" } });
    expect(api.headers.get('content-security-policy')).toBeNull();
    expect(seen[1].headers['content-security-policy']).toBeUndefined();
  });

  it('tells a page the path asked for (a client-sent value replaced), and tells API routes nothing', async () => {
    const { base, seen } = await serverWith(10);
    await fetch(`${base}/events?category=sign-in&_rsc=abc`, { headers: { 'x-sealpost-path': '//evil.example/' } });
    expect(seen[0].headers['x-sealpost-path']).toBe('/events?category=sign-in');
    await fetch(`${base}/api/health`, { headers: { 'x-sealpost-path': '/forged' } });
    expect(seen[1].headers['x-sealpost-path']).toBeUndefined();
  });

  it('reads the path as a URL, so a page reached through "/api/.." still gets its policy', async () => {
    const { base } = await serverWith(10);
    for (const path of ['/api/../login', '/api/%2e%2e/login', '/_next/%2E%2E/dashboard']) {
      // node:http sends the path as written (fetch would resolve it first).
      const csp = await new Promise<string | undefined>((resolve, reject) => {
        const { hostname, port } = new URL(base);
        http.get({ hostname, port, path }, (res) => {
          res.resume();
          resolve(res.headers['content-security-policy'] as string | undefined);
        }).on('error', reject);
      });
      expect(csp, path).toMatch(/'nonce-/);
    }
  });

  it('answers 503 with Retry-After straight away once the limit is in progress, and admits again when one finishes', async () => {
    const { base, seen, held, listener, releaseAll } = await serverWith(3);
    const pending = [1, 2, 3].map((i) => fetch(`${base}/hold/${i}`));
    await until(() => held.length === 3);
    expect(listener.inFlight()).toBe(3);

    const page = await fetch(`${base}/licensed-emails`);
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('2');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('Sealpost is busy right now');
    const api = await fetch(`${base}/api/delivery-events`);
    expect(api.status).toBe(503);
    expect(await api.json()).toEqual({ error: { code: 'unavailable', message: BUSY_MESSAGE } });
    // Neither reached Next.
    expect(seen.map((s) => s.url)).toEqual(['/hold/1', '/hold/2', '/hold/3']);
    // The health check is always admitted.
    expect((await fetch(`${base}/api/health`)).status).toBe(200);

    held.shift()?.();
    await until(() => listener.inFlight() === 2);
    expect((await fetch(`${base}/licensed-emails`)).status).toBe(200);
    releaseAll();
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual([200, 200, 200]);
    await until(() => listener.inFlight() === 0);
  });

  it('frees the place of a client that goes away before its answer', async () => {
    const { base, held, listener, releaseAll } = await serverWith(1);
    const abort = new AbortController();
    const gone = fetch(`${base}/hold/1`, { signal: abort.signal }).catch(() => 'aborted');
    await until(() => held.length === 1);
    expect((await fetch(`${base}/dashboard`)).status).toBe(503);
    abort.abort();
    expect(await gone).toBe('aborted');
    await until(() => listener.inFlight() === 0);
    releaseAll();
    expect((await fetch(`${base}/dashboard`)).status).toBe(200);
  });

  it('answers 500 when rendering throws, and the place is freed', async () => {
    const { base, listener } = await serverWith(1, { fail: true });
    const original = console.error;
    console.error = () => {};
    try {
      expect((await fetch(`${base}/dashboard`)).status).toBe(500);
      expect((await fetch(`${base}/dashboard`)).status).toBe(500);
    } finally {
      console.error = original;
    }
    await until(() => listener.inFlight() === 0);
  });

  it('sends Strict-Transport-Security on every response when served over https, and never over http', async () => {
    const secure = await serverWith(1, { https: true });
    const { held, releaseAll } = secure;
    expect((await fetch(`${secure.base}/dashboard`)).headers.get('strict-transport-security')).toBe(HSTS_VALUE);
    expect((await fetch(`${secure.base}/api/health`)).headers.get('strict-transport-security')).toBe(HSTS_VALUE);
    const pending = fetch(`${secure.base}/hold/1`);
    await until(() => held.length === 1);
    const busy = await fetch(`${secure.base}/dashboard`);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('strict-transport-security')).toBe(HSTS_VALUE);
    releaseAll();
    await pending;

    const plain = await serverWith(1, { https: false });
    expect((await fetch(`${plain.base}/dashboard`)).headers.get('strict-transport-security')).toBeNull();
  });
});

describe('slow clients', () => {
  it('does not count a request whose body has not arrived, and answers others meanwhile', async () => {
    const { base, port, seen, listener } = await serverWith(2);
    // Headers with a Content-Length, then nothing: ten of them against a limit of two.
    const idle = Array.from({ length: 10 }, () => rawClient(port, postHead('/login', 100)));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(listener.inFlight()).toBe(0);
    expect(seen).toEqual([]);
    expect((await fetch(`${base}/dashboard`)).status).toBe(200);
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
    for (const client of idle) client.socket.destroy();
  });

  it('hands a body that arrives slowly to the app whole, and answers it', async () => {
    const { base, port, seen, listener } = await serverWith(2, { timeouts: { idleMs: 500 } });
    const body = 'a'.repeat(300);
    const client = rawClient(port, postHead('/login', body.length, 'Connection: close\r\n'));
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Still arriving: the app has not seen it, and it takes no place.
      expect(seen).toEqual([]);
      expect(listener.inFlight()).toBe(0);
      client.socket.write(body.slice(i * 100, (i + 1) * 100));
    }
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(client.received()).toContain('read 300');
    expect(seen.map((s) => s.url)).toEqual(['/login']);
    expect((await fetch(`${base}/dashboard`)).status).toBe(200);
  });

  it('answers 503 when the limit is in progress once a held body has arrived', async () => {
    const { base, port, held, seen, releaseAll } = await serverWith(1);
    const pending = fetch(`${base}/hold/1`);
    await until(() => held.length === 1);
    const client = rawClient(port, postHead('/login', 5, 'Connection: close\r\n'));
    client.socket.write('hello');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 503/);
    expect(seen.map((s) => s.url)).toEqual(['/hold/1']);
    releaseAll();
    await pending;
  });

  it('answers 408 and closes the connection of a body that stops arriving, after the idle timeout', async () => {
    const { port, seen, listener } = await serverWith(2, { timeouts: { idleMs: 300 } });
    const start = Date.now();
    const client = rawClient(port, postHead('/login', 100));
    client.socket.write('only a part');
    const closedAt = await client.closed;
    expect(closedAt - start).toBeGreaterThanOrEqual(290);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(client.received()).toContain(TIMED_OUT_MESSAGE);
    expect(seen).toEqual([]);
    expect(listener.inFlight()).toBe(0);
  });

  it('closes a body that trickles past the whole-body limit', async () => {
    const { port } = await serverWith(2, { timeouts: { idleMs: 300, totalMs: 800 } });
    const start = Date.now();
    const client = rawClient(port, postHead('/login', 1000));
    const trickle = setInterval(() => client.socket.write('x'), 100);
    const closedAt = await client.closed;
    clearInterval(trickle);
    expect(closedAt - start).toBeGreaterThanOrEqual(790);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('streams a large body to the app, counts it once it has arrived, and closes it when it stalls', async () => {
    const { port, seen, listener } = await serverWith(1, { timeouts: { idleMs: 300 } });
    const length = HELD_BODY_LIMIT_BYTES + 1;
    const client = rawClient(port, postHead('/api/delivery-events', length));
    await until(() => seen.length === 1);
    // The app is reading the body, but waits for the client: no place taken.
    expect(listener.inFlight()).toBe(0);
    client.socket.write(Buffer.alloc(1000));
    await client.closed;
    expect(client.received()).toBe('');

    const whole = rawClient(port, postHead('/api/delivery-events', length, 'Connection: close\r\n'));
    whole.socket.write(Buffer.alloc(length));
    await whole.closed;
    expect(whole.received()).toContain(`read ${length}`);
    await until(() => listener.inFlight() === 0);
  });

  it('closes a connection whose body stops arriving after the app has answered without reading it', async () => {
    const { port, listener } = await serverWith(1, { timeouts: { idleMs: 300 } });
    const start = Date.now();
    const client = rawClient(port, postHead('/refuse', HELD_BODY_LIMIT_BYTES + 1));
    client.socket.write(Buffer.alloc(1000));
    const closedAt = await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 401/);
    expect(closedAt - start).toBeGreaterThanOrEqual(290);
    expect(listener.inFlight()).toBe(0);
  });

  it('lets an upload pause longer than the idle timeout, but closes one below the minimum rate', async () => {
    const { port } = await serverWith(2, { timeouts: { idleMs: 100, uploadWindowMs: 600, uploadMinBytesPerSecond: 100 } });
    const length = 400;
    const steady = rawClient(port, postHead('/secure/attachments', length, 'Connection: close\r\n'));
    // 100 bytes every 300 ms: pauses three times the idle timeout, and 200 bytes a second.
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      steady.socket.write(Buffer.alloc(100));
    }
    await steady.closed;
    expect(steady.received()).toContain(`read ${length}`);

    const start = Date.now();
    const slow = rawClient(port, postHead('/secure/attachments', 1000));
    // 10 bytes every 200 ms: 50 a second, under the minimum of 100.
    const trickle = setInterval(() => slow.socket.write(Buffer.alloc(10)), 200);
    const closedAt = await slow.closed;
    clearInterval(trickle);
    expect(closedAt - start).toBeGreaterThanOrEqual(590);
    expect(slow.received()).toBe('');
  });

  it('closes a connection whose headers do not arrive within the headers timeout', async () => {
    const { port } = await serverWith(2, { headersTimeoutMs: 300 });
    const client = rawClient(port, 'GET /dashboard HTTP/1.1\r\nHost: localhost\r\n');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });
});
