import { AuthError } from 'next-auth';
import { SignInRefused, signIn } from '@/auth';
import { AppError } from '@/lib/errors/app-error';
import { INVALID_CREDENTIALS } from './authenticate';

/**
 * Signs in through one of Auth.js's credentials providers and turns its refusals into our
 * AppError with the safe message (never whether the address exists). Sets the session cookie.
 */
export async function credentialsSignIn(provider: 'administrator' | 'portal', email: string, password: string) {
  try {
    await signIn(provider, { email, password, redirect: false });
  } catch (e) {
    if (e instanceof SignInRefused) throw new AppError('unauthenticated', e.userMessage);
    if (e instanceof AuthError) {
      const cause = (e.cause as { err?: unknown } | undefined)?.err;
      throw new AppError('unauthenticated', cause instanceof SignInRefused ? cause.userMessage : INVALID_CREDENTIALS);
    }
    throw e;
  }
}
