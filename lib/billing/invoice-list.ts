import 'server-only';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { invoices, orders } from '@/db/schema';
import { toDay } from '@/lib/licensing/term';
import { invoicePurpose } from './invoice-purpose';

/**
 * The invoices list's extras (kept apart from the table itself): what each invoice was for, the
 * status filter, and the total outstanding.
 */
export const INVOICE_STATUSES = ['open', 'paid', 'void'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** `?status=` of /invoices: one of the statuses, or all (anything else, e.g. a hand-typed value). */
export function parseInvoiceStatus(raw: string | string[] | undefined): InvoiceStatus | null {
  const value = Array.isArray(raw) ? raw[0] : raw;
  return INVOICE_STATUSES.find((s) => s === value) ?? null;
}

/** Newest first, with what each was for ("3 licenses added, 1 Mar 2026 – 1 Jan 2027"). */
export async function listInvoiceSummaries(db: DbOrTx, orgId: string, options: { status?: InvoiceStatus | null; limit?: number } = {}) {
  const rows = await db
    .select({
      id: invoices.id,
      number: invoices.number,
      issuedOn: invoices.issuedOn,
      dueOn: invoices.dueOn,
      status: invoices.status,
      paymentMethod: invoices.paymentMethod,
      poNumber: invoices.poNumber,
      lines: invoices.lines,
      totalCents: invoices.totalCents,
      cardBrand: invoices.cardBrand,
      cardLast4: invoices.cardLast4,
      kind: orders.kind,
      quantity: orders.quantity,
    })
    .from(invoices)
    .innerJoin(orders, and(eq(orders.id, invoices.orderId), eq(orders.orgId, invoices.orgId)))
    .where(and(eq(invoices.orgId, orgId), options.status ? eq(invoices.status, options.status) : undefined))
    .orderBy(desc(invoices.createdAt), desc(invoices.id))
    .limit(options.limit ?? 200);
  return rows.map(({ lines, kind, quantity, ...row }) => ({ ...row, purpose: invoicePurpose({ kind, quantity, lines }) }));
}

/** How many invoices the list's status filter matches (the list shows the newest 200). */
export async function countInvoices(db: DbOrTx, orgId: string, status?: InvoiceStatus | null): Promise<number> {
  return db.$count(invoices, and(eq(invoices.orgId, orgId), status ? eq(invoices.status, status) : undefined));
}

export type OutstandingInvoices = { count: number; totalCents: number; overdueCount: number; overdueCents: number };

/** What the organisation owes: its open invoices, and those of them past their due date. */
export async function getOutstandingInvoices(db: DbOrTx, orgId: string, now: Date = new Date()): Promise<OutstandingInvoices> {
  const today = toDay(now);
  const [row] = await db
    .select({
      count: sql<number>`count(*)::int`,
      totalCents: sql<number>`coalesce(sum(${invoices.totalCents}), 0)::bigint`,
      overdueCount: sql<number>`count(*) filter (where ${invoices.dueOn} < ${today})::int`,
      overdueCents: sql<number>`coalesce(sum(${invoices.totalCents}) filter (where ${invoices.dueOn} < ${today}), 0)::bigint`,
    })
    .from(invoices)
    .where(and(eq(invoices.orgId, orgId), eq(invoices.status, 'open')));
  return {
    count: Number(row?.count ?? 0),
    totalCents: Number(row?.totalCents ?? 0),
    overdueCount: Number(row?.overdueCount ?? 0),
    overdueCents: Number(row?.overdueCents ?? 0),
  };
}
