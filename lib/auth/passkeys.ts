import 'server-only';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { and, asc, count, eq, gt, lt, or, sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '@/db/client';
import { administratorPasskeys, administratorRecoveryCodes, administrators, organisations, webauthnChallenges } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { DOMAIN_SIGN_IN_REQUIRED, signInMethodFor } from '@/lib/domain-sign-in/queries';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors/app-error';
import { isUuid } from '@/lib/ids';
import { log } from '@/lib/log';
import { auditActorOf, type AdminActor } from './actor';
import { recordCompletedSignIn, recordFailedSecondFactor } from './authenticate';
import { administratorSource } from './sign-in-administrator';
import { recordThrottledAttempt, refundAttempts, reserveAttempt, signInRules, takeAttempt, waitMessage, type ThrottleRule } from './throttle';
import { finishSecondStep, refuseWhileThrottled, replaceRecoveryCodes, secondStepAccount, secondStepFactors, SIGN_IN_AGAIN_FOR_CODE } from './two-factor';

/** A challenge handed to the browser is good for this long, and once. */
export const PASSKEY_CHALLENGE_MINUTES = 5;
/** How long the browser waits for the authenticator (ms). */
const CEREMONY_TIMEOUT_MS = 120_000;
export const MAX_PASSKEYS = 20;

export const PASSKEY_REQUEST_EXPIRED = 'This passkey request has expired. Try again.';
export const PASSKEY_REFUSED = 'That passkey was not accepted. Try again, or sign in another way.';
export const PASSKEY_UNKNOWN = 'This passkey is not registered with Sealpost. Sign in with your email address and password.';
export const PASSKEY_NEEDS_VERIFICATION = 'Signing in without a password needs a passkey that checks it is you (a PIN, fingerprint or face). Sign in with your password instead.';
const LAST_REQUIRED_FACTOR = 'Your organisation requires two-factor authentication: add another passkey or an authenticator app before removing your last one.';
const NOT_FOUND = 'That passkey no longer exists.';

/**
 * The relying party, from APP_URL: its host name is the RP ID (passkeys work on this host and
 * its subdomains only) and its origin the one the browser must report. Browsers refuse WebAuthn on
 * an IP address, so APP_URL must use a host name (localhost counts).
 */
export function relyingParty(): { id: string; origin: string; name: string } {
  const url = new URL(env().APP_URL);
  return { id: url.hostname, origin: url.origin, name: 'Sealpost' };
}

/**
 * RFC 8176 `amr` values of a sign-in with this passkey: `swk` for a passkey synced between
 * devices (a software-held key), `hwk` for one bound to its authenticator, `user` (presence was
 * tested), `pwd` when the password came first, and `mfa`: a password and a passkey, or a passkey
 * that verified its user (PIN or biometrics; required without a password), are two factors.
 */
export function passkeyAmr(passkey: { deviceType: 'singleDevice' | 'multiDevice' }, withPassword: boolean): string[] {
  const key = passkey.deviceType === 'multiDevice' ? 'swk' : 'hwk';
  return withPassword ? ['pwd', key, 'user', 'mfa'] : [key, 'user', 'mfa'];
}

/** The user handle of an administrator's credentials: the 16 bytes of their id (no email, nothing personal). */
export function userHandleOf(administratorId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(administratorId.replace(/-/g, ''), 'hex'));
}

export type PasskeyView = {
  id: string;
  name: string;
  /** "Synced passkey", "Passkey on this device" or "Security key": what people call them. */
  kind: 'synced' | 'device' | 'security_key';
  createdAt: Date;
  lastUsedAt: Date | null;
};

function kindOf(row: { deviceType: string; transports: string[] }): PasskeyView['kind'] {
  if (row.deviceType === 'multiDevice') return 'synced';
  return row.transports.some((t) => t === 'usb' || t === 'nfc' || t === 'ble') ? 'security_key' : 'device';
}

/** The administrator's passkeys, oldest first. */
export async function listPasskeys(db: DbOrTx, administratorId: string): Promise<PasskeyView[]> {
  const rows = await db
    .select({
      id: administratorPasskeys.id,
      name: administratorPasskeys.name,
      deviceType: administratorPasskeys.deviceType,
      transports: administratorPasskeys.transports,
      createdAt: administratorPasskeys.createdAt,
      lastUsedAt: administratorPasskeys.lastUsedAt,
    })
    .from(administratorPasskeys)
    .where(eq(administratorPasskeys.administratorId, administratorId))
    .orderBy(asc(administratorPasskeys.createdAt), asc(administratorPasskeys.id));
  return rows.map((row) => ({ id: row.id, name: row.name, kind: kindOf(row), createdAt: row.createdAt, lastUsedAt: row.lastUsedAt }));
}

async function newChallenge(
  db: DbOrTx,
  row: { purpose: 'registration' | 'sign_in' | 'second_factor'; challenge: string; administratorId?: string; signInChallengeId?: string },
  now: Date,
): Promise<string> {
  // Challenges nobody answered in time are of no use to anyone.
  await db.delete(webauthnChallenges).where(lt(webauthnChallenges.expiresAt, now));
  const [inserted] = await db
    .insert(webauthnChallenges)
    .values({ ...row, expiresAt: new Date(now.getTime() + PASSKEY_CHALLENGE_MINUTES * 60_000), createdAt: now })
    .returning({ id: webauthnChallenges.id });
  return inserted.id;
}

/**
 * Takes a challenge for good (one DELETE: of two answers racing, one gets it), if it is of this
 * kind, for this administrator or sign-in, and still within its minutes. Null otherwise.
 */
async function takeChallenge(
  db: DbOrTx,
  input: { id: string; purpose: 'registration' | 'sign_in' | 'second_factor'; administratorId?: string; signInChallengeId?: string },
  now: Date,
): Promise<string | null> {
  if (!isUuid(input.id)) return null;
  const [row] = await db
    .delete(webauthnChallenges)
    .where(
      and(
        eq(webauthnChallenges.id, input.id),
        eq(webauthnChallenges.purpose, input.purpose),
        gt(webauthnChallenges.expiresAt, now),
        input.administratorId ? eq(webauthnChallenges.administratorId, input.administratorId) : undefined,
        input.signInChallengeId ? eq(webauthnChallenges.signInChallengeId, input.signInChallengeId) : undefined,
      ),
    )
    .returning({ challenge: webauthnChallenges.challenge });
  return row?.challenge ?? null;
}

// ---------------------------------------------------------------------------------------------
// Registration

/**
 * The options for the browser to create a passkey for the signed-in administrator. Their existing
 * passkeys are excluded (the same authenticator is not registered twice); the authenticator is
 * asked to keep the credential (so it can sign in without a password) and to verify its user
 * when it can. Also allowed while enrolment is required.
 */
export async function passkeyRegistrationOptions(input: { actor: AdminActor; now?: Date }): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
  const { actor, now = new Date() } = input;
  const db = getDb();
  const existing = await db
    .select({ credentialId: administratorPasskeys.credentialId, transports: administratorPasskeys.transports })
    .from(administratorPasskeys)
    .where(eq(administratorPasskeys.administratorId, actor.id));
  if (existing.length >= MAX_PASSKEYS) throw new AppError('conflict', `You have ${MAX_PASSKEYS} passkeys, the most there can be. Remove one first.`);
  const rp = relyingParty();
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: actor.email,
    userDisplayName: actor.name,
    userID: userHandleOf(actor.id),
    attestationType: 'none',
    timeout: CEREMONY_TIMEOUT_MS,
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
  const challengeId = await newChallenge(db, { purpose: 'registration', challenge: options.challenge, administratorId: actor.id }, now);
  return { challengeId, options };
}

/**
 * Checks the browser's answer and keeps the passkey (audit event). The first second factor of an
 * administrator also turns two-factor authentication on: ten recovery codes are returned then
 * (shown once), as with an authenticator app.
 */
export async function addPasskey(input: {
  actor: AdminActor;
  challengeId: string;
  name: string;
  response: RegistrationResponseJSON;
  now?: Date;
}): Promise<{ id: string; name: string; recoveryCodes: string[] | null }> {
  const { actor, now = new Date() } = input;
  const db = getDb();
  const challenge = await takeChallenge(db, { id: input.challengeId, purpose: 'registration', administratorId: actor.id }, now);
  if (!challenge) throw new AppError('expired', PASSKEY_REQUEST_EXPIRED);
  const rp = relyingParty();
  let registration;
  try {
    const verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      // A security key without a PIN is a fine second factor; signing in without a password
      // checks user verification at that moment.
      requireUserVerification: false,
    });
    if (!verified.verified) throw new Error('registration not verified');
    registration = verified.registrationInfo;
  } catch (e) {
    log('passkeys').info({ reason: e instanceof Error ? e.message : String(e) }, 'passkey registration refused');
    throw new AppError('invalid_input', 'The passkey could not be added. Try again.');
  }
  const transports = (input.response.response.transports ?? []).filter((t) => t !== 'cable');
  const deviceType = registration.credentialDeviceType;
  const kind = kindOf({ deviceType, transports });
  const name = input.name.trim() || (kind === 'security_key' ? 'Security key' : 'Passkey');

  return db.transaction(async (tx) => {
    // One at a time per administrator: the count, "first factor" and the insert agree.
    const [admin] = await tx
      .select({ totpOn: administrators.totpEnabledAt })
      .from(administrators)
      .where(and(eq(administrators.id, actor.id), eq(administrators.orgId, actor.orgId)))
      .for('update');
    if (!admin) throw new AppError('not_found', 'Your account no longer exists.');
    const [{ n }] = await tx.select({ n: count() }).from(administratorPasskeys).where(eq(administratorPasskeys.administratorId, actor.id));
    if (n >= MAX_PASSKEYS) throw new AppError('conflict', `You have ${MAX_PASSKEYS} passkeys, the most there can be. Remove one first.`);
    const [inserted] = await tx
      .insert(administratorPasskeys)
      .values({
        administratorId: actor.id,
        credentialId: registration.credential.id,
        publicKey: Buffer.from(registration.credential.publicKey),
        counter: registration.credential.counter,
        transports,
        name,
        deviceType,
        backedUp: registration.credentialBackedUp,
        createdAt: now,
      })
      .onConflictDoNothing({ target: administratorPasskeys.credentialId })
      .returning({ id: administratorPasskeys.id });
    if (!inserted) throw new AppError('conflict', 'This passkey is already registered.');
    const first = !admin.totpOn && n === 0;
    const recoveryCodes = first ? await replaceRecoveryCodes(tx, actor.id, now) : null;
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'auth.passkey_added',
      summary: `${actor.email} added the passkey "${name}"`,
      target: { type: 'administrator', id: actor.id, label: actor.email },
      clientAddress: actor.clientAddress,
      metadata: { passkeyId: inserted.id, name, kind, userVerified: registration.userVerified },
      now,
    });
    if (first) {
      await recordAuditEvent(tx, {
        orgId: actor.orgId,
        actor: auditActorOf(actor),
        action: 'auth.two_factor_enabled',
        summary: `${actor.email} turned on two-factor authentication with a passkey`,
        target: { type: 'administrator', id: actor.id, label: actor.email },
        clientAddress: actor.clientAddress,
        now,
      });
    }
    return { id: inserted.id, name, recoveryCodes };
  });
}

export async function renamePasskey(input: { actor: AdminActor; id: string; name: string; now?: Date }): Promise<void> {
  const { actor, now = new Date() } = input;
  const name = input.name.trim();
  if (!name) throw new AppError('invalid_input', 'Enter a name.', { name: ['Enter a name.'] });
  if (!isUuid(input.id)) throw new AppError('not_found', NOT_FOUND);
  await getDb().transaction(async (tx) => {
    const [before] = await tx
      .select({ name: administratorPasskeys.name })
      .from(administratorPasskeys)
      .where(and(eq(administratorPasskeys.id, input.id), eq(administratorPasskeys.administratorId, actor.id)))
      .for('update');
    if (!before) throw new AppError('not_found', NOT_FOUND);
    if (before.name === name) return;
    await tx.update(administratorPasskeys).set({ name }).where(eq(administratorPasskeys.id, input.id));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'auth.passkey_renamed',
      summary: `${actor.email} renamed the passkey "${before.name}" to "${name}"`,
      target: { type: 'administrator', id: actor.id, label: actor.email },
      clientAddress: actor.clientAddress,
      metadata: { passkeyId: input.id, from: before.name, to: name },
      now,
    });
  });
}

/**
 * Removes a passkey: it no longer signs in, from this moment. The last second factor of an
 * administrator whose organisation requires one stays until another is added; without any
 * factor left, the recovery codes go too (nothing for them to stand in for).
 */
export async function removePasskey(input: { actor: AdminActor; id: string; now?: Date }): Promise<void> {
  const { actor, now = new Date() } = input;
  if (!isUuid(input.id)) throw new AppError('not_found', NOT_FOUND);
  await getDb().transaction(async (tx) => {
    const [admin] = await tx
      .select({ totpOn: administrators.totpEnabledAt, required: organisations.requireAdministratorTwoFactor })
      .from(administrators)
      .innerJoin(organisations, eq(organisations.id, administrators.orgId))
      .where(and(eq(administrators.id, actor.id), eq(administrators.orgId, actor.orgId)))
      .for('update', { of: administrators });
    if (!admin) throw new AppError('not_found', NOT_FOUND);
    const [removed] = await tx
      .delete(administratorPasskeys)
      .where(and(eq(administratorPasskeys.id, input.id), eq(administratorPasskeys.administratorId, actor.id)))
      .returning({ name: administratorPasskeys.name });
    if (!removed) throw new AppError('not_found', NOT_FOUND);
    const [{ left }] = await tx.select({ left: count() }).from(administratorPasskeys).where(eq(administratorPasskeys.administratorId, actor.id));
    const noneLeft = !admin.totpOn && left === 0;
    // Thrown inside the transaction: the passkey stays.
    if (noneLeft && admin.required) throw new AppError('conflict', LAST_REQUIRED_FACTOR);
    if (noneLeft) await tx.delete(administratorRecoveryCodes).where(eq(administratorRecoveryCodes.administratorId, actor.id));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'auth.passkey_removed',
      summary: `${actor.email} removed the passkey "${removed.name}"${noneLeft ? ' (two-factor authentication is now off)' : ''}`,
      target: { type: 'administrator', id: actor.id, label: actor.email },
      clientAddress: actor.clientAddress,
      metadata: { passkeyId: input.id, name: removed.name, twoFactorOff: noneLeft },
      now,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Signing in

type StoredPasskey = typeof administratorPasskeys.$inferSelect;

function credentialOf(passkey: StoredPasskey) {
  return { id: passkey.credentialId, publicKey: new Uint8Array(passkey.publicKey), counter: passkey.counter, transports: passkey.transports };
}

/**
 * Checks an assertion against the stored passkey and moves its counter forward. The reason of a
 * refusal (for the audit trail), or null when it is good. An authenticator that keeps a counter
 * must report a larger one each time: an equal or smaller one (a cloned key, or a replay) is
 * refused — by the library, and again by the conditional UPDATE for two answers racing.
 */
async function checkAssertion(passkey: StoredPasskey, input: { response: AuthenticationResponseJSON; challenge: string; requireUserVerification: boolean; now: Date }): Promise<string | null> {
  const rp = relyingParty();
  let newCounter: number;
  try {
    const verified = await verifyAuthenticationResponse({
      response: input.response,
      expectedChallenge: input.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: credentialOf(passkey),
      requireUserVerification: input.requireUserVerification,
    });
    if (!verified.verified) return 'passkey signature not verified';
    newCounter = verified.authenticationInfo.newCounter;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/counter/i.test(message)) return 'passkey counter did not increase (possibly a cloned authenticator)';
    if (/user verification/i.test(message)) return 'passkey did not verify its user';
    return `passkey not verified: ${message.slice(0, 120)}`;
  }
  const [moved] = await getDb()
    .update(administratorPasskeys)
    .set({ counter: newCounter, lastUsedAt: input.now })
    .where(
      and(
        eq(administratorPasskeys.id, passkey.id),
        or(lt(administratorPasskeys.counter, newCounter), and(eq(administratorPasskeys.counter, 0), sql`${newCounter} = 0`)),
      ),
    )
    .returning({ id: administratorPasskeys.id });
  return moved ? null : 'passkey counter did not increase (possibly a cloned authenticator)';
}

/** Password-less sign-in: counted per client address, so nobody can fill the table from one. */
const optionsRule = (clientAddress: string): ThrottleRule => ({ key: `passkey-options:address:${clientAddress}`, limit: 60, windowSeconds: 15 * 60 });

/**
 * The options for a password-less sign-in: no credentials listed (the authenticator offers the
 * passkeys it keeps for this site), user verification required.
 */
export async function passkeySignInOptions(input: { clientAddress: string; now?: Date }): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  const now = input.now ?? new Date();
  const db = getDb();
  await takeAttempt(db, [optionsRule(input.clientAddress)], now);
  const options = await generateAuthenticationOptions({ rpID: relyingParty().id, userVerification: 'required', timeout: CEREMONY_TIMEOUT_MS });
  const challengeId = await newChallenge(db, { purpose: 'sign_in', challenge: options.challenge }, now);
  return { challengeId, options };
}

export type PasskeySignIn = { id: string; sessionVersion: number; mustChangePassword: boolean; amr: string[] };

/**
 * A password-less sign-in with a passkey that verified its user. The administrator is the
 * passkey's owner (and the user handle, when sent, must be theirs); inactive accounts and
 * addresses that must use Domain sign-in are refused. Every try counts against the same throttle
 * as passwords (an unknown passkey against the client address), and every refusal is an audit
 * event.
 */
export async function signInWithPasskey(input: { challengeId: string; response: AuthenticationResponseJSON; clientAddress: string; now?: Date }): Promise<PasskeySignIn> {
  const now = input.now ?? new Date();
  const db = getDb();
  const challenge = await takeChallenge(db, { id: input.challengeId, purpose: 'sign_in' }, now);
  if (!challenge) throw new AppError('expired', PASSKEY_REQUEST_EXPIRED);

  const [found] = await db
    .select({
      passkey: administratorPasskeys,
      admin: {
        id: administrators.id,
        orgId: administrators.orgId,
        email: administrators.email,
        status: administrators.status,
        passwordHash: administrators.passwordHash,
        sessionVersion: administrators.sessionVersion,
        mustChangePassword: administrators.mustChangePassword,
      },
    })
    .from(administratorPasskeys)
    .innerJoin(administrators, eq(administrators.id, administratorPasskeys.administratorId))
    .where(eq(administratorPasskeys.credentialId, input.response.id));

  if (!found) {
    // No account to count against: the client address's counter of all sign-in attempts.
    const rules = signInRules('', input.clientAddress, 'administrator').filter((rule) => rule.key.startsWith('sign-in:address:'));
    const throttled = await reserveAttempt(db, rules, now);
    await db.transaction(async (tx) => {
      const event = {
        orgId: null,
        actor: { type: 'anonymous' as const },
        action: 'auth.sign_in_failed' as const,
        clientAddress: input.clientAddress,
        metadata: { reason: throttled ? 'throttled' : 'unknown passkey', kind: 'administrator' },
        now,
      };
      if (throttled) await recordThrottledAttempt(tx, throttled.key, { ...event, summary: (n) => `${n} passkey sign-in attempt${n === 1 ? '' : 's'} refused while throttled` });
      else await recordAuditEvent(tx, { ...event, summary: 'Failed sign-in with a passkey that is not registered' });
    });
    if (throttled) throw new AppError('rate_limited', waitMessage(throttled.wait));
    throw new AppError('unauthenticated', PASSKEY_UNKNOWN);
  }

  const { passkey, admin } = found;
  const account = { ...admin, active: admin.status === 'active' };
  await refuseWhileThrottled(db, admin, input.clientAddress, now);
  const refuse = async (reason: string, error: AppError): Promise<never> => {
    await recordFailedSecondFactor(account, 'administrator', { clientAddress: input.clientAddress, reason, now });
    throw error;
  };
  if (!account.active) return refuse('inactive account, with a passkey', new AppError('unauthenticated', PASSKEY_REFUSED));
  if ((await signInMethodFor(db, admin.email, 'administrator')) === 'domain') {
    return refuse('passkey sign-in not allowed: Domain sign-in required', new AppError('forbidden', DOMAIN_SIGN_IN_REQUIRED));
  }
  const userHandle = input.response.response.userHandle;
  if (userHandle && userHandle !== Buffer.from(userHandleOf(admin.id)).toString('base64url')) {
    return refuse('passkey of another user', new AppError('unauthenticated', PASSKEY_REFUSED));
  }
  const reason = await checkAssertion(passkey, { response: input.response, challenge, requireUserVerification: true, now });
  if (reason) return refuse(reason, new AppError('unauthenticated', reason === 'passkey did not verify its user' ? PASSKEY_NEEDS_VERIFICATION : PASSKEY_REFUSED));

  await refundAttempts(db, signInRules(admin.email, input.clientAddress, 'administrator'), now);
  const amr = passkeyAmr(passkey, false);
  await recordCompletedSignIn(administratorSource, account, { clientAddress: input.clientAddress, how: `with the passkey "${passkey.name}" (no password)`, amr, now });
  return { id: admin.id, sessionVersion: admin.sessionVersion, mustChangePassword: admin.mustChangePassword, amr };
}

/**
 * The options for the second step of a sign-in with one of the administrator's passkeys (the
 * password was right: the challenge in the browser's cookie says so). Nothing is counted yet.
 */
export async function secondFactorPasskeyOptions(input: { challengeId: string; ticket: string; now?: Date }): Promise<{ passkeyChallengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  const now = input.now ?? new Date();
  const factors = await secondStepFactors({ ...input, now });
  if (!factors) throw new AppError('expired', SIGN_IN_AGAIN_FOR_CODE);
  const db = getDb();
  const passkeys = await db
    .select({ credentialId: administratorPasskeys.credentialId, transports: administratorPasskeys.transports })
    .from(administratorPasskeys)
    .where(eq(administratorPasskeys.administratorId, factors.administratorId));
  if (passkeys.length === 0) throw new AppError('conflict', 'You have no passkey. Enter a code instead.');
  const options = await generateAuthenticationOptions({
    rpID: relyingParty().id,
    allowCredentials: passkeys.map((p) => ({ id: p.credentialId, transports: p.transports })),
    // The password was the first factor; a security key without a PIN is enough here.
    userVerification: 'discouraged',
    timeout: CEREMONY_TIMEOUT_MS,
  });
  const passkeyChallengeId = await newChallenge(db, { purpose: 'second_factor', challenge: options.challenge, administratorId: factors.administratorId, signInChallengeId: input.challengeId }, now);
  return { passkeyChallengeId, options };
}

/**
 * The second step of a sign-in with a passkey: one try of the sign-in's challenge (5 tries, 10
 * minutes, the throttle of passwords), a passkey of this administrator, a valid signature and a
 * counter that moved forward. Every refusal is an audit event.
 */
export async function completeSecondFactorWithPasskey(input: {
  challengeId: string;
  ticket: string;
  passkeyChallengeId: string;
  response: AuthenticationResponseJSON;
  clientAddress: string;
  now?: Date;
}): Promise<{ id: string; sessionVersion: number; amr: string[] }> {
  const now = input.now ?? new Date();
  const db = getDb();
  const account = await secondStepAccount({ ...input, now });
  const challenge = await takeChallenge(db, { id: input.passkeyChallengeId, purpose: 'second_factor', administratorId: account.id, signInChallengeId: input.challengeId }, now);
  if (!challenge) throw new AppError('expired', PASSKEY_REQUEST_EXPIRED);
  const [passkey] = await db
    .select()
    .from(administratorPasskeys)
    .where(and(eq(administratorPasskeys.credentialId, input.response.id), eq(administratorPasskeys.administratorId, account.id)));
  const reason = passkey ? await checkAssertion(passkey, { response: input.response, challenge, requireUserVerification: false, now }) : 'passkey not registered for this account';
  if (!passkey || reason) {
    await recordFailedSecondFactor(account, 'administrator', { clientAddress: input.clientAddress, reason: reason ?? 'passkey refused', now });
    throw new AppError('unauthenticated', PASSKEY_REFUSED);
  }
  const amr = passkeyAmr(passkey, true);
  await finishSecondStep(account, { challengeId: input.challengeId, clientAddress: input.clientAddress, how: `with the passkey "${passkey.name}"`, amr, now });
  return { id: account.id, sessionVersion: account.sessionVersion, amr };
}
