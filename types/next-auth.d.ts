import type { DefaultSession } from 'next-auth';

declare module 'next-auth' {
  interface User {
    kind: 'administrator' | 'portal_user';
    sessionVersion: number;
    /** An administrator's sign-in: the session id its authentication was recorded under (lib/auth/amr.ts). */
    sessionId?: string;
    /** How the sign-in was made (RFC 8176 `amr`), when the provider says. */
    amr?: string[];
  }
  interface Session extends DefaultSession {
    account: { id: string; kind: 'administrator' | 'portal_user'; sessionVersion: number; sessionId: string };
  }
}

declare module '@auth/core/jwt' {
  interface JWT {
    kind?: 'administrator' | 'portal_user';
    sv?: number;
    /** A random id of this sign-in (a UUID). */
    sid?: string;
    /** Signed in at (seconds since the epoch): set once, kept through refreshes (auth.config.ts). */
    sia?: number;
    /** How this sign-in was made (RFC 8176 `amr`: e.g. ['hwk', 'user', 'mfa'] for a passkey), set once at sign-in. */
    amr?: string[];
  }
}
