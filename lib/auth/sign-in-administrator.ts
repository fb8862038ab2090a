import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administrators } from '@/db/schema';
import { getAdministratorCredentials } from '@/lib/administrators/queries';
import { recordAuditEvent } from '@/lib/audit/record';
import { AppError } from '@/lib/errors/app-error';
import { verifyAgainstDummy, verifyPassword } from './passwords';
import { clearThrottle, countAttempt, signInRules, throttledFor, waitMessage } from './throttle';

export const INVALID_CREDENTIALS = 'Incorrect email address or password.';

export type SignedInAdministrator = { id: string; orgId: string; sessionVersion: number; mustChangePassword: boolean };

/**
 * Checks an administrator's email and password. Unknown addresses, wrong passwords and
 * inactive accounts get the same answer after the same work; throttling is checked before any
 * hash is computed; every attempt is an audit event.
 */
export async function signInAdministrator(input: {
  email: string;
  password: string;
  clientAddress: string;
  now?: Date;
}): Promise<SignedInAdministrator> {
  const db = getDb();
  const now = input.now ?? new Date();
  const email = input.email.trim().toLowerCase();
  const rules = signInRules(email, input.clientAddress);

  const wait = await throttledFor(db, rules, now);
  const admin = await getAdministratorCredentials(db, { email });
  const failed = async (reason: string) => {
    await db.transaction(async (tx) => {
      await countAttempt(tx, rules, now);
      await recordAuditEvent(tx, {
        orgId: admin?.orgId ?? null,
        actor: admin ? { type: 'administrator', id: admin.id, email: admin.email } : { type: 'anonymous', email },
        action: 'auth.sign_in_failed',
        summary: `Failed sign-in for ${email} (${reason})`,
        target: admin ? { type: 'administrator', id: admin.id, label: admin.email } : undefined,
        clientAddress: input.clientAddress,
        metadata: { reason },
        now,
      });
    });
  };

  if (wait > 0) {
    await failed('throttled');
    throw new AppError('rate_limited', waitMessage(wait));
  }
  const passwordOk = admin ? await verifyPassword(admin.passwordHash, input.password) : await verifyAgainstDummy(input.password);
  if (!admin || !passwordOk || admin.status !== 'active') {
    await failed(!admin ? 'unknown address' : !passwordOk ? 'wrong password' : 'inactive account');
    throw new AppError('unauthenticated', INVALID_CREDENTIALS);
  }

  await db.transaction(async (tx) => {
    await clearThrottle(tx, rules[0].key);
    await tx.update(administrators).set({ lastSignInAt: now }).where(eq(administrators.id, admin.id));
    await recordAuditEvent(tx, {
      orgId: admin.orgId,
      actor: { type: 'administrator', id: admin.id, email: admin.email },
      action: 'auth.signed_in',
      summary: `${admin.email} signed in`,
      target: { type: 'administrator', id: admin.id, label: admin.email },
      clientAddress: input.clientAddress,
      now,
    });
  });
  return { id: admin.id, orgId: admin.orgId, sessionVersion: admin.sessionVersion, mustChangePassword: admin.mustChangePassword };
}
