import 'server-only';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administratorEmailChanges, administrators, passwordTokens } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { hashToken, looksLikeToken } from '@/lib/auth/tokens';
import { AppError } from '@/lib/errors/app-error';
import { queueMessage } from '@/lib/mail/queue-message';
import { emailChangeNoticeEmail } from '@/lib/mail/templates';
import { EMAIL_TAKEN, isUniqueViolation } from './guards';

export const EMAIL_CHANGE_LINK_INVALID =
  'This confirmation link has expired, has already been used, or was replaced by a newer one. Ask a level 1 administrator to send it again.';

/** The change a still-valid confirmation link stands for, or null. */
export async function findEmailChange(token: string, now = new Date()): Promise<{ name: string; oldEmail: string; newEmail: string } | null> {
  if (!looksLikeToken(token)) return null;
  const [row] = await getDb()
    .select({ name: administrators.name, oldEmail: administrators.email, newEmail: administratorEmailChanges.newEmail })
    .from(administratorEmailChanges)
    .innerJoin(administrators, and(eq(administrators.id, administratorEmailChanges.administratorId), eq(administrators.orgId, administratorEmailChanges.orgId)))
    .where(and(eq(administratorEmailChanges.tokenHash, hashToken(token)), gt(administratorEmailChanges.expiresAt, now), eq(administrators.status, 'active')));
  return row ?? null;
}

/**
 * Opening the link sent to the new address makes the change: the pending row is consumed by one
 * conditional DELETE (so the link works once, even under concurrent submissions), the email
 * changes, reset links sent to the old address stop working, and the old address is told.
 */
export async function confirmEmailChange(input: { token: string; clientAddress: string; now?: Date }): Promise<{ email: string }> {
  const now = input.now ?? new Date();
  if (!looksLikeToken(input.token)) throw new AppError('expired', EMAIL_CHANGE_LINK_INVALID);
  try {
    return await getDb().transaction(async (tx) => {
      const [change] = await tx
        .delete(administratorEmailChanges)
        .where(and(eq(administratorEmailChanges.tokenHash, hashToken(input.token)), gt(administratorEmailChanges.expiresAt, now)))
        .returning();
      if (!change) throw new AppError('expired', EMAIL_CHANGE_LINK_INVALID);
      const [administrator] = await tx
        .select({ id: administrators.id, name: administrators.name, email: administrators.email, status: administrators.status })
        .from(administrators)
        .where(and(eq(administrators.id, change.administratorId), eq(administrators.orgId, change.orgId)))
        .for('update');
      if (!administrator || administrator.status !== 'active') throw new AppError('expired', EMAIL_CHANGE_LINK_INVALID);
      await tx
        .update(administrators)
        .set({ email: change.newEmail, updatedAt: now })
        .where(and(eq(administrators.id, administrator.id), eq(administrators.orgId, change.orgId)));
      await tx
        .update(passwordTokens)
        .set({ usedAt: now })
        .where(and(eq(passwordTokens.administratorId, administrator.id), isNull(passwordTokens.usedAt)));
      const notice = emailChangeNoticeEmail({ name: administrator.name, oldEmail: administrator.email, newEmail: change.newEmail, requestedBy: change.requestedBy, done: true });
      await queueMessage(tx, { orgId: change.orgId, channel: 'email', kind: 'email_changed', carriesSecret: false, recipient: administrator.email, subject: notice.subject, bodyText: notice.text, bodyHtml: notice.html });
      await recordAuditEvent(tx, {
        orgId: change.orgId,
        actor: { type: 'administrator', id: administrator.id, email: change.newEmail },
        action: 'administrators.email_changed',
        summary: `${administrator.name}'s email changed from ${administrator.email} to ${change.newEmail}, confirmed from the new address (asked for by ${change.requestedBy})`,
        target: { type: 'administrator', id: administrator.id, label: change.newEmail },
        clientAddress: input.clientAddress,
        metadata: { from: administrator.email, to: change.newEmail, requestedBy: change.requestedBy },
        now,
      });
      return { email: change.newEmail };
    });
  } catch (e) {
    // Another administrator took the address meanwhile (the unique index decides).
    if (isUniqueViolation(e)) throw new AppError('conflict', EMAIL_TAKEN);
    throw e;
  }
}
