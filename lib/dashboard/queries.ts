import 'server-only';
import { and, asc, count, desc, eq, gt, lte, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { administrators, auditEvents, deliveryEvents, invoices, messageRecipients, secureMessages, subscriptions } from '@/db/schema';

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
        actorType: auditEvents.actorType,
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

/** The window of the dashboard's mail figures. */
export const MAIL_FIGURES_DAYS = 7;

export type MailFigures = {
  /** Secure messages the organisation's people sent (outbound) in the window. */
  sent: number;
  /** Of those, the ones at least one recipient has opened. */
  read: number;
  /** Delivery attempts of the organisation's mail that bounced in the window. */
  bounced: number;
};

/**
 * The last seven days of mail for the dashboard: secure messages sent and read, and
 * bounces. Two index range scans on (org_id, time); "read" looks only at the window's messages.
 */
export async function mailFiguresLastWeek(db: DbOrTx, orgId: string, now: Date = new Date()): Promise<MailFigures> {
  const since = new Date(now.getTime() - MAIL_FIGURES_DAYS * 86_400_000);
  const [messages, bounces] = await Promise.all([
    db
      .select({
        sent: sql<number>`count(*)::int`,
        read: sql<number>`count(*) filter (where exists (
          select 1 from ${messageRecipients} r where r.message_id = ${secureMessages.id} and r.read_at is not null))::int`,
      })
      .from(secureMessages)
      .where(and(eq(secureMessages.orgId, orgId), eq(secureMessages.direction, 'outbound'), gt(secureMessages.sentAt, since), lte(secureMessages.sentAt, now))),
    db
      .select({ bounced: sql<number>`count(*)::int` })
      .from(deliveryEvents)
      .where(and(eq(deliveryEvents.orgId, orgId), eq(deliveryEvents.event, 'bounced'), gt(deliveryEvents.occurredAt, since), lte(deliveryEvents.occurredAt, now))),
  ]);
  return { sent: messages[0]?.sent ?? 0, read: messages[0]?.read ?? 0, bounced: bounces[0]?.bounced ?? 0 };
}

export type OpenInvoices = {
  /** The oldest-due first, at most `limit`. */
  invoices: { id: string; number: string; issuedOn: string; dueOn: string; totalCents: number }[];
  count: number;
  totalCents: number;
};

/** The organisation's unpaid invoices (check payments awaiting their check) and what they add up to. */
export async function listOpenInvoices(db: DbOrTx, orgId: string, limit = 5): Promise<OpenInvoices> {
  const open = and(eq(invoices.orgId, orgId), eq(invoices.status, 'open'));
  const [rows, [totals]] = await Promise.all([
    db
      .select({ id: invoices.id, number: invoices.number, issuedOn: invoices.issuedOn, dueOn: invoices.dueOn, totalCents: invoices.totalCents })
      .from(invoices)
      .where(open)
      .orderBy(asc(invoices.dueOn), asc(invoices.number))
      .limit(limit),
    db.select({ count: sql<number>`count(*)::int`, totalCents: sql<number>`coalesce(sum(${invoices.totalCents}), 0)::bigint` }).from(invoices).where(open),
  ]);
  return { invoices: rows, count: totals?.count ?? 0, totalCents: Number(totals?.totalCents ?? 0) };
}
