import { env } from '@/lib/env';

/**
 * The flags of the short-lived cookies that carry a sign-in from one step to the next (the SMS
 * challenge, the Domain sign-in state): HttpOnly, Lax (they must come back on the top-level GET
 * of a redirect), Secure behind HTTPS, 10 minutes.
 */
/** The address that just created its portal password, to fill in the sign-in form that follows. */
export const SIGN_IN_EMAIL_COOKIE = 'sp_portal_email';

export function flowCookieOptions(path: string) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: env().NODE_ENV === 'production' && env().APP_URL.startsWith('https:'),
    path,
    maxAge: 10 * 60,
  };
}
