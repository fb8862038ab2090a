import type { NextAuthConfig, Session } from 'next-auth';
import type { JWT } from 'next-auth/jwt';

/**
 * The part of the Auth.js configuration with no database or native modules. Sessions are JWTs
 * carrying the account's id, kind, session version and a random id of the sign-in; every request compares the version with
 * the database (lib/auth/session.ts), so bumping it ends the session on the next request.
 */
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

/** The account a session token names; shared by the session callback and lib/auth/session-token.ts. */
export function accountFromToken(token: JWT): Session['account'] {
  return {
    id: typeof token.sub === 'string' ? token.sub : '',
    kind: token.kind === 'administrator' ? 'administrator' : 'portal_user',
    sessionVersion: typeof token.sv === 'number' ? token.sv : -1,
    sessionId: typeof token.sid === 'string' ? token.sid : '',
  };
}

export const authConfig = {
  pages: { signIn: '/login', error: '/login' },
  session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
  trustHost: true,
  providers: [],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.sub = user.id;
        token.kind = user.kind;
        token.sv = user.sessionVersion;
        // This sign-in's own id, kept as the token is refreshed: what is verified for this session
        // only (an organisation's SMS step, lib/portal/two-factor.ts) is keyed by it.
        token.sid = crypto.randomUUID();
      }
      return token;
    },
    session({ session, token }) {
      session.account = accountFromToken(token);
      return session;
    },
  },
} satisfies NextAuthConfig;
