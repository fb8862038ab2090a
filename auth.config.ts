import type { NextAuthConfig, Session } from 'next-auth';
import type { JWT } from 'next-auth/jwt';
import { env } from '@/lib/env';

/**
 * The part of the Auth.js configuration with no database or native modules. Sessions are JWTs
 * carrying the account's id, kind, session version and a random id of the sign-in; every request compares the version with
 * the database (lib/auth/session.ts), so bumping it ends the session on the next request.
 */
export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

/**
 * Whether a token is still within its absolute lifetime. The idle limit above slides: Auth.js
 * re-signs the token with a fresh expiry whenever `/api/auth/session` is polled, so on its own a
 * stolen cookie kept warm would never expire. The sign-in time (`sia`, seconds) is written once,
 * at sign-in, and copied unchanged into every re-signed token; past `SESSION_ABSOLUTE_HOURS` the
 * token is refused. A token without it (made before it existed) is refused too. A sign-in time in
 * the future (beyond a minute of clock skew) is not believed.
 */
export function withinAbsoluteLifetime(token: Pick<JWT, 'sia'>, nowMs: number, absoluteHours: number): boolean {
  if (typeof token.sia !== 'number' || !Number.isFinite(token.sia)) return false;
  const signedInMs = token.sia * 1000;
  return signedInMs <= nowMs + 60_000 && nowMs < signedInMs + absoluteHours * 3_600_000;
}

/** When a token's absolute lifetime ends, in milliseconds since the epoch (NaN without a sign-in time). */
export function absoluteExpiryMs(token: Pick<JWT, 'sia'>, absoluteHours: number): number {
  return typeof token.sia === 'number' ? token.sia * 1000 + absoluteHours * 3_600_000 : Number.NaN;
}

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
        // An administrator's sign-in brings its own (lib/auth/amr.ts records how it authenticated under it).
        token.sid = user.sessionId ?? crypto.randomUUID();
        token.sia = Math.floor(Date.now() / 1000);
        // How this sign-in was made (RFC 8176), where the provider says (passkeys, lib/auth/passkeys.ts).
        if (user.amr) token.amr = user.amr;
        return token;
      }
      // Refreshing (a poll of /api/auth/session) never extends a session past its absolute
      // lifetime: null makes Auth.js clear the cookie instead of re-signing it.
      return withinAbsoluteLifetime(token, Date.now(), env().SESSION_ABSOLUTE_HOURS) ? token : null;
    },
    session({ session, token }) {
      session.account = accountFromToken(token);
      return session;
    },
  },
} satisfies NextAuthConfig;
