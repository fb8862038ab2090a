import NextAuth, { CredentialsSignin } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { z } from 'zod';
import { authConfig } from './auth.config';
import { isAuthMethod, recordAuthentication, type AuthMethod } from '@/lib/auth/amr';
import { clientAddressFrom } from '@/lib/auth/client-address';
import { secureCookies } from '@/lib/auth/session-cookie';
import { signInAdministrator } from '@/lib/auth/sign-in-administrator';
import { completeSecondFactor, SIGN_IN_AGAIN_FOR_CODE, startSecondFactor } from '@/lib/auth/two-factor';
import { passkeyCredentials } from '@/lib/auth/passkey-schemas';
import { completeSecondFactorWithPasskey, PASSKEY_REFUSED, signInWithPasskey } from '@/lib/auth/passkeys';
import { signInPortalUser } from '@/lib/portal/accounts';
import { redeemDomainSignIn, SIGN_IN_AGAIN } from '@/lib/domain-sign-in/domain-sign-in';
import { env } from '@/lib/env';
import { isAppError } from '@/lib/errors/app-error';
import { uuidSchema } from '@/lib/ids';

/** A refused sign-in whose message is safe to show (it never says whether an address exists). */
export class SignInRefused extends CredentialsSignin {
  code = 'refused';
  constructor(readonly userMessage: string) {
    super(userMessage);
  }
}

/**
 * The password was right and the account signs in with a second factor: no session yet. Carries
 * the challenge the browser keeps (a cookie) for the code step.
 */
export class SecondFactorRequired extends CredentialsSignin {
  code = 'second_factor';
  constructor(readonly challenge: { challengeId: string; ticket: string }) {
    super('A second factor is required.');
  }
}

const credentials = z.object({ email: z.string().trim().email().max(254), password: z.string().min(1).max(1024) });
/** The one-time ticket a challenge is redeemed with (43 base64url characters: 32 random bytes). */
const ticket = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/** Runs a sign-in step: a refusal of the domain layer (an AppError) is the message the sign-in page shows. */
async function refusedAsSignIn<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (isAppError(e)) throw new SignInRefused(e.message);
    throw e;
  }
}

/**
 * An administrator's session: how they signed in (`amr`) is recorded under the sign-in's own id,
 * which the token carries as `sid`; a passkey's own `amr` (with `user`, `mfa`) travels too.
 */
async function administratorSession(admin: { id: string; sessionVersion: number; amr?: readonly string[] }, methods: readonly AuthMethod[]) {
  const sessionId = await recordAuthentication({ administratorId: admin.id }, methods);
  return { id: admin.id, kind: 'administrator' as const, sessionVersion: admin.sessionVersion, sessionId, ...(admin.amr ? { amr: [...admin.amr] } : {}) };
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  ...authConfig,
  secret: env().AUTH_SECRET,
  // Secure, prefixed cookies exactly when APP_URL is https, whatever scheme a request claims.
  useSecureCookies: secureCookies(),
  logger: {
    // A refused sign-in is an expected answer (and an audit event), not a server error.
    error(error) {
      if (error.name === 'CredentialsSignin' || error instanceof CredentialsSignin || (error as { type?: string }).type === 'CredentialsSignin') return;
      console.error('[auth]', error);
    },
  },
  providers: [
    Credentials({
      id: 'administrator',
      credentials: { email: {}, password: {} },
      async authorize(raw, request) {
        const parsed = credentials.safeParse(raw);
        if (!parsed.success) throw new SignInRefused('Incorrect email address or password.');
        return refusedAsSignIn(async () => {
          const admin = await signInAdministrator({ ...parsed.data, clientAddress: clientAddressFrom(request.headers, env().TRUSTED_PROXY_HOPS) });
          if (admin.pendingSecondFactor) throw new SecondFactorRequired(await startSecondFactor(admin.id));
          return administratorSession({ id: admin.id, sessionVersion: admin.sessionVersion }, ['pwd']);
        });
      },
    }),
    Credentials({
      // The code step of an administrator's sign-in: the challenge left by the password step
      // (lib/auth/two-factor.ts) and an authenticator or recovery code.
      id: 'second-factor',
      credentials: { challengeId: {}, ticket: {}, code: {} },
      async authorize(raw, request) {
        const parsed = z.object({ challengeId: uuidSchema(), ticket, code: z.string().trim().min(1).max(32) }).safeParse(raw);
        if (!parsed.success) throw new SignInRefused(SIGN_IN_AGAIN_FOR_CODE);
        return refusedAsSignIn(async () => {
          const admin = await completeSecondFactor({ ...parsed.data, clientAddress: clientAddressFrom(request.headers, env().TRUSTED_PROXY_HOPS) });
          return administratorSession({ id: admin.id, sessionVersion: admin.sessionVersion }, admin.amr);
        });
      },
    }),
    Credentials({
      // Password-less: a passkey that verified its user (lib/auth/passkeys.ts). The session
      // records how (`amr`).
      id: 'passkey',
      credentials: { challengeId: {}, response: {} },
      async authorize(raw, request) {
        const parsed = passkeyCredentials.safeParse(raw);
        if (!parsed.success) throw new SignInRefused(PASSKEY_REFUSED);
        return refusedAsSignIn(async () => {
          const admin = await signInWithPasskey({ ...parsed.data, clientAddress: clientAddressFrom(request.headers, env().TRUSTED_PROXY_HOPS) });
          return administratorSession(admin, admin.amr.filter(isAuthMethod));
        });
      },
    }),
    Credentials({
      // The second step with a passkey instead of a code: the challenge left by the password step
      // and the passkey's answer to its own challenge.
      id: 'second-factor-passkey',
      credentials: { challengeId: {}, ticket: {}, passkeyChallengeId: {}, response: {} },
      async authorize(raw, request) {
        const parsed = passkeyCredentials.extend({ ticket, passkeyChallengeId: uuidSchema() }).safeParse(raw);
        if (!parsed.success) throw new SignInRefused(SIGN_IN_AGAIN_FOR_CODE);
        return refusedAsSignIn(async () => {
          const admin = await completeSecondFactorWithPasskey({ ...parsed.data, clientAddress: clientAddressFrom(request.headers, env().TRUSTED_PROXY_HOPS) });
          return administratorSession(admin, admin.amr.filter(isAuthMethod));
        });
      },
    }),
    Credentials({
      id: 'portal',
      credentials: { email: {}, password: {} },
      async authorize(raw, request) {
        const parsed = credentials.safeParse(raw);
        if (!parsed.success) throw new SignInRefused('Incorrect email address or password.');
        return refusedAsSignIn(async () => {
          const result = await signInPortalUser({ ...parsed.data, clientAddress: clientAddressFrom(request.headers, env().TRUSTED_PROXY_HOPS) });
          return { id: result.id, kind: 'portal_user' as const, sessionVersion: result.sessionVersion };
        });
      },
    }),
    Credentials({
      // Domain sign-in: the callback route has already verified the identity provider's answer;
      // this redeems the one-time ticket it was given for it (lib/domain-sign-in).
      id: 'domain',
      credentials: { attemptId: {}, ticket: {} },
      async authorize(raw) {
        const parsed = z.object({ attemptId: uuidSchema(), ticket }).safeParse(raw);
        if (!parsed.success) throw new SignInRefused(SIGN_IN_AGAIN);
        return refusedAsSignIn(async () => {
          const account = await redeemDomainSignIn(parsed.data);
          // The organisation's identity provider vouched for the administrator: `fed`.
          if (account.kind === 'administrator') return administratorSession(account, ['fed']);
          return { id: account.id, kind: account.kind, sessionVersion: account.sessionVersion };
        });
      },
    }),
  ],
});
