import 'server-only';
import { and, eq, sql } from 'drizzle-orm';
import { getDb, type Tx } from '@/db/client';
import { administrators } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { AppError } from '@/lib/errors/app-error';
import { runBulk, type BulkOutcome } from '@/lib/lists/bulk';
import { assertAnotherActiveLevelOne, assertCanManageAdministrators, lockAdministrator } from './guards';

/**
 * "Delete" makes an administrator Inactive: they cannot sign in, their sessions end on their
 * next request, and the record stays. Nobody deactivates themselves or the last active level 1.
 */
export async function deactivateAdministrator(input: { actor: AdminActor; id: string; now?: Date }) {
  const { actor, id } = input;
  const now = input.now ?? new Date();
  assertCanManageAdministrators(actor);
  await getDb().transaction((tx) => deactivateAdministratorIn(tx, actor, id, now));
}

/**
 * "Deactivate selected": each administrator checked and audited as deactivateAdministrator does
 * it, all in one transaction (so "another active level 1" counts the ones just deactivated); one
 * that cannot be deactivated (yourself, the last active level 1, another organisation's) is
 * reported with the reason, the others go.
 */
export async function deactivateAdministrators(input: { actor: AdminActor; ids: string[]; now?: Date }): Promise<BulkOutcome> {
  const { actor } = input;
  const now = input.now ?? new Date();
  assertCanManageAdministrators(actor);
  const labels = new Map<string, string>();
  return runBulk([...new Set(input.ids)], {
    transaction: (body) => getDb().transaction(body),
    step: async (tx, id) => {
      const target = await deactivateAdministratorIn(tx, actor, id, now);
      labels.set(id, target.email);
    },
    labelOf: (id) => labels.get(id) ?? (id === actor.id ? actor.email : id),
  });
}

async function deactivateAdministratorIn(tx: Tx, actor: AdminActor, id: string, now: Date) {
  if (id === actor.id) throw new AppError('conflict', 'You cannot deactivate your own account.');
  const target = await lockAdministrator(tx, actor.orgId, id);
  if (target.status === 'inactive') return target;
  if (target.level === 1) await assertAnotherActiveLevelOne(tx, actor.orgId, id);
  await tx
    .update(administrators)
    .set({ status: 'inactive', sessionVersion: sql`${administrators.sessionVersion} + 1`, updatedAt: now })
    .where(and(eq(administrators.id, id), eq(administrators.orgId, actor.orgId)));
  await recordAuditEvent(tx, {
    orgId: actor.orgId,
    actor: auditActorOf(actor),
    action: 'administrators.deactivated',
    summary: `${actor.email} deactivated ${target.name} (${target.email})`,
    target: { type: 'administrator', id, label: target.email },
    clientAddress: actor.clientAddress,
    now,
  });
  return target;
}

export async function reactivateAdministrator(input: { actor: AdminActor; id: string; now?: Date }) {
  const { actor, id } = input;
  const now = input.now ?? new Date();
  assertCanManageAdministrators(actor);
  await getDb().transaction(async (tx) => {
    const target = await lockAdministrator(tx, actor.orgId, id);
    if (target.status === 'active') return;
    await tx
      .update(administrators)
      .set({ status: 'active', updatedAt: now })
      .where(and(eq(administrators.id, id), eq(administrators.orgId, actor.orgId)));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'administrators.reactivated',
      summary: `${actor.email} reactivated ${target.name} (${target.email})`,
      target: { type: 'administrator', id, label: target.email },
      clientAddress: actor.clientAddress,
      now,
    });
  });
}
