import { asc, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { policies, policyChanges } from '@/db/schema';

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
