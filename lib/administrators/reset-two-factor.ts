import 'server-only';
import { and, eq, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administrators } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { forgetAuthentications } from '@/lib/auth/amr';
import { removeSecondFactors } from '@/lib/auth/factors';
import { AppError } from '@/lib/errors/app-error';
import { assertCanManageAdministrators, lockAdministrator } from './guards';

/**
 * "Reset two-factor authentication" (level 1, for another administrator who lost their phone or
 * keys): their authenticator app, recovery codes and every other factor (lib/auth/factors.ts) are
 * removed and their sessions end; where the organisation requires two-factor authentication they
 * enrol again at their next sign-in. Your own factors are managed on /two-factor.
 */
export async function resetAdministratorTwoFactor(input: { actor: AdminActor; id: string; now?: Date }) {
  const { actor, id } = input;
  const now = input.now ?? new Date();
  assertCanManageAdministrators(actor);
  if (id === actor.id) throw new AppError('conflict', 'You cannot reset your own two-factor authentication. Another level 1 administrator can.');
  await getDb().transaction(async (tx) => {
    const target = await lockAdministrator(tx, actor.orgId, id);
    const removed = await removeSecondFactors(tx, id, now);
    if (!removed) throw new AppError('conflict', `${target.name} has no two-factor authentication to reset.`);
    await tx
      .update(administrators)
      .set({ sessionVersion: sql`${administrators.sessionVersion} + 1`, updatedAt: now })
      .where(and(eq(administrators.id, id), eq(administrators.orgId, actor.orgId)));
    await forgetAuthentications(tx, id);
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'administrators.two_factor_reset',
      summary: `${actor.email} reset the two-factor authentication of ${target.name} (${target.email}); they set it up again at their next sign-in`,
      target: { type: 'administrator', id, label: target.email },
      clientAddress: actor.clientAddress,
      now,
    });
  });
}
