import net from 'node:net';
import { expect, test } from '@playwright/test';

/** REQUEST_BODY_IDLE_TIMEOUT of the server the browser tests start (playwright.config.ts). */
const IDLE_TIMEOUT_MS = 3_000;
const SOCKETS = 100;

/**
 * A client that sends a request's headers with a Content-Length and then nothing. Before
 * issue #16 each took a place of MAX_REQUESTS_IN_FLIGHT (64) until Node's 120 s request timeout,
 * so 64 of them took the site down.
 */
function idleBody(baseURL: string, path: string, length: number) {
  const { hostname, port } = new URL(baseURL);
  const socket = net.connect(Number(port), hostname);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${length}\r\n\r\n`);
  let received = '';
  socket.on('data', (data) => (received += data.toString('latin1')));
  socket.on('error', () => {});
  const opened = Date.now();
  // How long the connection stayed open; Infinity if the server had not closed it after 20 s.
  const closed = new Promise<number>((resolve) => {
    const giveUp = setTimeout(() => {
      resolve(Number.POSITIVE_INFINITY);
      socket.destroy();
    }, 20_000);
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve(Date.now() - opened);
    });
  });
  return { socket, closed, received: () => received };
}

test('a hundred clients that send headers and then no body neither block the site nor stay connected', async ({ request, baseURL }) => {
  test.setTimeout(60_000);
  if (!baseURL) throw new Error('no baseURL');
  // Sign-in forms, which Auth.js reads before anything else, and a large body that would stream
  // to the app (which refuses it without an API key, unread).
  const idle = Array.from({ length: SOCKETS }, (_, i) =>
    i % 10 === 0 ? idleBody(baseURL, '/api/delivery-events', 2 * 1024 * 1024) : idleBody(baseURL, i % 2 ? '/api/auth/callback/administrator' : '/api/auth/callback/portal', 200),
  );
  await new Promise((resolve) => setTimeout(resolve, 500));

  // Meanwhile pages and the health check are answered, not turned away as busy.
  for (let i = 0; i < 5; i++) {
    const page = await request.get('/login', { timeout: IDLE_TIMEOUT_MS });
    expect(page.status()).toBe(200);
    const health = await request.get('/api/health', { timeout: IDLE_TIMEOUT_MS });
    expect(health.status()).toBe(200);
  }

  // Each idle connection is closed after the idle timeout; a held body is answered 408 first.
  const closedAfter = await Promise.all(idle.map((client) => client.closed));
  for (const ms of closedAfter) {
    expect(ms).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 100);
    expect(ms).toBeLessThan(IDLE_TIMEOUT_MS + 10_000);
  }
  const answers = idle.map((client) => client.received().split('\r\n')[0]);
  expect(answers.filter((line) => line === 'HTTP/1.1 408 Request Timeout')).toHaveLength(90);
  // The large bodies stream to the app, which refuses them without an API key before reading
  // them (or is still waiting for them): either way the connection is cut.
  expect(answers.filter((line) => line === '' || line === 'HTTP/1.1 401 Unauthorized')).toHaveLength(10);
  expect((await request.get('/login')).status()).toBe(200);
});
