import 'server-only';
import { and, desc, eq, gte, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { invoices, orderEmails, orders } from '@/db/schema';
import { isUuid } from '@/lib/ids';

/** Null for an id that is not the organisation's, and for one that is not an id at all (from a URL). */
export async function getOrder(db: DbOrTx, orgId: string, id: string) {
  if (!isUuid(id)) return null;
  const [row] = await db
    .select({
      id: orders.id,
      kind: orders.kind,
      status: orders.status,
      quantity: orders.quantity,
      unitPriceCents: orders.unitPriceCents,
      daysCharged: orders.daysCharged,
      daysInTerm: orders.daysInTerm,
      subtotalCents: orders.subtotalCents,
      discountBps: orders.discountBps,
      discountCents: orders.discountCents,
      taxBps: orders.taxBps,
      taxCents: orders.taxCents,
      totalCents: orders.totalCents,
      lines: orders.lines,
      poNumber: orders.poNumber,
      pricedForRenewalDate: orders.pricedForRenewalDate,
      paymentMethod: orders.paymentMethod,
      createdAt: orders.createdAt,
      fulfilledAt: orders.fulfilledAt,
    })
    .from(orders)
    .where(and(eq(orders.id, id), eq(orders.orgId, orgId)));
  return row ?? null;
}

/**
 * The open order that took a cancelled one's place (a new quantity makes a new order with the same
 * waiting addresses): the newest open order of the same kind made since, for the same addresses.
 * Null when there is none, so another administrator's order is never taken for it.
 */
export async function replacementOrderId(db: DbOrTx, orgId: string, cancelled: { id: string; kind: 'licenses' | 'renewal'; createdAt: Date }): Promise<string | null> {
  const addressesOf = (orderId: SQL | string) => sql`(select coalesce(array_agg(e.email order by e.email), '{}') from order_emails e where e.order_id = ${orderId})`;
  const [row] = await db
    .select({ id: orders.id })
    .from(orders)
    .where(
      and(
        eq(orders.orgId, orgId),
        eq(orders.status, 'open'),
        eq(orders.kind, cancelled.kind),
        gte(orders.createdAt, cancelled.createdAt),
        sql`${addressesOf(sql`${orders.id}`)} = ${addressesOf(cancelled.id)}`,
      ),
    )
    .orderBy(desc(orders.createdAt))
    .limit(1);
  return row?.id ?? null;
}

export async function countOrderEmails(db: DbOrTx, orderId: string) {
  return db.$count(orderEmails, eq(orderEmails.orderId, orderId));
}

export async function listOrderEmailsSample(db: DbOrTx, orderId: string, limit = 10) {
  const rows = await db.select({ email: orderEmails.email }).from(orderEmails).where(eq(orderEmails.orderId, orderId)).limit(limit);
  return rows.map((r) => r.email);
}

const invoiceColumns = {
  id: invoices.id,
  orderId: invoices.orderId,
  number: invoices.number,
  issuedOn: invoices.issuedOn,
  dueOn: invoices.dueOn,
  status: invoices.status,
  paymentMethod: invoices.paymentMethod,
  poNumber: invoices.poNumber,
  billTo: invoices.billTo,
  lines: invoices.lines,
  subtotalCents: invoices.subtotalCents,
  discountCents: invoices.discountCents,
  taxCents: invoices.taxCents,
  totalCents: invoices.totalCents,
  paidAt: invoices.paidAt,
  cardBrand: invoices.cardBrand,
  cardLast4: invoices.cardLast4,
  createdAt: invoices.createdAt,
};

/** Null for an id that is not the organisation's, and for one that is not an id at all (from a URL). */
export async function getInvoice(db: DbOrTx, orgId: string, id: string) {
  if (!isUuid(id)) return null;
  const [row] = await db.select(invoiceColumns).from(invoices).where(and(eq(invoices.id, id), eq(invoices.orgId, orgId)));
  return row ?? null;
}

export async function getInvoiceByOrder(db: DbOrTx, orgId: string, orderId: string) {
  const [row] = await db.select(invoiceColumns).from(invoices).where(and(eq(invoices.orderId, orderId), eq(invoices.orgId, orgId)));
  return row ?? null;
}

export async function listInvoices(db: DbOrTx, orgId: string, limit = 200) {
  return db.select(invoiceColumns).from(invoices).where(eq(invoices.orgId, orgId)).orderBy(desc(invoices.createdAt)).limit(limit);
}
