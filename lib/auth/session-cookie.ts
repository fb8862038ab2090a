import { env } from '@/lib/env';
import { servedOverHttps } from '@/lib/http/https';

const SESSION_COOKIE = 'authjs.session-token';

/**
 * Whether Auth.js's cookies (the session of administrators and portal users alike, and its CSRF
 * and callback cookies) are `Secure` with the `__Secure-`/`__Host-` prefix: exactly when APP_URL
 * is https. Left to itself, Auth.js decides per request from the request's scheme, which behind
 * a proxy is the `X-Forwarded-Proto` header a client can set: a session cookie without `Secure`
 * on an https site, or one a plain-http browser drops.
 */
export function secureCookies(appUrl: string = env().APP_URL): boolean {
  return servedOverHttps(appUrl);
}

/** The name of the session cookie Auth.js sets under that decision; the only one read back. */
export function sessionCookieName(secure: boolean = secureCookies()): string {
  return secure ? `__Secure-${SESSION_COOKIE}` : SESSION_COOKIE;
}
