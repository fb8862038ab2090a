import 'server-only';
import { getDb, type Tx } from '@/db/client';
import { recordAuditEvent } from '@/lib/audit/record';
import { AppError } from '@/lib/errors/app-error';
import { verifyAgainstDummy, verifyPassword } from './passwords';
import { clearSignInFailures, recordThrottledAttempt, refundAttempts, reserveAttempt, signInRules, waitMessage } from './throttle';

export const INVALID_CREDENTIALS = 'Incorrect email address or password.';

export type AccountKind = 'administrator' | 'portal_user';

/** What sign-in needs to know about an account, whichever table it lives in. */
export type SignInAccount = { id: string; orgId: string | null; email: string; passwordHash: string | null; active: boolean };

export type AccountSource<A extends SignInAccount> = {
  kind: AccountKind;
  find(email: string): Promise<A | null>;
  recordSignIn(tx: Tx, account: A, now: Date): Promise<void>;
  /** True when the password is not enough: the sign-in completes after a second factor. */
  needsSecondFactor?(account: A): Promise<boolean>;
  /** A reason why this address may not sign in with a password at all (Domain sign-in required). */
  passwordRefused?(email: string): Promise<string | null>;
};

/**
 * Checks an email and password against one kind of account. Unknown addresses, wrong passwords,
 * accounts without a password yet and inactive ones get the same answer after the same work;
 * every attempt is counted (signInRules: per account and client address, per account, per
 * client address) before any hash is computed, so concurrent guesses cannot outrun the limit,
 * and is an audit event — the attempts refused while throttled one event with their count. A
 * correct password gives its count back; the account's failures are cleared when the sign-in
 * completes (after the second factor, when there is one).
 */
export async function authenticate<A extends SignInAccount>(
  source: AccountSource<A>,
  input: { email: string; password: string; clientAddress: string; now?: Date },
): Promise<A & { pendingSecondFactor: boolean }> {
  const db = getDb();
  const now = input.now ?? new Date();
  const email = input.email.trim().toLowerCase();
  const rules = signInRules(email, input.clientAddress, source.kind);
  const throttled = await reserveAttempt(db, rules, now);
  const account = await source.find(email);
  const actor = account ? { type: source.kind, id: account.id, email: account.email } : ({ type: 'anonymous', email } as const);
  const target = account ? { type: source.kind, id: account.id, label: account.email } : undefined;

  const failed = async (reason: string) => {
    await db.transaction(async (tx) => {
      await recordAuditEvent(tx, {
        orgId: account?.orgId ?? null,
        actor,
        action: 'auth.sign_in_failed',
        summary: `Failed sign-in for ${email} (${reason})`,
        target,
        clientAddress: input.clientAddress,
        metadata: { reason, kind: source.kind },
        now,
      });
    });
  };

  if (throttled) {
    await db.transaction((tx) =>
      recordThrottledAttempt(tx, throttled.key, {
        orgId: account?.orgId ?? null,
        actor,
        action: 'auth.sign_in_failed',
        summary: (n) => `${n} sign-in attempt${n === 1 ? '' : 's'} for ${email} refused while throttled`,
        target,
        clientAddress: input.clientAddress,
        metadata: { reason: 'throttled', kind: source.kind },
        now,
      }),
    );
    throw new AppError('rate_limited', waitMessage(throttled.wait));
  }
  const refusal = source.passwordRefused ? await source.passwordRefused(email) : null;
  if (refusal) {
    await failed('password sign-in not allowed: Domain sign-in required');
    throw new AppError('forbidden', refusal);
  }
  const passwordOk = account?.passwordHash ? await verifyPassword(account.passwordHash, input.password) : await verifyAgainstDummy(input.password);
  if (!account || !passwordOk || !account.active) {
    await failed(!account ? 'unknown address' : !account.passwordHash ? 'no password yet' : !passwordOk ? 'wrong password' : 'inactive account');
    throw new AppError('unauthenticated', INVALID_CREDENTIALS);
  }

  // A correct password is not held against the account or the address (an SMS step has limits of its own).
  await refundAttempts(db, rules, now);
  if (source.needsSecondFactor && (await source.needsSecondFactor(account))) {
    // The sign-in completes (and is recorded) when the second factor is confirmed.
    return { ...account, pendingSecondFactor: true };
  }
  await db.transaction(async (tx) => {
    await clearSignInFailures(tx, email, source.kind, input.clientAddress);
    await source.recordSignIn(tx, account, now);
    await recordAuditEvent(tx, {
      orgId: account.orgId,
      actor,
      action: 'auth.signed_in',
      summary: `${account.email} signed in${source.kind === 'portal_user' ? ' to the secure-message portal' : ''}`,
      target,
      clientAddress: input.clientAddress,
      metadata: { kind: source.kind },
      now,
    });
  });
  return { ...account, pendingSecondFactor: false };
}

/** Records a completed sign-in (after a second factor, for instance). */
export async function recordCompletedSignIn<A extends SignInAccount>(
  source: AccountSource<A>,
  account: A,
  input: { clientAddress: string; how: string; now?: Date; amr?: string[] },
) {
  const now = input.now ?? new Date();
  await getDb().transaction(async (tx) => {
    await clearSignInFailures(tx, account.email, source.kind, input.clientAddress);
    await source.recordSignIn(tx, account, now);
    await recordAuditEvent(tx, {
      orgId: account.orgId,
      actor: { type: source.kind, id: account.id, email: account.email },
      action: 'auth.signed_in',
      summary: `${account.email} signed in${source.kind === 'portal_user' ? ' to the secure-message portal' : ''} ${input.how}`,
      target: { type: source.kind, id: account.id, label: account.email },
      clientAddress: input.clientAddress,
      metadata: { kind: source.kind, ...(input.amr ? { amr: input.amr } : {}) },
      now,
    });
  });
}

/** Records a refused second factor as a failed sign-in. */
export async function recordFailedSecondFactor(account: SignInAccount, kind: AccountKind, input: { clientAddress: string; reason: string; now?: Date }) {
  await getDb().transaction((tx) =>
    recordAuditEvent(tx, {
      orgId: account.orgId,
      actor: { type: kind, id: account.id, email: account.email },
      action: 'auth.sign_in_failed',
      summary: `Failed sign-in for ${account.email} (${input.reason})`,
      target: { type: kind, id: account.id, label: account.email },
      clientAddress: input.clientAddress,
      metadata: { reason: input.reason, kind },
      now: input.now,
    }),
  );
}
