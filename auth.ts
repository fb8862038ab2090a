import NextAuth, { CredentialsSignin } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { z } from 'zod';
import { authConfig } from './auth.config';
import { isAuthMethod, recordAuthentication } from '@/lib/auth/amr';
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
        try {
          const admin = await signInAdministrator({
            ...parsed.data,
            clientAddress: clientAddressFrom(request.headers, env().TRUSTED_PROXY_HOPS),
          });
          if (admin.pendingSecondFactor) throw new SecondFactorRequired(await startSecondFactor(admin.id));
          const sessionId = await recordAuthentication({ administratorId: admin.id }, ['pwd']);
          return { id: admin.id, kind: 'administrator', sessionVersion: admin.sessionVersion, sessionId };
        } catch (e) {
          if (isAppError(e)) throw new SignInRefused(e.message);
          throw e;
        }
      },
    }),
    Credentials({
      // The code step of an administrator's sign-in: the challenge left by the password step
      // (lib/auth/two-factor.ts) and an authenticator or recovery code.
      id: 'second-factor',
      credentials: { challengeId: {}, ticket: {}, code: {} },
      async authorize(raw, request) {
        const parsed = z.object({ challengeId: uuidSchema(), ticket: z.string().regex(/^[A-Za-z0-9_-]{43}$/), code: z.string().trim().min(1).max(32) }).safeParse(raw);
        if (!parsed.success) throw new SignInRefused(SIGN_IN_AGAIN_FOR_CODE);
        try {
          const admin = await completeSecondFactor({ ...parsed.data, clientAddress: clientAddressFrom(request.headers, env().TRUSTED_PROXY_HOPS) });
          const sessionId = await recordAuthentication({ administratorId: admin.id }, admin.amr);
          return { id: admin.id, kind: 'administrator', sessionVersion: admin.sessionVersion, sessionId };
        } catch (e) {
          if (isAppError(e)) throw new SignInRefused(e.message);
          throw e;
        }
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
        try {
          const admin = await signInWithPasskey({ ...parsed.data, clientAddress: clientAddressFrom(request.headers, env().TRUSTED_PROXY_HOPS) });
          const sessionId = await recordAuthentication({ administratorId: admin.id }, admin.amr.filter(isAuthMethod));
          return { id: admin.id, kind: 'administrator', sessionVersion: admin.sessionVersion, sessionId, amr: admin.amr };
        } catch (e) {
          if (isAppError(e)) throw new SignInRefused(e.message);
          throw e;
        }
      },
    }),
    Credentials({
      // The second step with a passkey instead of a code: the challenge left by the password step
      // and the passkey's answer to its own challenge.
      id: 'second-factor-passkey',
      credentials: { challengeId: {}, ticket: {}, passkeyChallengeId: {}, response: {} },
      async authorize(raw, request) {
        const parsed = passkeyCredentials
          .extend({ ticket: z.string().regex(/^[A-Za-z0-9_-]{43}$/), passkeyChallengeId: uuidSchema() })
          .safeParse(raw);
        if (!parsed.success) throw new SignInRefused(SIGN_IN_AGAIN_FOR_CODE);
        try {
          const admin = await completeSecondFactorWithPasskey({ ...parsed.data, clientAddress: clientAddressFrom(request.headers, env().TRUSTED_PROXY_HOPS) });
          const sessionId = await recordAuthentication({ administratorId: admin.id }, admin.amr.filter(isAuthMethod));
          return { id: admin.id, kind: 'administrator', sessionVersion: admin.sessionVersion, sessionId, amr: admin.amr };
        } catch (e) {
          if (isAppError(e)) throw new SignInRefused(e.message);
          throw e;
        }
      },
    }),
    Credentials({
      id: 'portal',
      credentials: { email: {}, password: {} },
      async authorize(raw, request) {
        const parsed = credentials.safeParse(raw);
        if (!parsed.success) throw new SignInRefused('Incorrect email address or password.');
        try {
          const result = await signInPortalUser({
            ...parsed.data,
            clientAddress: clientAddressFrom(request.headers, env().TRUSTED_PROXY_HOPS),
          });
          return { id: result.id, kind: 'portal_user', sessionVersion: result.sessionVersion };
        } catch (e) {
          if (isAppError(e)) throw new SignInRefused(e.message);
          throw e;
        }
      },
    }),
    Credentials({
      // Domain sign-in: the callback route has already verified the identity provider's answer;
      // this redeems the one-time ticket it was given for it (lib/domain-sign-in).
      id: 'domain',
      credentials: { attemptId: {}, ticket: {} },
      async authorize(raw) {
        const parsed = z.object({ attemptId: uuidSchema(), ticket: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }).safeParse(raw);
        if (!parsed.success) throw new SignInRefused(SIGN_IN_AGAIN);
        try {
          const account = await redeemDomainSignIn(parsed.data);
          // The organisation's identity provider vouched for the administrator: `fed`.
          const sessionId = account.kind === 'administrator' ? await recordAuthentication({ administratorId: account.id }, ['fed']) : undefined;
          return { id: account.id, kind: account.kind, sessionVersion: account.sessionVersion, sessionId };
        } catch (e) {
          if (isAppError(e)) throw new SignInRefused(e.message);
          throw e;
        }
      },
    }),
  ],
});
