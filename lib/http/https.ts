/**
 * Whether the app is served over https, decided by its public address (`APP_URL`) alone — never
 * by a request's own scheme or an `X-Forwarded-Proto` header, which a client could send over
 * plain http. It decides the `Secure` flag and `__Secure-` prefix of the session cookie and
 * whether responses carry Strict-Transport-Security.
 */
export function servedOverHttps(appUrl: string): boolean {
  try {
    return new URL(appUrl).protocol === 'https:';
  } catch {
    return false;
  }
}
