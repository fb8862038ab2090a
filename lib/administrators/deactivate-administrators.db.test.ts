import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { administrators, auditEvents } from '@/db/schema';
import { isAppError } from '@/lib/errors/app-error';
import { actorFor, createTestOrg } from '@/tests/factories';
import { deactivateAdministrators } from './set-administrator-status';

async function statuses(ids: string[]) {
  const rows = await getDb().select({ id: administrators.id, status: administrators.status }).from(administrators).where(inArray(administrators.id, ids));
  return Object.fromEntries(rows.map((r) => [r.id, r.status]));
}

describe('deactivating administrators in bulk', () => {
  it('deactivates the selected, one audit event each; refuses yourself and another organisation’s, saying why', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    const outcome = await deactivateAdministrators({ actor: owner, ids: [org.managerId, org.viewerId, org.ownerId, other.managerId] });
    expect(outcome.done).toBe(2);
    expect(outcome.refused).toEqual([
      { id: org.ownerId, label: owner.email, reason: 'You cannot deactivate your own account.' },
      { id: other.managerId, label: other.managerId, reason: 'That administrator does not exist.' },
    ]);
    expect(await statuses([org.managerId, org.viewerId, org.ownerId, other.managerId])).toEqual({
      [org.managerId]: 'inactive',
      [org.viewerId]: 'inactive',
      [org.ownerId]: 'active',
      [other.managerId]: 'active',
    });
    const events = await getDb()
      .select({ targetId: auditEvents.targetId })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'administrators.deactivated')));
    expect(events.map((e) => e.targetId).sort()).toEqual([org.managerId, org.viewerId].sort());
  });

  it('is refused below level 1', async () => {
    const org = await createTestOrg();
    const manager = await actorFor(org.managerId);
    const refusal = await deactivateAdministrators({ actor: manager, ids: [org.viewerId] }).catch((e: unknown) => e);
    expect(isAppError(refusal) && refusal.code).toBe('forbidden');
    expect(await statuses([org.viewerId])).toEqual({ [org.viewerId]: 'active' });
  });
});
