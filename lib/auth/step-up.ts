import 'server-only';
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administrators } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { DOMAIN_SIGN_IN_REQUIRED, signInMethodFor } from '@/lib/domain-sign-in/queries';
import { AppError } from '@/lib/errors/app-error';
import type { AdminActor } from './actor';
import { isFreshAuthentication, recordAuthentication, sessionAuthentication, STEP_UP_MINUTES, type AuthMethod, type SessionAuthentication } from './amr';
import { verifyPassword } from './passwords';
import { recordThrottledAttempt, refundAttempts, reserveAttempt, signInRules, waitMessage } from './throttle';
import { consumeSecondFactorCode } from './two-factor';

/**
 * Step-up: changing administrators, Domain sign-in, API keys, mail-flow connectors and paying
 * need the person to have confirmed it is them within the last STEP_UP_MINUTES in this session
 * (lib/auth/amr.ts): with their second factor, or, for an administrator without one (only where
 * the organisation does not require it), with their password. Actions opt in with `stepUp: true`
 * in the access table (lib/auth/access.ts); the action wrapper and `authorizeRoute` check it.
 *
 * `code`: an authenticator or recovery code. `password`: the password again. `sign_in`: neither is
 * possible (no second factor, and Domain sign-in is required for the address): sign in again.
 */
export type StepUpMethod = 'code' | 'password' | 'sign_in';

export const STEP_UP_REQUIRED = `Confirm it’s you to continue. For this change Sealpost asks again when you last confirmed more than ${STEP_UP_MINUTES} minutes ago.`;
export const STEP_UP_CODE_REFUSED = 'That code is not right, or it was already used. Enter the current code from your authenticator app, or a recovery code.';
export const STEP_UP_PASSWORD_REFUSED = 'That password is not correct.';
const SIGN_IN_AGAIN = `Sign out and sign in again with your organisation’s identity provider, then make this change within ${STEP_UP_MINUTES} minutes.`;

/** The error a refused action carries: the client opens the step-up dialog for `method`. */
export class StepUpRequired extends AppError {
  constructor(readonly method: StepUpMethod) {
    super('step_up_required', method === 'sign_in' ? SIGN_IN_AGAIN : STEP_UP_REQUIRED);
  }
}

type StepUpAdmin = Pick<AdminActor, 'id' | 'email' | 'hasSecondFactor'>;

/** How this administrator confirms it is them. */
export async function stepUpMethodFor(actor: StepUpAdmin): Promise<StepUpMethod> {
  if (actor.hasSecondFactor) return 'code';
  return (await signInMethodFor(getDb(), actor.email, 'administrator')) === 'domain' ? 'sign_in' : 'password';
}

/**
 * The session's fresh authentication, which a sensitive change is let through on (its audit
 * event records it), or `StepUpRequired`. `now` is the request's time; tests pass their own.
 */
export async function requireStepUp(actor: AdminActor, now = new Date()): Promise<SessionAuthentication> {
  const authentication = actor.sessionId ? await sessionAuthentication({ administratorId: actor.id, sessionId: actor.sessionId }) : null;
  if (authentication && isFreshAuthentication(authentication, actor.hasSecondFactor, now)) return authentication;
  throw new StepUpRequired(await stepUpMethodFor(actor));
}

/**
 * Confirms it is them in this session: an authenticator or recovery code (accepted once, like at
 * sign-in) when the administrator has a second factor, else the password. Counted against the
 * same throttle as sign-in; a refusal and a success are audit events. Returns the session's new
 * authentication.
 */
export async function confirmStepUp(input: { actor: AdminActor; code?: string; password?: string; now?: Date }): Promise<SessionAuthentication> {
  const { actor } = input;
  const now = input.now ?? new Date();
  if (!actor.sessionId) throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');
  const method = await stepUpMethodFor(actor);
  if (method === 'sign_in') throw new AppError('forbidden', DOMAIN_SIGN_IN_REQUIRED);
  const given = method === 'code' ? input.code?.trim() : input.password;
  const field = method === 'code' ? 'code' : 'password';
  if (!given) {
    const message = method === 'code' ? 'Enter the code from your authenticator app, or a recovery code.' : 'Enter your password.';
    throw new AppError('invalid_input', message, { [field]: [message] });
  }

  const db = getDb();
  const actorRef = { type: 'administrator', id: actor.id, email: actor.email } as const;
  const target = { type: 'administrator', id: actor.id, label: actor.email };
  const rules = signInRules(actor.email, actor.clientAddress, 'administrator');
  const throttled = await reserveAttempt(db, rules, now);
  if (throttled) {
    await db.transaction((tx) =>
      recordThrottledAttempt(tx, throttled.key, {
        orgId: actor.orgId,
        actor: actorRef,
        action: 'auth.step_up_failed',
        summary: (n) => `${n} attempt${n === 1 ? '' : 's'} by ${actor.email} to confirm it was them refused while throttled`,
        target,
        clientAddress: actor.clientAddress,
        metadata: { reason: 'throttled' },
        now,
      }),
    );
    throw new AppError('rate_limited', waitMessage(throttled.wait));
  }

  const [admin] = await db
    .select({ status: administrators.status, passwordHash: administrators.passwordHash, secret: administrators.totpSecret, on: administrators.totpEnabledAt, lastStep: administrators.totpLastTimeStep })
    .from(administrators)
    .where(eq(administrators.id, actor.id));
  if (!admin || admin.status !== 'active') throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');

  let amr: AuthMethod[] | null = null;
  if (method === 'code') {
    const used = admin.on && admin.secret ? await consumeSecondFactorCode(db, { id: actor.id, secret: admin.secret, lastStep: admin.lastStep }, given, now) : null;
    if (used) amr = [used];
  } else if (await verifyPassword(admin.passwordHash, given)) {
    amr = ['pwd'];
  }
  if (!amr) {
    const message = method === 'code' ? STEP_UP_CODE_REFUSED : STEP_UP_PASSWORD_REFUSED;
    await db.transaction((tx) =>
      recordAuditEvent(tx, {
        orgId: actor.orgId,
        actor: actorRef,
        action: 'auth.step_up_failed',
        summary: `${actor.email} could not confirm it was them (${method === 'code' ? 'wrong or reused code' : 'wrong password'})`,
        target,
        clientAddress: actor.clientAddress,
        metadata: { reason: method === 'code' ? 'wrong or reused code' : 'wrong password' },
        now,
      }),
    );
    throw new AppError('invalid_input', message, { [field]: [message] });
  }

  await refundAttempts(db, rules, now);
  await db.transaction(async (tx) => {
    await recordAuthentication({ administratorId: actor.id, sessionId: actor.sessionId }, amr, { now, db: tx });
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: actorRef,
      action: 'auth.stepped_up',
      summary: `${actor.email} confirmed it was them ${amr[0] === 'pwd' ? 'with their password' : amr[0] === 'rc' ? 'with a recovery code' : 'with an authenticator code'}`,
      target,
      clientAddress: actor.clientAddress,
      metadata: { amr },
      now,
    });
  });
  return { amr, at: now };
}
