import 'server-only';
import { eq } from 'drizzle-orm';
import { getDb, type DbOrTx } from '@/db/client';
import { organisations } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';

export async function twoFactorRequired(db: DbOrTx, orgId: string): Promise<boolean> {
  const [row] = await db.select({ required: organisations.requireAdministratorTwoFactor }).from(organisations).where(eq(organisations.id, orgId));
  return row?.required ?? true;
}

/**
 * "Require two-factor authentication for administrators" (level 1). Once on, an administrator
 * without a second factor is taken to enrolment at their next request and can do nothing else.
 */
export async function setTwoFactorRequirement(input: { actor: AdminActor; required: boolean; now?: Date }) {
  const { actor, required, now = new Date() } = input;
  if (!can(actor.level, 'settings.manage')) throw new AppError('forbidden', 'Only level 1 administrators change this setting.');
  await getDb().transaction(async (tx) => {
    const [before] = await tx.select({ required: organisations.requireAdministratorTwoFactor }).from(organisations).where(eq(organisations.id, actor.orgId)).for('update');
    if (!before || before.required === required) return;
    await tx.update(organisations).set({ requireAdministratorTwoFactor: required }).where(eq(organisations.id, actor.orgId));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'organisations.two_factor_requirement_changed',
      summary: `${actor.email} ${required ? 'now requires' : 'no longer requires'} two-factor authentication for administrators`,
      target: { type: 'organisation', id: actor.orgId },
      clientAddress: actor.clientAddress,
      metadata: { required },
      now,
    });
  });
}
