import { Auth } from '@auth/core';
import { describe, expect, it } from 'vitest';
import { authConfig } from '@/auth.config';
import { servedOverHttps } from '@/lib/http/https';
import { secureCookies, sessionCookieName } from './session-cookie';

describe('Secure cookies and HSTS follow APP_URL alone', () => {
  it.each([
    ['https://portal.example.com', true],
    ['https://portal.example.com:8443/base', true],
    ['HTTPS://PORTAL.EXAMPLE.COM', true],
    ['http://localhost:3000', false],
    ['http://portal.example.com', false],
    ['not a url', false],
  ])('%s → served over https: %s', (appUrl, https) => {
    expect(servedOverHttps(appUrl)).toBe(https);
    expect(secureCookies(appUrl)).toBe(https);
    expect(sessionCookieName(secureCookies(appUrl))).toBe(https ? '__Secure-authjs.session-token' : 'authjs.session-token');
  });
});

/** The Set-Cookie headers Auth.js answers its CSRF endpoint with, under our configuration for `appUrl`. */
async function csrfCookies(appUrl: string, request: { url: string; headers?: Record<string, string> }) {
  const response = await Auth(new Request(request.url, { headers: request.headers }), {
    ...authConfig,
    secret: 'unit-test-secret-0123456789abcdef0123456789',
    basePath: '/api/auth',
    useSecureCookies: secureCookies(appUrl),
  });
  return response.headers.getSetCookie();
}

describe('Auth.js under that decision', () => {
  it('sets __Host-/Secure cookies for an https APP_URL even when the request came over plain http', async () => {
    const cookies = await csrfCookies('https://portal.example.com', { url: 'http://portal.example.com/api/auth/csrf' });
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/^__(Host|Secure)-authjs\./);
      expect(cookie).toMatch(/; Secure/i);
    }
  });

  it('sets plain cookies for an http APP_URL even when a client claims https with X-Forwarded-Proto', async () => {
    const cookies = await csrfCookies('http://localhost:3000', { url: 'http://localhost:3000/api/auth/csrf', headers: { 'x-forwarded-proto': 'https' } });
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/^authjs\./);
      expect(cookie).not.toMatch(/; Secure/i);
    }
  });
});
