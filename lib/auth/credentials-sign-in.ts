import { AuthError } from 'next-auth';
import { SecondFactorRequired, SignInRefused, signIn } from '@/auth';
import { AppError } from '@/lib/errors/app-error';
import { INVALID_CREDENTIALS } from './authenticate';

/**
 * Signs in through one of Auth.js's credentials providers and turns its refusals into our
 * AppError with the safe message (never whether the address exists). Sets the session cookie.
 */
export async function credentialsSignIn(
  provider: 'administrator' | 'portal' | 'portal-code' | 'domain',
  credentials: Record<string, string>,
): Promise<{ secondFactor: { challengeId: string; phoneHint: string } } | null> {
  try {
    await signIn(provider, { ...credentials, redirect: false });
    return null;
  } catch (e) {
    // Auth.js rethrows our CredentialsSignin subclasses as they are, and wraps anything else.
    const cause = e instanceof SecondFactorRequired || e instanceof SignInRefused ? e : e instanceof AuthError ? (e.cause as { err?: unknown } | undefined)?.err : e;
    if (cause instanceof SecondFactorRequired) return { secondFactor: { challengeId: cause.challengeId, phoneHint: cause.phoneHint } };
    if (cause instanceof SignInRefused) throw new AppError('unauthenticated', cause.userMessage);
    if (e instanceof AuthError) throw new AppError('unauthenticated', INVALID_CREDENTIALS);
    throw e;
  }
}
