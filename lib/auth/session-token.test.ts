import { encode } from 'next-auth/jwt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetEnvCache } from '@/lib/env';

const jar = new Map<string, string>();
vi.mock('next/headers', () => ({
  cookies: async () => ({
    get: (name: string) => (jar.has(name) ? { name, value: jar.get(name) } : undefined),
    has: (name: string) => jar.has(name),
  }),
}));

const { sessionAccount } = await import('./session-token');

const SECRET = 'unit-test-secret-0123456789abcdef0123456789';
const ID = '5b2f0a34-0000-4000-8000-000000000001';

async function token(salt: string, claims: Record<string, unknown> = {}, maxAge = 3600) {
  return encode({ token: { sub: ID, kind: 'administrator', sv: 3, ...claims }, secret: SECRET, salt, maxAge });
}

describe('sessionAccount', () => {
  const appUrl = process.env.APP_URL;
  beforeEach(() => {
    jar.clear();
    process.env.AUTH_SECRET = SECRET;
    process.env.APP_URL = 'http://localhost:3000';
    resetEnvCache();
  });
  afterEach(() => {
    if (appUrl === undefined) delete process.env.APP_URL;
    else process.env.APP_URL = appUrl;
    resetEnvCache();
  });

  it('reads the account from the session cookie, as the session callback maps it', async () => {
    jar.set('authjs.session-token', await token('authjs.session-token'));
    expect(await sessionAccount()).toEqual({ id: ID, kind: 'administrator', sessionVersion: 3 });
  });

  it('reads the __Secure- cookie when APP_URL is https, and then only that one', async () => {
    process.env.APP_URL = 'https://portal.example.com';
    resetEnvCache();
    // A cookie without the prefix can be planted over plain http: never read on an https site.
    jar.set('authjs.session-token', await token('authjs.session-token', { sv: 6 }));
    expect(await sessionAccount()).toBeNull();
    jar.set('__Secure-authjs.session-token', await token('__Secure-authjs.session-token', { kind: 'portal_user', sv: 7 }));
    expect(await sessionAccount()).toEqual({ id: ID, kind: 'portal_user', sessionVersion: 7 });
  });

  it('reads only the plain cookie when APP_URL is http', async () => {
    jar.set('__Secure-authjs.session-token', await token('__Secure-authjs.session-token', { sv: 8 }));
    expect(await sessionAccount()).toBeNull();
  });

  it('joins a token Auth.js split into chunks', async () => {
    const whole = await token('authjs.session-token', { sv: 9 });
    jar.set('authjs.session-token.0', whole.slice(0, 100));
    jar.set('authjs.session-token.1', whole.slice(100));
    expect(await sessionAccount()).toMatchObject({ sessionVersion: 9 });
  });

  it('refuses no cookie, a tampered token, another secret, a token moved to the other cookie name, and an expired token', async () => {
    expect(await sessionAccount()).toBeNull();

    const good = await token('authjs.session-token', { sv: 11 });
    jar.set('authjs.session-token', `${good.slice(0, -4)}AAAA`);
    expect(await sessionAccount()).toBeNull();

    jar.set('authjs.session-token', await encode({ token: { sub: ID, kind: 'administrator', sv: 12 }, secret: 'another-secret-0123456789abcdef0123456789', salt: 'authjs.session-token' }));
    expect(await sessionAccount()).toBeNull();

    jar.clear();
    process.env.APP_URL = 'https://portal.example.com';
    resetEnvCache();
    jar.set('__Secure-authjs.session-token', await token('authjs.session-token', { sv: 13 }));
    expect(await sessionAccount()).toBeNull();
    process.env.APP_URL = 'http://localhost:3000';
    resetEnvCache();

    jar.clear();
    jar.set('authjs.session-token', await token('authjs.session-token', { sv: 14 }, -60));
    expect(await sessionAccount()).toBeNull();
  });

  it('stops accepting a remembered token once it expires', async () => {
    vi.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    try {
      jar.set('authjs.session-token', await token('authjs.session-token', { sv: 15 }, 60));
      expect(await sessionAccount()).toMatchObject({ sessionVersion: 15 });
      vi.setSystemTime(Date.now() + 61_000);
      expect(await sessionAccount()).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
