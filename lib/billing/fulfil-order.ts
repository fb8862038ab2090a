import 'server-only';
import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '@/db/client';
import { invoices, orderEmails, orders, payments, subscriptions } from '@/db/schema';
import { recordAuditEvent, type AuditActor } from '@/lib/audit/record';
import { AppError } from '@/lib/errors/app-error';
import { formatCents, plural } from '@/lib/format';
import { insertLicensedEmails } from '@/lib/licensing/add-licensed-emails';
import { getOrganisationBilling } from '@/lib/licensing/queries';
import { assertTermRunning } from '@/lib/licensing/subscription-guards';
import { addDays, renewedTerm, toDay } from '@/lib/licensing/term';
import { administratorEmail, queueInvoiceEmails } from './invoice-emails';

/** `card`: the card that paid, as the provider reports it (brand and last four digits), when known. */
export type Payment =
  | { method: 'card'; provider: 'stripe' | 'test_gateway'; reference: string; card?: PaidCard | null }
  | { method: 'check' };

export type PaidCard = { brand: string; last4: string };

export const CHECK_TERMS_DAYS = 30;
/** Addresses named on an invoice line; a 100,000-line import lists the first ones and a count. */
const INVOICE_LISTED_ADDRESSES = 25;

async function nextInvoiceNumber(tx: Tx, now: Date): Promise<string> {
  const [row] = (await tx.execute<{ n: string }>(sql`select nextval('invoice_number_seq')::text as n`)) as unknown as { n: string }[];
  // YYMMDD + a never-reused sequence: unique and readable over the phone.
  return `${toDay(now).slice(2).replace(/-/g, '')}${row.n.padStart(6, '0')}`;
}

/**
 * Fulfils an open order exactly once: the conditional UPDATE lets one caller through however many
 * pay, confirm or replay a webhook at the same moment. Grants the licenses (or extends the term),
 * adds the pending addresses, writes the invoice, the payment and the audit event, all in the
 * caller's transaction. Returns null when the order was already fulfilled.
 */
export async function fulfilOrder(
  tx: Tx,
  input: {
    orgId: string;
    orderId: string;
    payment: Payment;
    actor: AuditActor;
    billToName?: string;
    /** The billing address entered at payment; the organisation's address otherwise. */
    billToLines?: string[];
    clientAddress?: string;
    now: Date;
  },
) {
  const { now } = input;
  const [order] = await tx
    .update(orders)
    .set({ status: 'fulfilled', fulfilledAt: now, paymentMethod: input.payment.method })
    .where(and(eq(orders.id, input.orderId), eq(orders.orgId, input.orgId), eq(orders.status, 'open')))
    .returning();
  if (!order) return null;

  const [sub] = await tx
    .select({ purchased: subscriptions.licensesPurchased, renewalDate: subscriptions.renewalDate })
    .from(subscriptions)
    .where(eq(subscriptions.orgId, input.orgId))
    .for('update');
  if (!sub || sub.renewalDate !== order.pricedForRenewalDate) {
    throw new AppError('conflict', 'The subscription changed since this order was priced. Start the purchase again to see the current price.');
  }

  let added = 0;
  let summary: string;
  let lines = order.lines;
  const billing = await getOrganisationBilling(tx, input.orgId);
  if (order.kind === 'renewal') {
    // Allowed in every state: paying the renewal is how an expired or disabled subscription
    // becomes active again.
    const { termStart, renewalDate } = renewedTerm(sub.renewalDate, now);
    await tx
      .update(subscriptions)
      .set({ termStart, renewalDate, licensesPurchased: order.quantity, updatedAt: now })
      .where(eq(subscriptions.orgId, input.orgId));
    summary = `Subscription renewed for ${plural(order.quantity, 'license')} until ${renewalDate}`;
    lines = order.lines.map((line, i) => (i === 0 ? { ...line, period: { from: termStart, to: renewalDate } } : line));
  } else {
    // An order priced before the renewal date and confirmed or paid after it would grant licenses
    // into a term that has ended: refused (rolled back with the status change above).
    assertTermRunning(sub.renewalDate, now);
    await tx
      .update(subscriptions)
      .set({ licensesPurchased: sql`${subscriptions.licensesPurchased} + ${order.quantity}`, updatedAt: now })
      .where(eq(subscriptions.orgId, input.orgId));
    const pending = await tx.select({ email: orderEmails.email }).from(orderEmails).where(eq(orderEmails.orderId, order.id));
    const emails = pending.map((p) => p.email.toLowerCase()).sort();
    added = (await insertLicensedEmails(tx, input.orgId, emails, now)).inserted;
    // The licenses serve from today to the renewal date (the proration's days).
    const period = { from: toDay(now), to: sub.renewalDate };
    let detail: string | undefined;
    if (emails.length > 0) {
      const shown = emails.slice(0, INVOICE_LISTED_ADDRESSES).join(', ');
      const more = emails.length > INVOICE_LISTED_ADDRESSES ? ` and ${(emails.length - INVOICE_LISTED_ADDRESSES).toLocaleString('en-US')} more` : '';
      detail = `Addresses added with this order: ${shown}${more}`;
    }
    lines = order.lines.map((line, i) => (i === 0 ? { ...line, period, ...(detail ? { detail } : {}) } : line));
    const bought = `${plural(order.quantity, 'license')} bought by ${input.payment.method}`;
    summary = added > 0 ? `${plural(added, 'email')} added, ${bought}` : bought;
  }

  const number = await nextInvoiceNumber(tx, now);
  const paid = input.payment.method === 'card';
  const [invoice] = await tx
    .insert(invoices)
    .values({
      orgId: input.orgId,
      orderId: order.id,
      number,
      issuedOn: toDay(now),
      dueOn: paid ? toDay(now) : addDays(toDay(now), CHECK_TERMS_DAYS),
      status: paid ? 'paid' : 'open',
      paymentMethod: input.payment.method,
      poNumber: order.poNumber,
      billTo: {
        name: input.billToName ?? input.actor.email ?? '',
        organisation: billing?.name ?? '',
        lines:
          input.billToLines ??
          [billing?.addressLine1, billing?.addressLine2, [billing?.city, billing?.region, billing?.postalCode].filter(Boolean).join(', '), billing?.country].filter(
            (l): l is string => Boolean(l),
          ),
      },
      lines,
      subtotalCents: order.subtotalCents,
      discountCents: order.discountCents,
      taxCents: order.taxCents,
      totalCents: order.totalCents,
      paidAt: paid ? now : null,
      cardBrand: input.payment.method === 'card' ? (input.payment.card?.brand ?? '') : '',
      cardLast4: input.payment.method === 'card' ? (input.payment.card?.last4 ?? '') : '',
      createdAt: now,
    })
    .returning({ id: invoices.id, number: invoices.number });
  if (input.payment.method === 'card') {
    await tx.insert(payments).values({
      orgId: input.orgId,
      orderId: order.id,
      provider: input.payment.provider,
      providerReference: input.payment.reference,
      amountCents: order.totalCents,
      createdAt: now,
    });
  }
  await recordAuditEvent(tx, {
    orgId: input.orgId,
    actor: input.actor,
    action: order.kind === 'renewal' ? 'subscriptions.renewed' : 'licenses.purchased',
    summary: `${summary}, invoice ${invoice.number}, ${formatCents(order.totalCents)}`,
    target: { type: 'invoice', id: invoice.id, label: invoice.number },
    clientAddress: input.clientAddress,
    metadata: { orderId: order.id, quantity: order.quantity, totalCents: order.totalCents, method: input.payment.method, emailsAdded: added },
    now,
  });
  // The receipt (card) or the invoice to pay (check), with its PDF, to whoever paid or confirmed
  // (through a webhook: whoever started the order) and the organisation's billing email.
  const payerEmail = input.actor.type === 'administrator' ? input.actor.email : await administratorEmail(tx, input.orgId, order.createdBy);
  await queueInvoiceEmails(tx, { orgId: input.orgId, invoiceId: invoice.id, payerEmail, kind: paid ? 'receipt' : 'invoice' });
  return { invoiceId: invoice.id, invoiceNumber: invoice.number, emailsAdded: added };
}
