import { and, count, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { administrators, auditEvents, subscriptions } from '@/db/schema';

export async function getDashboardSummary(db: DbOrTx, orgId: string) {
  const [subscription] = await db
    .select({
      termStart: subscriptions.termStart,
      renewalDate: subscriptions.renewalDate,
      licensesPurchased: subscriptions.licensesPurchased,
      licensesUsed: subscriptions.licensesUsed,
    })
    .from(subscriptions)
    .where(eq(subscriptions.orgId, orgId));
  const [adminCounts, recentEvents] = await Promise.all([
    db
      .select({ level: administrators.level, n: count() })
      .from(administrators)
      .where(and(eq(administrators.orgId, orgId), eq(administrators.status, 'active')))
      .groupBy(administrators.level),
    db
      .select({
        id: auditEvents.id,
        occurredAt: auditEvents.occurredAt,
        action: auditEvents.action,
        actorEmail: auditEvents.actorEmail,
        summary: auditEvents.summary,
      })
      .from(auditEvents)
      .where(eq(auditEvents.orgId, orgId))
      .orderBy(desc(auditEvents.occurredAt), desc(auditEvents.id))
      .limit(8),
  ]);
  const adminsByLevel = { 1: 0, 2: 0, 3: 0 } as Record<1 | 2 | 3, number>;
  for (const row of adminCounts) adminsByLevel[row.level as 1 | 2 | 3] = row.n;
  return {
    subscription: subscription ?? null,
    licensesUsed: subscription?.licensesUsed ?? 0,
    adminsByLevel,
    recentEvents,
  };
}
