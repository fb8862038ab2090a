import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resetEnvCache } from '@/lib/env';
import { assertPublicIssuer, guardedFetch, issuerProblem, NOT_PUBLIC, publicOnlyFetch } from './oidc';

const saved = process.env.APP_URL;

function servedAt(url: string) {
  process.env.APP_URL = url;
  resetEnvCache();
}

afterEach(() => {
  process.env.APP_URL = saved;
  resetEnvCache();
});

describe('identity provider addresses', () => {
  it('in a production deployment (https), refuses issuers on this machine or a private network', async () => {
    servedAt('https://portal.example.com');
    expect(issuerProblem('http://127.0.0.1:4400')).toMatch(/https/);
    for (const url of ['https://127.0.0.1:5432', 'https://10.1.2.3', 'https://[::1]:8443', 'https://[::ffff:192.168.1.4]', 'https://169.254.169.254', 'https://localhost:3702']) {
      await expect(assertPublicIssuer(new URL(url)), url).rejects.toMatchObject({ code: 'invalid_input', message: NOT_PUBLIC });
    }
    await expect(assertPublicIssuer(new URL('https://93.184.215.14'))).resolves.toBeUndefined();
  });

  it('connects only to public addresses, checked on the address each connection uses (no DNS rebinding)', async () => {
    const request = { method: 'GET', headers: {}, redirect: 'manual' as const, body: undefined };
    for (const url of ['https://localhost:9/.well-known/openid-configuration', 'https://127.0.0.1:9/', 'https://[::1]:9/', 'https://10.0.0.1:9/']) {
      await expect(publicOnlyFetch(url, request), url).rejects.toThrow(NOT_PUBLIC);
    }
    await expect(publicOnlyFetch('http://login.example.com/', request)).rejects.toThrow(/https/);
  });

  it('the guarded fetch speaks https like fetch, and holds its address check on every connection', async () => {
    const fixtures = path.join(process.cwd(), 'tests/fixtures');
    const ca = fs.readFileSync(path.join(fixtures, 'localhost-test.crt'), 'utf8');
    const seen: { method?: string; body: string; type?: string }[] = [];
    const server = https.createServer({ key: fs.readFileSync(path.join(fixtures, 'localhost-test.key')), cert: ca }, (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, body, type: req.headers['content-type'] });
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ issuer: 'https://localhost', path: req.url }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `https://localhost:${(server.address() as AddressInfo).port}`;
    try {
      const open = guardedFetch(() => true, { ca });
      const got = await open(`${base}/.well-known/openid-configuration`, { method: 'GET', headers: { accept: 'application/json' }, redirect: 'manual', body: undefined });
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('application/json');
      expect(await got.json()).toEqual({ issuer: 'https://localhost', path: '/.well-known/openid-configuration' });
      const posted = await open(`${base}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        redirect: 'manual',
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'abc' }),
      });
      expect(posted.status).toBe(200);
      expect(seen.at(-1)).toEqual({ method: 'POST', body: 'grant_type=authorization_code&code=abc', type: 'application/x-www-form-urlencoded' });
      expect((await open(`${base}/missing`, { method: 'GET', headers: {}, redirect: 'manual', body: undefined })).status).toBe(404);
      // The same server through the strict check: "localhost" is looked up, and refused.
      const strict = guardedFetch((address) => address !== '127.0.0.1' && address !== '::1', { ca });
      await expect(strict(`${base}/.well-known/openid-configuration`, { method: 'GET', headers: {}, redirect: 'manual', body: undefined })).rejects.toThrow(NOT_PUBLIC);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('in development and tests (http), allows a provider run locally', async () => {
    servedAt('http://localhost:3000');
    expect(issuerProblem('http://127.0.0.1:4400')).toBeNull();
    await expect(assertPublicIssuer(new URL('https://10.1.2.3'))).resolves.toBeUndefined();
    expect(issuerProblem('http://login.example.com')).toMatch(/https/);
  });
});
