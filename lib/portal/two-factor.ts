import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import { getDb, type DbOrTx, type Tx } from '@/db/client';
import { policies, portalUsers, recipientAccounts, smsChallenges } from '@/db/schema';
import { AppError } from '@/lib/errors/app-error';
import { queueMessage } from '@/lib/mail/queue-message';
import { isUuid } from '@/lib/ids';

export const CODE_MINUTES = 10;
export const MAX_CODE_ATTEMPTS = 5;
export const CODE_INVALID = 'That code is not right, or it has expired. Check the latest text message, or send a new code.';

/**
 * The phone a portal user must confirm a code on, when an organisation that writes to them has a
 * policy requiring SMS two-factor and holds a phone number for them; null otherwise.
 */
export async function secondFactorPhone(db: DbOrTx, email: string): Promise<string | null> {
  const [row] = await db
    .select({ phone: recipientAccounts.phone })
    .from(recipientAccounts)
    .innerJoin(policies, and(eq(policies.orgId, recipientAccounts.orgId), eq(policies.enabled, true), eq(policies.delivery, 'sms_two_factor')))
    .where(and(eq(recipientAccounts.email, email.toLowerCase()), sql`${recipientAccounts.phone} is not null`))
    .limit(1);
  return row?.phone ?? null;
}

function hashCode(challengeId: string, code: string): string {
  return createHash('sha256').update(`${challengeId}:${code}`).digest('hex');
}

export function maskPhone(phone: string): string {
  return `${phone.slice(0, Math.min(4, phone.length - 4))}••• ${phone.slice(-4)}`;
}

export const MAX_CODES_SENT = 3;
export const TOO_MANY_CODES = 'Too many codes were sent. Wait 10 minutes and sign in again.';

/**
 * A fresh 6-digit code by SMS (through the outbox); earlier unused codes of the user stop working.
 * At most 3 codes per 10 minutes for one user, however they are asked for (signing in again or
 * "Send a new code"): the user's row is locked while the count is taken, so concurrent requests
 * cannot send more. This bounds both the texts anyone can make us send and the guesses at codes.
 */
export async function startSmsChallenge(tx: Tx, userId: string, phone: string, now: Date): Promise<string> {
  await tx.select({ id: portalUsers.id }).from(portalUsers).where(eq(portalUsers.id, userId)).for('update');
  const [recent] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(smsChallenges)
    .where(and(eq(smsChallenges.portalUserId, userId), gt(smsChallenges.createdAt, new Date(now.getTime() - CODE_MINUTES * 60_000))));
  if ((recent?.n ?? 0) >= MAX_CODES_SENT) throw new AppError('rate_limited', TOO_MANY_CODES);
  await tx
    .update(smsChallenges)
    .set({ usedAt: now })
    .where(and(eq(smsChallenges.portalUserId, userId), isNull(smsChallenges.usedAt)));
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const [challenge] = await tx
    .insert(smsChallenges)
    .values({ portalUserId: userId, phone, codeHash: 'pending', expiresAt: new Date(now.getTime() + CODE_MINUTES * 60_000), createdAt: now })
    .returning({ id: smsChallenges.id });
  await tx.update(smsChallenges).set({ codeHash: hashCode(challenge.id, code) }).where(eq(smsChallenges.id, challenge.id));
  await queueMessage(tx, {
    orgId: null,
    channel: 'sms',
    kind: 'sign_in_code',
    recipient: phone,
    bodyText: `Your Sealpost sign-in code is ${code}. It expires in ${CODE_MINUTES} minutes. Never share it.`,
  });
  return challenge.id;
}

/**
 * Checks a code: at most 5 tries, 10 minutes, single use even under concurrent submissions (each
 * try is counted by one conditional UPDATE, and the code is consumed by another).
 */
export async function verifySmsChallenge(challengeId: string, code: string, now = new Date()): Promise<{ userId: string }> {
  if (!isUuid(challengeId) || !/^\d{6}$/.test(code.trim())) throw new AppError('invalid_input', CODE_INVALID, { code: [CODE_INVALID] });
  const db = getDb();
  const [attempt] = await db
    .update(smsChallenges)
    .set({ attempts: sql`${smsChallenges.attempts} + 1` })
    .where(and(eq(smsChallenges.id, challengeId), isNull(smsChallenges.usedAt), gt(smsChallenges.expiresAt, now), lt(smsChallenges.attempts, MAX_CODE_ATTEMPTS)))
    .returning({ codeHash: smsChallenges.codeHash, userId: smsChallenges.portalUserId });
  if (!attempt) throw new AppError('expired', 'This code has expired or was tried too many times. Send a new code.');
  const expected = Buffer.from(attempt.codeHash, 'hex');
  const given = Buffer.from(hashCode(challengeId, code.trim()), 'hex');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new AppError('invalid_input', CODE_INVALID, { code: [CODE_INVALID] });
  const [consumed] = await db
    .update(smsChallenges)
    .set({ usedAt: now })
    .where(and(eq(smsChallenges.id, challengeId), isNull(smsChallenges.usedAt)))
    .returning({ userId: smsChallenges.portalUserId });
  if (!consumed) throw new AppError('expired', 'This code was already used. Sign in again.');
  return { userId: consumed.userId };
}

/** "Send a new code" (within `startSmsChallenge`'s limit of 3 codes per 10 minutes). */
export async function resendSmsChallenge(previousChallengeId: string, now = new Date()): Promise<{ challengeId: string; phone: string }> {
  if (!isUuid(previousChallengeId)) throw new AppError('expired', 'Sign in again to get a new code.');
  const db = getDb();
  const [previous] = await db.select({ userId: smsChallenges.portalUserId, phone: smsChallenges.phone }).from(smsChallenges).where(eq(smsChallenges.id, previousChallengeId));
  if (!previous) throw new AppError('expired', 'Sign in again to get a new code.');
  const challengeId = await db.transaction((tx) => startSmsChallenge(tx, previous.userId, previous.phone, now));
  return { challengeId, phone: previous.phone };
}
