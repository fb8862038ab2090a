import 'server-only';
import { and, eq } from 'drizzle-orm';
import { getDb, type DbOrTx, type Tx } from '@/db/client';
import { invoices, payments } from '@/db/schema';
import { recordAuditEvent, type AuditActor } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { formatCents } from '@/lib/format';
import { isUuid } from '@/lib/ids';
import { CARD_PAYMENTS_OFF, cardPayments } from './card-payments';
import { cardLabel } from './card-label';
import { TEST_GATEWAY_OFF } from './complete-order';
import type { PaidCard } from './fulfil-order';
import { administratorEmail, queueInvoiceEmails } from './invoice-emails';
import { chargeTestCardOrRefuse } from './charge-test-card';
import { getBoss } from '@/lib/jobs/runtime';

/**
 * "Pay now" on an open check invoice (an invoice is open, paid or void): the licenses were
 * granted when the check order was confirmed, so paying by card only settles the invoice — once,
 * however many pay at the same moment — records the payment, and emails the receipt.
 */

export const INVOICE_NOT_OPEN = { paid: 'This invoice is paid already.', void: 'This invoice was voided and is not payable.' } as const;

/** Null for an id that is not the organisation's, and for one that is not an id at all. */
export async function getPayableInvoice(db: DbOrTx, orgId: string, id: string) {
  if (!isUuid(id)) return null;
  const [row] = await db
    .select({ id: invoices.id, orderId: invoices.orderId, number: invoices.number, status: invoices.status, totalCents: invoices.totalCents, paymentIntentId: invoices.paymentIntentId })
    .from(invoices)
    .where(and(eq(invoices.id, id), eq(invoices.orgId, orgId)));
  return row ?? null;
}

export function assertCanPayInvoice(actor: AdminActor) {
  if (!can(actor.level, 'billing.pay')) throw new AppError('forbidden', 'Only level 1 administrators pay invoices.');
}

/**
 * Marks an open invoice paid by card, with its payment and audit event, in the caller's
 * transaction, and queues the receipt. Null when it was not open (paid already, or void).
 */
export async function settleInvoiceByCard(
  tx: Tx,
  input: {
    orgId: string;
    invoiceId: string;
    provider: 'stripe' | 'test_gateway';
    reference: string;
    card: PaidCard | null;
    actor: AuditActor;
    /** Who gets the receipt besides the billing email (for a webhook: who started the payment). */
    payerEmail: string | null;
    clientAddress?: string;
    now: Date;
  },
) {
  const { now } = input;
  const [invoice] = await tx
    .update(invoices)
    .set({ status: 'paid', paidAt: now, cardBrand: input.card?.brand ?? '', cardLast4: input.card?.last4 ?? '' })
    .where(and(eq(invoices.id, input.invoiceId), eq(invoices.orgId, input.orgId), eq(invoices.status, 'open')))
    .returning({ id: invoices.id, orderId: invoices.orderId, number: invoices.number, totalCents: invoices.totalCents, cardBrand: invoices.cardBrand, cardLast4: invoices.cardLast4 });
  if (!invoice) return null;
  await tx.insert(payments).values({
    orgId: input.orgId,
    orderId: invoice.orderId,
    provider: input.provider,
    providerReference: input.reference,
    amountCents: invoice.totalCents,
    createdAt: now,
  });
  const card = cardLabel(invoice);
  await recordAuditEvent(tx, {
    orgId: input.orgId,
    actor: input.actor,
    action: 'invoices.paid',
    summary: `Card payment of ${formatCents(invoice.totalCents)} received for invoice ${invoice.number}${card ? ` (${card})` : ''}`,
    target: { type: 'invoice', id: invoice.id, label: invoice.number },
    clientAddress: input.clientAddress,
    metadata: { method: 'card', provider: input.provider, reference: input.reference, totalCents: invoice.totalCents },
    now,
  });
  await queueInvoiceEmails(tx, { orgId: input.orgId, invoiceId: invoice.id, payerEmail: input.payerEmail, kind: 'receipt' });
  return { invoiceId: invoice.id, invoiceNumber: invoice.number };
}

/** The payer of a webhook-settled invoice: the administrator who opened the card form. */
export async function invoicePayerEmail(db: DbOrTx, orgId: string, administratorId: string | null) {
  return administratorEmail(db, orgId, administratorId);
}

/**
 * An open invoice paid through the built-in test gateway (demo mode and tests: see
 * lib/billing/card-payments.ts). A decline is an audit event and changes nothing else.
 */
export async function payInvoiceWithTestCard(input: { actor: AdminActor; invoiceId: string; card: { number: string; expiry: string; cvc: string }; now?: Date }) {
  const { actor } = input;
  assertCanPayInvoice(actor);
  const cards = cardPayments();
  if (cards.mode === 'stripe') throw new AppError('forbidden', TEST_GATEWAY_OFF);
  if (cards.mode === 'off') throw new AppError('forbidden', CARD_PAYMENTS_OFF);
  const now = input.now ?? new Date();
  const invoice = await getPayableInvoice(getDb(), actor.orgId, input.invoiceId);
  if (!invoice) throw new AppError('not_found', 'That invoice does not exist.');
  if (invoice.status !== 'open') throw new AppError('conflict', INVOICE_NOT_OPEN[invoice.status]);
  const card = await chargeTestCardOrRefuse(actor, input.card, { totalCents: invoice.totalCents, invoiceNumber: invoice.number, target: { type: 'invoice', id: invoice.id, label: invoice.number }, now });
  await getBoss(); // its first start takes pool connections of its own: never from inside a transaction (a deadlock when concurrent payments hold the pool)
  const result = await getDb().transaction((tx) =>
    settleInvoiceByCard(tx, {
      orgId: actor.orgId,
      invoiceId: invoice.id,
      provider: 'test_gateway',
      reference: `test_invoice_${invoice.id}`,
      card,
      actor: auditActorOf(actor),
      payerEmail: actor.email,
      clientAddress: actor.clientAddress,
      now,
    }),
  );
  if (result) return result;
  const current = await getPayableInvoice(getDb(), actor.orgId, invoice.id);
  // Paid by a concurrent click: the one payment stands.
  if (current?.status === 'paid') return { invoiceId: invoice.id, invoiceNumber: invoice.number };
  throw new AppError('conflict', INVOICE_NOT_OPEN.void);
}
