import 'server-only';
import { and, asc, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { policies, policyChangeRequests, policyChanges, policyGroupMembers, policyGroups } from '@/db/schema';

export async function listPolicies(db: DbOrTx, orgId: string) {
  return db
    .select({
      id: policies.id,
      name: policies.name,
      position: policies.position,
      conditionKind: policies.conditionKind,
      conditionValue: policies.conditionValue,
      delivery: policies.delivery,
      expireAfterDays: policies.expireAfterDays,
      readReceipt: policies.readReceipt,
      restriction: policies.restriction,
      enabled: policies.enabled,
      updatedAt: policies.updatedAt,
    })
    .from(policies)
    .where(eq(policies.orgId, orgId))
    .orderBy(asc(policies.position), asc(policies.createdAt));
}

export async function listPolicyChanges(db: DbOrTx, orgId: string, limit = 100) {
  return db
    .select({
      id: policyChanges.id,
      policyId: policyChanges.policyId,
      changedAt: policyChanges.changedAt,
      changedBy: policyChanges.changedBy,
      summary: policyChanges.summary,
    })
    .from(policyChanges)
    .where(eq(policyChanges.orgId, orgId))
    .orderBy(desc(policyChanges.changedAt))
    .limit(limit);
}

/** Names of the organisation's policy groups that `email` is a member of ("sender in group" policies). */
export async function senderGroupNames(db: DbOrTx, orgId: string, email: string): Promise<string[]> {
  const rows = await db
    .select({ name: policyGroups.name })
    .from(policyGroupMembers)
    .innerJoin(policyGroups, and(eq(policyGroups.id, policyGroupMembers.groupId), eq(policyGroups.orgId, orgId)))
    .where(and(eq(policyGroupMembers.orgId, orgId), eq(policyGroupMembers.email, email.toLowerCase())));
  return rows.map((r) => r.name);
}

/** The organisation's policy groups with their members, for /policies (read-only). */
export async function listPolicyGroups(db: DbOrTx, orgId: string): Promise<{ id: string; name: string; members: string[] }[]> {
  const rows = await db
    .select({ id: policyGroups.id, name: policyGroups.name, email: policyGroupMembers.email })
    .from(policyGroups)
    .leftJoin(policyGroupMembers, and(eq(policyGroupMembers.groupId, policyGroups.id), eq(policyGroupMembers.orgId, orgId)))
    .where(eq(policyGroups.orgId, orgId))
    .orderBy(asc(policyGroups.name), asc(policyGroupMembers.email));
  const groups = new Map<string, { id: string; name: string; members: string[] }>();
  for (const row of rows) {
    const group = groups.get(row.id) ?? { id: row.id, name: row.name, members: [] };
    if (row.email) group.members.push(row.email);
    groups.set(row.id, group);
  }
  return [...groups.values()];
}

/** The organisation's policy change requests, newest first, with their state (/policies). */
export async function listPolicyChangeRequests(db: DbOrTx, orgId: string, limit = 50) {
  return db
    .select({
      id: policyChangeRequests.id,
      policyName: policyChangeRequests.policyName,
      requestedByEmail: policyChangeRequests.requestedByEmail,
      details: policyChangeRequests.details,
      state: policyChangeRequests.state,
      requestedAt: policyChangeRequests.requestedAt,
      updatedAt: policyChangeRequests.updatedAt,
    })
    .from(policyChangeRequests)
    .where(eq(policyChangeRequests.orgId, orgId))
    .orderBy(desc(policyChangeRequests.requestedAt), desc(policyChangeRequests.id))
    .limit(limit);
}
