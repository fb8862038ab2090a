import { encode } from 'next-auth/jwt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const jar = new Map<string, string>();
vi.mock('next/headers', () => ({
  cookies: async () => ({
    get: (name: string) => (jar.has(name) ? { name, value: jar.get(name) } : undefined),
    has: (name: string) => jar.has(name),
  }),
}));

const { sessionAccount } = await import('./session-token');
const { authConfig, withinAbsoluteLifetime } = await import('@/auth.config');
const { resetEnvCache } = await import('@/lib/env');

const SECRET = 'unit-test-secret-0123456789abcdef0123456789';
const ID = '5b2f0a34-0000-4000-8000-000000000001';
const SID = '5b2f0a34-0000-4000-8000-0000000000aa';

async function token(salt: string, claims: Record<string, unknown> = {}, maxAge = 3600) {
  return encode({ token: { sub: ID, kind: 'administrator', sv: 3, sid: SID, sia: Math.floor(Date.now() / 1000), ...claims }, secret: SECRET, salt, maxAge });
}

describe('sessionAccount', () => {
  const appUrl = process.env.APP_URL;
  beforeEach(() => {
    jar.clear();
    process.env.AUTH_SECRET = SECRET;
    delete process.env.SESSION_ABSOLUTE_HOURS;
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
    expect(await sessionAccount()).toEqual({ id: ID, kind: 'administrator', sessionVersion: 3, sessionId: SID });
  });

  it('reads the __Secure- cookie when APP_URL is https, and then only that one', async () => {
    process.env.APP_URL = 'https://portal.example.com';
    resetEnvCache();
    // A cookie without the prefix can be planted over plain http: never read on an https site.
    jar.set('authjs.session-token', await token('authjs.session-token', { sv: 6 }));
    expect(await sessionAccount()).toBeNull();
    jar.set('__Secure-authjs.session-token', await token('__Secure-authjs.session-token', { kind: 'portal_user', sv: 7 }));
    expect(await sessionAccount()).toEqual({ id: ID, kind: 'portal_user', sessionVersion: 7, sessionId: SID });
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

  it('refuses a token past its absolute lifetime however freshly it was re-signed, and one with no sign-in time', async () => {
    const hour = 3600;
    const nowS = Math.floor(Date.now() / 1000);
    // Signed in 12 hours and a minute ago, re-signed a moment ago with a fresh 8-hour expiry.
    jar.set('authjs.session-token', await token('authjs.session-token', { sv: 16, sia: nowS - 12 * hour - 60 }, 8 * hour));
    expect(await sessionAccount()).toBeNull();
    jar.set('authjs.session-token', await token('authjs.session-token', { sv: 17, sia: nowS - 11 * hour }, 8 * hour));
    expect(await sessionAccount()).toMatchObject({ sessionVersion: 17 });
    jar.set('authjs.session-token', await token('authjs.session-token', { sv: 18, sia: undefined }, 8 * hour));
    expect(await sessionAccount()).toBeNull();
    // The limit is configurable.
    process.env.SESSION_ABSOLUTE_HOURS = '2';
    resetEnvCache();
    jar.set('authjs.session-token', await token('authjs.session-token', { sv: 19, sia: nowS - 3 * hour }, 8 * hour));
    expect(await sessionAccount()).toBeNull();
  });

  it('stops accepting a remembered token when its absolute lifetime ends, before its idle expiry', async () => {
    vi.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    try {
      const nowS = Math.floor(Date.now() / 1000);
      jar.set('authjs.session-token', await token('authjs.session-token', { sv: 20, sia: nowS - 12 * 3600 + 30 }, 8 * 3600));
      expect(await sessionAccount()).toMatchObject({ sessionVersion: 20 });
      vi.setSystemTime(Date.now() + 31_000);
      expect(await sessionAccount()).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the absolute session lifetime', () => {
  const H = 3_600_000;
  const now = Date.parse('2026-12-07T12:00:00Z');
  const at = (ms: number) => Math.floor(ms / 1000);
  it.each([
    ['just signed in', { sia: at(now) }, true],
    ['signed in 11h59m ago', { sia: at(now - 12 * H + 60_000) }, true],
    ['signed in exactly 12h ago', { sia: at(now - 12 * H) }, false],
    ['signed in 3 days ago', { sia: at(now - 72 * H) }, false],
    ['no sign-in time', {}, false],
    ['a sign-in time in the future', { sia: at(now + 10 * 60_000) }, false],
    ['a sign-in time within the clock skew', { sia: at(now + 30_000) }, true],
  ] as const)('%s', (_name, token, expected) => {
    expect(withinAbsoluteLifetime(token, now, 12)).toBe(expected);
  });

  it('the jwt callback stamps the sign-in time once and refuses to refresh a token past the lifetime', async () => {
    const jwt = authConfig.callbacks.jwt as unknown as (p: { token: Record<string, unknown>; user?: Record<string, unknown> }) => Promise<Record<string, unknown> | null> | Record<string, unknown> | null;
    const signedIn = await jwt({ token: {}, user: { id: ID, kind: 'portal_user', sessionVersion: 2 } });
    expect(signedIn).toMatchObject({ sub: ID, kind: 'portal_user', sv: 2 });
    const sia = signedIn?.sia;
    expect(typeof sia).toBe('number');
    // A refresh keeps the original sign-in time (it is not moved on).
    expect(await jwt({ token: { ...signedIn } })).toMatchObject({ sia });
    expect(await jwt({ token: { ...signedIn, sia: Math.floor(Date.now() / 1000) - 13 * 3600 } })).toBeNull();
    expect(await jwt({ token: { sub: ID, kind: 'administrator', sv: 1 } })).toBeNull();
  });
});
