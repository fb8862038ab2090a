import 'server-only';
import { and, eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administratorEmailChanges } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { AppError } from '@/lib/errors/app-error';
import { assertCanManageAdministrators, lockAdministrator } from './guards';
import { NO_PENDING_CHANGE } from './request-email-change';

/** "Cancel": the pending change and its link are dropped; the email stays as it is. */
export async function cancelEmailChange(input: { actor: AdminActor; id: string; now?: Date }) {
  const { actor } = input;
  assertCanManageAdministrators(actor);
  const now = input.now ?? new Date();
  await getDb().transaction(async (tx) => {
    const administrator = await lockAdministrator(tx, actor.orgId, input.id);
    const [cancelled] = await tx
      .delete(administratorEmailChanges)
      .where(and(eq(administratorEmailChanges.administratorId, administrator.id), eq(administratorEmailChanges.orgId, actor.orgId)))
      .returning({ newEmail: administratorEmailChanges.newEmail });
    if (!cancelled) throw new AppError('not_found', NO_PENDING_CHANGE);
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'administrators.email_change_cancelled',
      summary: `${actor.email} cancelled the change of ${administrator.name}'s email from ${administrator.email} to ${cancelled.newEmail}`,
      target: { type: 'administrator', id: administrator.id, label: administrator.email },
      clientAddress: actor.clientAddress,
      metadata: { from: administrator.email, to: cancelled.newEmail },
      now,
    });
  });
}
