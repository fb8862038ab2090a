import { AuthError, CredentialsSignin } from 'next-auth';
import { SecondFactorRequired, SignInRefused, signIn } from '@/auth';
import { AppError } from '@/lib/errors/app-error';
import { INVALID_CREDENTIALS } from './authenticate';

/**
 * Signs in through one of Auth.js's credentials providers and turns its refusals into our
 * AppError with the safe message (never whether the address exists). Sets the session cookie, or
 * returns the challenge of the code step when the password is not enough (no session yet).
 */
export async function credentialsSignIn(
  provider: 'administrator' | 'portal' | 'domain' | 'second-factor' | 'passkey' | 'second-factor-passkey',
  credentials: Record<string, string>,
): Promise<{ challengeId: string; ticket: string } | null> {
  try {
    await signIn(provider, { ...credentials, redirect: false });
    return null;
  } catch (e) {
    // Auth.js rethrows our CredentialsSignin subclasses as they are, and wraps anything else.
    const cause = e instanceof CredentialsSignin ? e : e instanceof AuthError ? (e.cause as { err?: unknown } | undefined)?.err : e;
    if (cause instanceof SecondFactorRequired) return cause.challenge;
    if (cause instanceof SignInRefused) throw new AppError('unauthenticated', cause.userMessage);
    if (e instanceof AuthError) throw new AppError('unauthenticated', INVALID_CREDENTIALS);
    throw e;
  }
}
