import 'server-only';
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, inArray, isNull, lt, sql } from 'drizzle-orm';
import { SESSION_MAX_AGE_SECONDS } from '@/auth.config';
import { getDb, type DbOrTx } from '@/db/client';
import { organisations, outboxMessages, policies, portalUsers, recipientAccounts, smsChallenges, smsVerifications } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { AppError } from '@/lib/errors/app-error';
import { queueMessage } from '@/lib/mail/queue-message';
import { isUuid } from '@/lib/ids';
import { maskPhone } from '@/lib/phone';

/*
 * SMS two-factor for recipients, one organisation at a time.
 *
 * A portal account is one address shared by every organisation that writes to it, so no
 * organisation's settings may decide how the account signs in: the password alone opens the
 * portal. An organisation whose enabled policies include SMS two-factor, and whose recipient list
 * holds a phone number for the address, locks ITS messages to that person behind an SMS step:
 * opening one (page, print, attachments, reply) and seeing its subject in lists and search needs
 * this session to have confirmed a code sent to THAT organisation's number. Passing organisation
 * A's step opens nothing of organisation B, and A's number is never used for B's messages. With
 * the policy on but no phone for the address, the password is enough (as before).
 */

export const CODE_MINUTES = 10;
export const MAX_CODE_ATTEMPTS = 5;
export const MAX_CODES_SENT = 3;
export const CODE_INVALID = 'That code is not right, or it has expired. Check the latest text message, or send a new code.';
export const TOO_MANY_CODES = 'Too many codes were sent. Wait 10 minutes and ask for a new code.';
export const SMS_STEP_REQUIRED = 'Enter the code sent to you by text message to open this message.';
const NO_CODE = 'This code has expired or was tried too many times. Send a new code.';

/** Who is reading: the portal user and the sign-in (session) the step is passed for. */
export type SmsViewer = { id: string; email: string; sessionId: string };

/**
 * The organisations whose messages this session may not open yet, each with its own phone number
 * for the viewer: an enabled SMS two-factor policy, a phone in its recipient list for this
 * address, and no step passed in this session for that number. Limited to `orgIds` when given.
 */
export async function smsLockedOrgs(db: DbOrTx, viewer: SmsViewer, orgIds?: string[], now = new Date()): Promise<Map<string, string>> {
  if (orgIds && orgIds.length === 0) return new Map();
  const sessionId = isUuid(viewer.sessionId) ? viewer.sessionId : null;
  const rows = await db
    .select({ orgId: recipientAccounts.orgId, phone: recipientAccounts.phone })
    .from(recipientAccounts)
    .where(
      and(
        eq(recipientAccounts.email, viewer.email.toLowerCase()),
        sql`${recipientAccounts.phone} is not null`,
        orgIds ? inArray(recipientAccounts.orgId, orgIds) : undefined,
        sql`exists (select 1 from ${policies} where ${policies.orgId} = ${recipientAccounts.orgId} and ${policies.enabled} and ${policies.delivery} = 'sms_two_factor')`,
        sessionId
          ? sql`not exists (select 1 from ${smsVerifications} where ${and(
              eq(smsVerifications.sessionId, sessionId),
              eq(smsVerifications.orgId, recipientAccounts.orgId),
              eq(smsVerifications.portalUserId, viewer.id),
              eq(smsVerifications.phone, recipientAccounts.phone),
              gt(smsVerifications.expiresAt, now),
            )})`
          : undefined,
      ),
    );
  return new Map(rows.flatMap((r) => (r.phone ? [[r.orgId, r.phone] as const] : [])));
}

/**
 * What the SMS step of one organisation shows: its name, the masked number, whether a code is
 * waiting, and whether the text carrying it could not be sent (the provider refused the number).
 */
export type SmsStep = { orgId: string; orgName: string; phoneHint: string; codeSent: boolean; codeFailed: boolean };

/** The step `orgId` asks of this session, or null when its messages are open to it. */
export async function smsStepFor(viewer: SmsViewer, orgId: string, now = new Date()): Promise<SmsStep | null> {
  const db = getDb();
  const phone = (await smsLockedOrgs(db, viewer, [orgId], now)).get(orgId);
  if (!phone) return null;
  const [org] = await db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, orgId));
  const [waiting] = await db
    .select({ id: smsChallenges.id, textStatus: outboxMessages.status })
    .from(smsChallenges)
    .leftJoin(outboxMessages, eq(outboxMessages.id, smsChallenges.outboxMessageId))
    .where(and(liveChallenge(viewer, orgId, now), eq(smsChallenges.phone, phone)))
    .limit(1);
  return { orgId, orgName: org?.name ?? 'The organisation', phoneHint: maskPhone(phone), codeSent: Boolean(waiting), codeFailed: waiting?.textStatus === 'failed' };
}

/** The session's one usable challenge for the organisation (a new one retires the earlier ones). */
function liveChallenge(viewer: SmsViewer, orgId: string, now: Date) {
  return and(
    eq(smsChallenges.sessionId, viewer.sessionId),
    eq(smsChallenges.orgId, orgId),
    eq(smsChallenges.portalUserId, viewer.id),
    isNull(smsChallenges.usedAt),
    gt(smsChallenges.expiresAt, now),
    lt(smsChallenges.attempts, MAX_CODE_ATTEMPTS),
  );
}

function hashCode(challengeId: string, code: string): string {
  return createHash('sha256').update(`${challengeId}:${code}`).digest('hex');
}

/**
 * Sends a fresh 6-digit code to the organisation's number for this recipient (through the
 * outbox); the session's earlier codes for that organisation stop working. At most 3 codes per
 * 10 minutes for one recipient and organisation, however asked for: the user's row is locked
 * while the count is taken, so concurrent requests cannot send more. Refused ("not found") when
 * the organisation asks no step of this session.
 */
export async function sendSmsCode(input: { viewer: SmsViewer; orgId: string; now?: Date }): Promise<{ phoneHint: string }> {
  const now = input.now ?? new Date();
  const { viewer, orgId } = input;
  if (!isUuid(orgId) || !isUuid(viewer.sessionId)) throw new AppError('not_found', 'There is no code to send for this message.');
  return getDb().transaction(async (tx) => {
    await tx.select({ id: portalUsers.id }).from(portalUsers).where(eq(portalUsers.id, viewer.id)).for('update');
    const phone = (await smsLockedOrgs(tx, viewer, [orgId], now)).get(orgId);
    if (!phone) throw new AppError('not_found', 'There is no code to send for this message.');
    const [recent] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(smsChallenges)
      .where(and(eq(smsChallenges.portalUserId, viewer.id), eq(smsChallenges.orgId, orgId), gt(smsChallenges.createdAt, new Date(now.getTime() - CODE_MINUTES * 60_000))));
    if ((recent?.n ?? 0) >= MAX_CODES_SENT) throw new AppError('rate_limited', TOO_MANY_CODES);
    await tx
      .update(smsChallenges)
      .set({ usedAt: now })
      .where(and(eq(smsChallenges.sessionId, viewer.sessionId), eq(smsChallenges.orgId, orgId), isNull(smsChallenges.usedAt)));
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const [challenge] = await tx
      .insert(smsChallenges)
      .values({ portalUserId: viewer.id, sessionId: viewer.sessionId, orgId, phone, codeHash: 'pending', expiresAt: new Date(now.getTime() + CODE_MINUTES * 60_000), createdAt: now })
      .returning({ id: smsChallenges.id });
    const outboxMessageId = await queueMessage(tx, {
      orgId,
      channel: 'sms',
      kind: 'sign_in_code',
      recipient: phone,
      bodyText: `Your Sealpost code is ${code}. It expires in ${CODE_MINUTES} minutes. Never share it.`,
      carriesSecret: true,
    });
    await tx.update(smsChallenges).set({ codeHash: hashCode(challenge.id, code), outboxMessageId }).where(eq(smsChallenges.id, challenge.id));
    return { phoneHint: maskPhone(phone) };
  });
}

/**
 * Checks a code for the organisation's step in this session: at most 5 tries, 10 minutes, single
 * use even under concurrent submissions (each try is counted by one conditional UPDATE, and the
 * code is consumed by another, in the same transaction that records the passed step). Every try is
 * an audit event of that organisation.
 */
export async function verifySmsCode(input: { viewer: SmsViewer; orgId: string; code: string; clientAddress: string; now?: Date }): Promise<void> {
  const now = input.now ?? new Date();
  const { viewer, orgId } = input;
  const code = input.code.trim();
  if (!/^\d{6}$/.test(code)) throw new AppError('invalid_input', CODE_INVALID, { code: [CODE_INVALID] });
  if (!isUuid(orgId) || !isUuid(viewer.sessionId)) throw new AppError('expired', NO_CODE);
  const db = getDb();
  const [attempt] = await db
    .update(smsChallenges)
    .set({ attempts: sql`${smsChallenges.attempts} + 1` })
    .where(liveChallenge(viewer, orgId, now))
    .returning({ id: smsChallenges.id, codeHash: smsChallenges.codeHash, phone: smsChallenges.phone });
  const audit = (action: 'auth.sms_verified' | 'auth.sign_in_failed', summary: string, reason?: string) =>
    record(db, { viewer, orgId, action, summary, reason, clientAddress: input.clientAddress, now });
  if (!attempt) {
    await audit('auth.sign_in_failed', `Failed SMS code for ${viewer.email} (no code waiting, expired or tried too often)`, 'expired SMS code');
    throw new AppError('expired', NO_CODE);
  }
  const expected = Buffer.from(attempt.codeHash, 'hex');
  const given = Buffer.from(hashCode(attempt.id, code), 'hex');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    await audit('auth.sign_in_failed', `Failed SMS code for ${viewer.email} (wrong code)`, 'wrong SMS code');
    throw new AppError('invalid_input', CODE_INVALID, { code: [CODE_INVALID] });
  }
  await db.transaction(async (tx) => {
    const [consumed] = await tx
      .update(smsChallenges)
      .set({ usedAt: now })
      .where(and(eq(smsChallenges.id, attempt.id), isNull(smsChallenges.usedAt)))
      .returning({ id: smsChallenges.id });
    if (!consumed) throw new AppError('expired', 'This code was already used. Send a new code.');
    const expiresAt = new Date(now.getTime() + SESSION_MAX_AGE_SECONDS * 1000);
    await tx
      .insert(smsVerifications)
      .values({ sessionId: viewer.sessionId, orgId, portalUserId: viewer.id, phone: attempt.phone, verifiedAt: now, expiresAt })
      .onConflictDoUpdate({ target: [smsVerifications.sessionId, smsVerifications.orgId], set: { portalUserId: viewer.id, phone: attempt.phone, verifiedAt: now, expiresAt } });
    // Steps of sessions that have ended are of no use to anyone.
    await tx.delete(smsVerifications).where(and(eq(smsVerifications.portalUserId, viewer.id), lt(smsVerifications.expiresAt, now)));
    await record(tx, { viewer, orgId, action: 'auth.sms_verified', summary: `${viewer.email} entered the SMS code to open secure messages`, clientAddress: input.clientAddress, now });
  });
}

async function record(
  tx: DbOrTx,
  input: { viewer: SmsViewer; orgId: string; action: 'auth.sms_verified' | 'auth.sign_in_failed'; summary: string; reason?: string; clientAddress: string; now: Date },
) {
  await recordAuditEvent(tx, {
    orgId: input.orgId,
    actor: { type: 'portal_user', id: input.viewer.id, email: input.viewer.email },
    action: input.action,
    summary: input.summary,
    target: { type: 'portal_user', id: input.viewer.id, label: input.viewer.email },
    clientAddress: input.clientAddress,
    metadata: input.reason ? { reason: input.reason, kind: 'portal_user' } : { kind: 'portal_user' },
    now: input.now,
  });
}

/** Signing out (or a password change) ends every session of the user: their passed steps go too. */
export async function forgetSmsSteps(tx: DbOrTx, userId: string): Promise<void> {
  await tx.delete(smsVerifications).where(eq(smsVerifications.portalUserId, userId));
}
