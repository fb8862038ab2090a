import 'server-only';
import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { getDb, type DbOrTx, type Tx } from '@/db/client';
import { administratorRecoveryCodes, administrators, administratorSignInChallenges } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { AppError } from '@/lib/errors/app-error';
import { isUuid } from '@/lib/ids';
import { hasPasskeySql } from '@/lib/administrators/queries';
import { auditActorOf, type AdminActor } from './actor';
import { recordAuthentication, type AuthMethod } from './amr';
import { recordCompletedSignIn, recordFailedSecondFactor } from './authenticate';
import { administratorSource } from './sign-in-administrator';
import { recordThrottledAttempt, reserveAttempt, signInRules, waitMessage } from './throttle';
import { createToken, hashToken, looksLikeToken } from './tokens';
import { hashRecoveryCode, looksLikeRecoveryCode, newRecoveryCodes, newTotpSecret, totpProvisioning, totpTimeStep } from './totp';

export const CHALLENGE_MINUTES = 10;
export const MAX_CHALLENGE_ATTEMPTS = 5;
export const CODE_REFUSED = 'That code is not right, or it was already used. Enter the current code from your authenticator app, or a recovery code.';
export const SIGN_IN_AGAIN_FOR_CODE = 'This sign-in has expired or the code was tried too many times. Sign in again.';
const ALREADY_ON = 'Two-factor authentication is already on for your account.';

/** Whether the administrator signs in with an authenticator app. */
export async function hasTotp(administratorId: string): Promise<boolean> {
  const [row] = await getDb().select({ on: administrators.totpEnabledAt }).from(administrators).where(eq(administrators.id, administratorId));
  return Boolean(row?.on);
}

/**
 * The secret being enrolled, created on first look (and kept until confirmed, so reloading the
 * page shows the same QR code), or null when the app is already enrolled.
 */
export async function totpEnrolment(actor: AdminActor): Promise<{ secret: string; uri: string; qrDataUrl: string } | null> {
  const db = getDb();
  const [row] = await db.select({ secret: administrators.totpSecret, on: administrators.totpEnabledAt }).from(administrators).where(and(eq(administrators.id, actor.id), eq(administrators.orgId, actor.orgId)));
  if (!row || row.on) return null;
  let secret = row.secret;
  if (!secret) {
    const fresh = newTotpSecret();
    // Only set when still empty: two tabs opened at once show the same secret.
    const [set] = await db
      .update(administrators)
      .set({ totpSecret: fresh })
      .where(and(eq(administrators.id, actor.id), isNull(administrators.totpSecret), isNull(administrators.totpEnabledAt)))
      .returning({ secret: administrators.totpSecret });
    secret = set?.secret ?? (await db.select({ secret: administrators.totpSecret }).from(administrators).where(eq(administrators.id, actor.id)))[0]?.secret ?? null;
  }
  if (!secret) return null;
  return { secret, ...(await totpProvisioning({ secret, email: actor.email })) };
}

/** Ten new recovery codes replace the old ones (in the caller's transaction); returned once, only hashes kept. */
export async function replaceRecoveryCodes(tx: Tx, administratorId: string, now: Date): Promise<string[]> {
  const codes = newRecoveryCodes();
  await tx.delete(administratorRecoveryCodes).where(eq(administratorRecoveryCodes.administratorId, administratorId));
  await tx.insert(administratorRecoveryCodes).values(codes.map((code) => ({ administratorId, codeHash: hashRecoveryCode(code), createdAt: now })));
  return codes;
}

/**
 * Confirms the enrolment with a first code from the app: two-factor is on from now on, and ten
 * single-use recovery codes are returned (shown once; only their hashes are kept).
 */
export async function confirmTotpEnrolment(input: { actor: AdminActor; code: string; now?: Date }): Promise<{ recoveryCodes: string[] }> {
  const { actor, now = new Date() } = input;
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .select({ secret: administrators.totpSecret, on: administrators.totpEnabledAt })
      .from(administrators)
      .where(and(eq(administrators.id, actor.id), eq(administrators.orgId, actor.orgId)))
      .for('update');
    if (row?.on) throw new AppError('conflict', ALREADY_ON);
    if (!row?.secret) throw new AppError('expired', 'Open this page again to get a QR code.');
    const step = await totpTimeStep({ secret: row.secret, code: input.code, now, afterTimeStep: null });
    if (step === null) throw new AppError('invalid_input', CODE_REFUSED, { code: [CODE_REFUSED] });
    await tx.update(administrators).set({ totpEnabledAt: now, totpLastTimeStep: step, updatedAt: now }).where(eq(administrators.id, actor.id));
    const recoveryCodes = await replaceRecoveryCodes(tx, actor.id, now);
    // The first code is this session's second factor: no step-up is asked for straight after.
    if (actor.sessionId) await recordAuthentication({ administratorId: actor.id, sessionId: actor.sessionId }, ['pwd', 'otp'], { now, db: tx });
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'auth.two_factor_enabled',
      summary: `${actor.email} turned on two-factor authentication with an authenticator app`,
      target: { type: 'administrator', id: actor.id, label: actor.email },
      clientAddress: actor.clientAddress,
      now,
    });
    return { recoveryCodes };
  });
}

/** New recovery codes (the old ones stop working), shown once. */
export async function regenerateRecoveryCodes(input: { actor: AdminActor; now?: Date }): Promise<{ recoveryCodes: string[] }> {
  const { actor, now = new Date() } = input;
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .select({ on: administrators.totpEnabledAt, passkeys: hasPasskeySql })
      .from(administrators)
      .where(and(eq(administrators.id, actor.id), eq(administrators.orgId, actor.orgId)))
      .for('update');
    if (!row?.on && !row?.passkeys) throw new AppError('conflict', 'Turn on two-factor authentication first.');
    const recoveryCodes = await replaceRecoveryCodes(tx, actor.id, now);
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'auth.recovery_codes_regenerated',
      summary: `${actor.email} generated new recovery codes (the earlier ones no longer work)`,
      target: { type: 'administrator', id: actor.id, label: actor.email },
      clientAddress: actor.clientAddress,
      now,
    });
    return { recoveryCodes };
  });
}

export async function unusedRecoveryCodeCount(administratorId: string): Promise<number> {
  return getDb().$count(administratorRecoveryCodes, and(eq(administratorRecoveryCodes.administratorId, administratorId), isNull(administratorRecoveryCodes.usedAt)));
}

/** After a correct password: the sign-in waits for the code; the browser keeps the ticket. */
export async function startSecondFactor(administratorId: string, now = new Date()): Promise<{ challengeId: string; ticket: string }> {
  const { token, tokenHash } = createToken();
  const db = getDb();
  // Challenges that can no longer be used are of no use to anyone.
  await db.delete(administratorSignInChallenges).where(and(eq(administratorSignInChallenges.administratorId, administratorId), or(lt(administratorSignInChallenges.expiresAt, now), sql`${administratorSignInChallenges.usedAt} is not null`)));
  const [challenge] = await db
    .insert(administratorSignInChallenges)
    .values({ administratorId, ticketHash: tokenHash, expiresAt: new Date(now.getTime() + CHALLENGE_MINUTES * 60_000), createdAt: now })
    .returning({ id: administratorSignInChallenges.id });
  return { challengeId: challenge.id, ticket: token };
}

/** The administrator of a sign-in at its second step, as sign-in needs them (never more). */
export type SecondStepAccount = {
  id: string;
  orgId: string;
  email: string;
  passwordHash: string;
  sessionVersion: number;
  mustChangePassword: boolean;
  active: true;
  secret: string | null;
  on: Date | null;
  lastStep: number | null;
};

/** The sign-in's waiting second step, by its id and ticket, while unused, unexpired and with tries left. */
function usableChallenge(challengeId: string, ticket: string, now: Date) {
  return and(
    eq(administratorSignInChallenges.id, challengeId),
    eq(administratorSignInChallenges.ticketHash, hashToken(ticket)),
    isNull(administratorSignInChallenges.usedAt),
    gt(administratorSignInChallenges.expiresAt, now),
    lt(administratorSignInChallenges.attempts, MAX_CHALLENGE_ATTEMPTS),
  );
}

/**
 * One try at the second step of a sign-in (whatever the factor): the challenge must match its
 * ticket, be unused, within its 10 minutes and its 5 tries (this try is counted by the same
 * statement), and the try counts against the same throttle as passwords.
 */
export async function secondStepAccount(input: { challengeId: string; ticket: string; clientAddress: string; now: Date }): Promise<SecondStepAccount> {
  const { now } = input;
  if (!isUuid(input.challengeId) || !looksLikeToken(input.ticket)) throw new AppError('expired', SIGN_IN_AGAIN_FOR_CODE);
  const db = getDb();
  const [challenge] = await db
    .update(administratorSignInChallenges)
    .set({ attempts: sql`${administratorSignInChallenges.attempts} + 1` })
    .where(
      usableChallenge(input.challengeId, input.ticket, now),
    )
    .returning({ administratorId: administratorSignInChallenges.administratorId });
  if (!challenge) throw new AppError('expired', SIGN_IN_AGAIN_FOR_CODE);
  const [admin] = await db
    .select({
      id: administrators.id,
      orgId: administrators.orgId,
      email: administrators.email,
      status: administrators.status,
      passwordHash: administrators.passwordHash,
      sessionVersion: administrators.sessionVersion,
      mustChangePassword: administrators.mustChangePassword,
      secret: administrators.totpSecret,
      on: administrators.totpEnabledAt,
      lastStep: administrators.totpLastTimeStep,
    })
    .from(administrators)
    .where(eq(administrators.id, challenge.administratorId));
  if (!admin || admin.status !== 'active') throw new AppError('expired', SIGN_IN_AGAIN_FOR_CODE);
  const { status: _status, ...rest } = admin;
  const account = { ...rest, active: true as const };

  await refuseWhileThrottled(db, admin, input.clientAddress, now);
  return account;
}

/**
 * Counts one sign-in try of a known administrator against the sign-in throttle (the same as
 * passwords'); while throttled, the try is refused with how long to wait, and counted in one
 * audit event a window.
 */
export async function refuseWhileThrottled(db: DbOrTx, admin: { id: string; orgId: string; email: string }, clientAddress: string, now: Date): Promise<void> {
  const throttled = await reserveAttempt(db, signInRules(admin.email, clientAddress, 'administrator'), now);
  if (!throttled) return;
  await db.transaction((tx) =>
    recordThrottledAttempt(tx, throttled.key, {
      orgId: admin.orgId,
      actor: { type: 'administrator', id: admin.id, email: admin.email },
      action: 'auth.sign_in_failed',
      summary: (n) => `${n} sign-in attempt${n === 1 ? '' : 's'} for ${admin.email} refused while throttled`,
      target: { type: 'administrator', id: admin.id, label: admin.email },
      clientAddress,
      metadata: { reason: 'throttled', kind: 'administrator' },
      now,
    }),
  );
  throw new AppError('rate_limited', waitMessage(throttled.wait));
}

/** The second step succeeded: the challenge is spent and the sign-in recorded (`how`: "with …"). */
export async function finishSecondStep(account: SecondStepAccount, input: { challengeId: string; clientAddress: string; how: string; amr?: string[]; now: Date }) {
  await getDb().update(administratorSignInChallenges).set({ usedAt: input.now }).where(eq(administratorSignInChallenges.id, input.challengeId));
  await recordCompletedSignIn(administratorSource, account, { clientAddress: input.clientAddress, how: input.how, amr: input.amr, now: input.now });
}

/**
 * The sign-in's waiting second step, if its ticket is right and it can still be used (nothing is
 * counted): which factors the administrator has, for the code page to offer.
 */
export async function secondStepFactors(input: { challengeId: string; ticket: string; now?: Date }): Promise<{ administratorId: string; totp: boolean; passkeys: boolean } | null> {
  const now = input.now ?? new Date();
  if (!isUuid(input.challengeId) || !looksLikeToken(input.ticket)) return null;
  const [row] = await getDb()
    .select({
      administratorId: administratorSignInChallenges.administratorId,
      totp: administrators.totpEnabledAt,
      passkeys: hasPasskeySql,
    })
    .from(administratorSignInChallenges)
    .innerJoin(administrators, eq(administrators.id, administratorSignInChallenges.administratorId))
    .where(
      and(usableChallenge(input.challengeId, input.ticket, now), eq(administrators.status, 'active')),
    );
  return row ? { administratorId: row.administratorId, totp: Boolean(row.totp), passkeys: row.passkeys } : null;
}

/**
 * The second step of an administrator's sign-in with a code: a current authenticator code
 * (accepted once: its time step must be later than the last accepted one, decided by one
 * conditional UPDATE) or an unused recovery code (consumed by one conditional UPDATE). Each try
 * counts against the challenge (5) and against the same throttle as passwords; every refusal is
 * an audit event.
 */
export async function completeSecondFactor(input: { challengeId: string; ticket: string; code: string; clientAddress: string; now?: Date }): Promise<{ id: string; sessionVersion: number; amr: AuthMethod[] }> {
  const now = input.now ?? new Date();
  const admin = await secondStepAccount({ ...input, now });
  const used = await consumeSecondFactorCode(getDb(), { id: admin.id, secret: admin.on ? admin.secret : null, lastStep: admin.lastStep }, input.code, now);
  const how = used === 'otp' ? 'with an authenticator code' : used === 'rc' ? 'with a recovery code' : null;
  if (!used || !how) {
    await recordFailedSecondFactor(admin, 'administrator', { clientAddress: input.clientAddress, reason: 'wrong or reused second-factor code', now });
    throw new AppError('invalid_input', CODE_REFUSED, { code: [CODE_REFUSED] });
  }
  await finishSecondStep(admin, { challengeId: input.challengeId, clientAddress: input.clientAddress, how, now });
  return { id: admin.id, sessionVersion: admin.sessionVersion, amr: ['pwd', used] };
}

/**
 * Checks an authenticator code (accepted once: its time step must be later than the last
 * accepted one, decided by one conditional UPDATE) or an unused recovery code (consumed by one
 * conditional UPDATE). Returns how (`otp` or `rc`), or null when neither is right. No secret (an
 * administrator whose only factor is a passkey): recovery codes only.
 */
export async function consumeSecondFactorCode(
  db: DbOrTx,
  admin: { id: string; secret: string | null; lastStep: number | null },
  code: string,
  now: Date,
): Promise<'otp' | 'rc' | null> {
  const step = admin.secret ? await totpTimeStep({ secret: admin.secret, code, now, afterTimeStep: admin.lastStep }) : null;
  if (step !== null) {
    // Two tabs sending the same code at once: only one moves the last step forward.
    const [moved] = await db
      .update(administrators)
      .set({ totpLastTimeStep: step })
      .where(and(eq(administrators.id, admin.id), or(isNull(administrators.totpLastTimeStep), lt(administrators.totpLastTimeStep, step))))
      .returning({ id: administrators.id });
    return moved ? 'otp' : null;
  }
  if (looksLikeRecoveryCode(code)) {
    const [used] = await db
      .update(administratorRecoveryCodes)
      .set({ usedAt: now })
      .where(and(eq(administratorRecoveryCodes.administratorId, admin.id), eq(administratorRecoveryCodes.codeHash, hashRecoveryCode(code)), isNull(administratorRecoveryCodes.usedAt)))
      .returning({ id: administratorRecoveryCodes.id });
    if (used) return 'rc';
  }
  return null;
}
