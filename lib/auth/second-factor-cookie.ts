import { cookies } from 'next/headers';
import { flowCookieOptions } from './flow-cookie';

/**
 * The sign-in waiting for its code, kept in the browser that typed the password (HttpOnly, only
 * sent to /login, 10 minutes) as `challengeId.ticket`; only the ticket's hash is stored.
 */
const COOKIE = 'sp_admin_second_factor';
export const SECOND_FACTOR_PATH = '/login/code';

export async function keepSecondFactorChallenge(challenge: { challengeId: string; ticket: string }) {
  (await cookies()).set(COOKIE, `${challenge.challengeId}.${challenge.ticket}`, flowCookieOptions('/login'));
}

export async function secondFactorChallenge(): Promise<{ challengeId: string; ticket: string } | null> {
  const value = (await cookies()).get(COOKIE)?.value ?? '';
  const [challengeId, ticket] = value.split('.');
  return challengeId && ticket ? { challengeId, ticket } : null;
}

export async function forgetSecondFactorChallenge() {
  (await cookies()).delete({ name: COOKIE, path: '/login' });
}
