import 'server-only';
import { and, eq, lt } from 'drizzle-orm';
import { getDb, type DbOrTx } from '@/db/client';
import { administratorSessionAuthentications } from '@/db/schema';
import { env } from '@/lib/env';
import { isUuid } from '@/lib/ids';

/**
 * How an administrator session authenticated, in RFC 8176's words where it has one:
 * `pwd` password, `otp` authenticator-app code, `hwk` / `swk` a security key / a passkey held in
 * software (WebAuthn), `user` user verification on that key. Two of Sealpost's own: `rc` a
 * single-use recovery code, `fed` Domain sign-in (the organisation's identity provider vouched).
 */
export const AUTH_METHODS = ['pwd', 'otp', 'rc', 'hwk', 'swk', 'user', 'mfa', 'fed'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** The methods that are a second factor: any of them in `amr` is a fresh second factor. */
export const SECOND_FACTOR_METHODS: readonly AuthMethod[] = ['otp', 'rc', 'hwk', 'swk'];

/** How long an authentication counts as fresh for step-up. */
export const STEP_UP_MINUTES = 10;

/** The session's last authentication: how (`amr`) and when. */
export type SessionAuthentication = { amr: AuthMethod[]; at: Date };

export function isAuthMethod(value: unknown): value is AuthMethod {
  return typeof value === 'string' && (AUTH_METHODS as readonly string[]).includes(value);
}

/**
 * Records how and when a session authenticated. Without a `sessionId` it is a sign-in: a new
 * session id is made and returned (the caller's `authorize` hands it to Auth.js as the token's
 * `sid`). With one it is a step-up in that session: the record is replaced by this one.
 *
 *     // at sign-in (an Auth.js `authorize`):
 *     const sessionId = await recordAuthentication({ administratorId: admin.id }, ['pwd', 'otp']);
 *     return { id: admin.id, kind: 'administrator', sessionVersion, sessionId };
 *     // at a step-up:
 *     await recordAuthentication({ administratorId: actor.id, sessionId: actor.sessionId }, ['hwk', 'user']);
 */
export async function recordAuthentication(
  session: { administratorId: string; sessionId?: string },
  amr: readonly AuthMethod[],
  options: { now?: Date; db?: DbOrTx } = {},
): Promise<string> {
  const now = options.now ?? new Date();
  const db = options.db ?? getDb();
  const methods = [...new Set(amr)];
  if (session.sessionId) {
    if (!isUuid(session.sessionId)) throw new Error('recordAuthentication: a session id is a UUID');
    await db
      .insert(administratorSessionAuthentications)
      .values({ sessionId: session.sessionId, administratorId: session.administratorId, amr: methods, authenticatedAt: now, signedInAt: now })
      .onConflictDoUpdate({
        target: administratorSessionAuthentications.sessionId,
        set: { amr: methods, authenticatedAt: now },
        // Another administrator's session id is never taken over.
        setWhere: eq(administratorSessionAuthentications.administratorId, session.administratorId),
      });
    return session.sessionId;
  }
  const sessionId = crypto.randomUUID();
  // Records of sessions that have outlived any token are of no use.
  const oldest = new Date(now.getTime() - env().SESSION_ABSOLUTE_HOURS * 3_600_000);
  await db
    .delete(administratorSessionAuthentications)
    .where(and(eq(administratorSessionAuthentications.administratorId, session.administratorId), lt(administratorSessionAuthentications.signedInAt, oldest)));
  await db.insert(administratorSessionAuthentications).values({ sessionId, administratorId: session.administratorId, amr: methods, authenticatedAt: now, signedInAt: now });
  return sessionId;
}

/** The session's last authentication, or null (a session from before these records, or another administrator's id). */
export async function sessionAuthentication(session: { administratorId: string; sessionId: string }, db: DbOrTx = getDb()): Promise<SessionAuthentication | null> {
  if (!isUuid(session.sessionId)) return null;
  const [row] = await db
    .select({ amr: administratorSessionAuthentications.amr, at: administratorSessionAuthentications.authenticatedAt })
    .from(administratorSessionAuthentications)
    .where(and(eq(administratorSessionAuthentications.sessionId, session.sessionId), eq(administratorSessionAuthentications.administratorId, session.administratorId)));
  return row ? { amr: row.amr.filter(isAuthMethod), at: row.at } : null;
}

/**
 * Whether an authentication is fresh enough for a sensitive change: within STEP_UP_MINUTES
 * (a time in the future beyond a minute of clock skew is not believed), and, for an administrator
 * with a second factor, made with one. An administrator without one (only where the organisation
 * does not require it) steps up with the password, or a fresh sign-in.
 */
export function isFreshAuthentication(authentication: SessionAuthentication | null, hasSecondFactor: boolean, now: Date): boolean {
  if (!authentication) return false;
  const age = now.getTime() - authentication.at.getTime();
  if (age < -60_000 || age >= STEP_UP_MINUTES * 60_000) return false;
  return hasSecondFactor ? authentication.amr.some((m) => SECOND_FACTOR_METHODS.includes(m)) : authentication.amr.length > 0;
}

/** Ends every step-up of an administrator (their factors were reset, for instance). */
export async function forgetAuthentications(db: DbOrTx, administratorId: string): Promise<void> {
  await db.delete(administratorSessionAuthentications).where(eq(administratorSessionAuthentications.administratorId, administratorId));
}
