import { cookies } from 'next/headers';
import type { Session } from 'next-auth';
import { decode, type JWT } from 'next-auth/jwt';
import { absoluteExpiryMs, accountFromToken, withinAbsoluteLifetime } from '@/auth.config';
import { env } from '@/lib/env';
import { sessionCookieName } from './session-cookie';

const CACHE_SIZE = 1000;

type Decoded = { account: Session['account']; expiresAt: number };
const decoded = new Map<string, Decoded>();

/**
 * The session cookie's value, joining the `.0`, `.1`, … chunks Auth.js splits a large token into.
 * Only the name Auth.js sets for this site (`__Secure-` prefixed exactly when APP_URL is https) is
 * read: on an https site a cookie without the prefix may have been planted over plain http.
 */
function tokenFrom(jar: Awaited<ReturnType<typeof cookies>>): { name: string; token: string } | null {
  const name = sessionCookieName();
  const whole = jar.get(name)?.value;
  if (whole) return { name, token: whole };
  let token = '';
  for (let i = 0; jar.has(`${name}.${i}`); i++) token += jar.get(`${name}.${i}`)?.value ?? '';
  return token ? { name, token } : null;
}

/**
 * The account named by the request's session cookie, or null. What `auth()` gives a server
 * component, without its detour (a Request through the whole Auth.js handler, a re-encrypted
 * cookie a server component cannot set, a Response parsed back from JSON), which was a
 * measurable share of every page. The token is decrypted with the same secret and salt (the
 * cookie name) and its expiry and absolute lifetime are enforced; a decrypted token is remembered
 * until the sooner of the two, so a busy session is decrypted once, not on every request. Revocation is unaffected: callers
 * still compare the session version with the database on every request.
 */
export async function sessionAccount(): Promise<Session['account'] | null> {
  const found = tokenFrom(await cookies());
  const secret = env().AUTH_SECRET;
  if (!found || !secret) return null;
  const cacheKey = `${found.name}=${found.token}`;
  const now = Date.now();
  const hit = decoded.get(cacheKey);
  if (hit) {
    if (hit.expiresAt > now) return hit.account;
    decoded.delete(cacheKey);
    return null;
  }
  let payload: JWT | null;
  try {
    payload = await decode({ token: found.token, secret, salt: found.name });
  } catch {
    return null; // tampered, another secret, or expired
  }
  if (!payload || typeof payload.exp !== 'number') return null;
  // However recently it was re-signed, a token past its absolute lifetime is refused.
  const absoluteHours = env().SESSION_ABSOLUTE_HOURS;
  if (!withinAbsoluteLifetime(payload, now, absoluteHours)) return null;
  const entry = { account: accountFromToken(payload), expiresAt: Math.min(payload.exp * 1000, absoluteExpiryMs(payload, absoluteHours)) };
  if (decoded.size >= CACHE_SIZE) decoded.delete(decoded.keys().next().value as string);
  decoded.set(cacheKey, entry);
  return entry.account;
}
