import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PEER_HEADER } from '@/lib/auth/client-address';
import { BUSY_MESSAGE, requestListener, type Handle } from './request-listener';

type Seen = { url: string; headers: http.IncomingHttpHeaders };

/** A real HTTP server whose "Next" records each request and holds it until released. */
async function serverWith(maxInFlight: number, options: { fail?: boolean } = {}) {
  const seen: Seen[] = [];
  const held: (() => void)[] = [];
  const handle: Handle = async (req, res) => {
    seen.push({ url: req.url ?? '', headers: { ...req.headers } });
    if (options.fail) throw new Error('render failed');
    if (req.url?.startsWith('/hold')) await new Promise<void>((resolve) => held.push(resolve));
    res.end('rendered');
  };
  const listener = requestListener(handle, { dev: false, stripe: false, maxInFlight });
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  return { base, seen, held, listener, releaseAll: () => held.splice(0).forEach((release) => release()) };
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
});
