import 'server-only';
import { and, eq, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administrators } from '@/db/schema';
import { getAdministratorCredentials } from '@/lib/administrators/queries';
import { recordAuditEvent } from '@/lib/audit/record';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors/app-error';
import { queueMessage } from '@/lib/mail/queue-message';
import { passwordChangedEmail } from '@/lib/mail/templates';
import { auditActorOf, type AdminActor } from './actor';
import { passwordProblems } from './password-policy';
import { hashPassword, verifyPassword } from './passwords';
import { signInRules, takeAttempt } from './throttle';

/**
 * An administrator changes their own password, proving the current one. Ends every session of
 * the account (the caller signs this one out too and sends the user back to sign in).
 */
export async function changePassword(input: { actor: AdminActor; currentPassword: string; newPassword: string; now?: Date }) {
  const db = getDb();
  const now = input.now ?? new Date();
  const { actor } = input;
  // Counted before the current password is checked, so concurrent guesses cannot outrun the limit.
  const giveBack = await takeAttempt(db, signInRules(actor.email, actor.clientAddress), now);

  const admin = await getAdministratorCredentials(db, { id: actor.id, orgId: actor.orgId });
  if (!admin || admin.status !== 'active') throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');
  if (!(await verifyPassword(admin.passwordHash, input.currentPassword))) {
    throw new AppError('invalid_input', 'The current password is not correct.', {
      currentPassword: ['The current password is not correct.'],
    });
  }
  await giveBack();
  const problems = passwordProblems(input.newPassword, { email: admin.email });
  if (input.newPassword === input.currentPassword) problems.unshift('Choose a password different from the current one.');
  if (problems.length > 0) throw new AppError('invalid_input', problems[0], { newPassword: problems });

  const passwordHash = await hashPassword(input.newPassword);
  await db.transaction(async (tx) => {
    await tx
      .update(administrators)
      .set({
        passwordHash,
        mustChangePassword: false,
        sessionVersion: sql`${administrators.sessionVersion} + 1`,
        passwordChangedAt: now,
        updatedAt: now,
      })
      .where(and(eq(administrators.id, admin.id), eq(administrators.orgId, actor.orgId)));
    const notice = passwordChangedEmail({ name: admin.name, resetUrl: `${env().APP_URL}/reset-password` });
    await queueMessage(tx, {
      orgId: actor.orgId,
      channel: 'email',
      kind: 'password_changed',
      recipient: admin.email,
      subject: notice.subject,
      bodyText: notice.text,
      bodyHtml: notice.html,
      carriesSecret: false,
    });
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'auth.password_changed',
      summary: admin.mustChangePassword
        ? `${admin.email} set a new password at first sign-in`
        : `${admin.email} changed their password`,
      target: { type: 'administrator', id: admin.id, label: admin.email },
      clientAddress: actor.clientAddress,
      now,
    });
  });
}
