import 'server-only';
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { administrators, invoices, orders, organisations } from '@/db/schema';
import { env } from '@/lib/env';
import { formatCents, formatDay } from '@/lib/format';
import { queueMessage } from '@/lib/mail/queue-message';
import { checkInvoiceEmail, paymentReceiptEmail } from '@/lib/mail/templates';
import { cardLabel } from './card-label';
import { invoicePdfFilename } from './invoice-pdf';
import { invoicePurpose } from './invoice-purpose';

/**
 * Who gets an invoice's emails: the administrator who paid or confirmed it and the organisation's
 * billing email, once each (addresses compare without case). Pure.
 */
export function invoiceRecipients(payer: string | null | undefined, billingEmail: string | null | undefined): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const address of [payer, billingEmail]) {
    const value = (address ?? '').trim();
    if (!value || seen.has(value.toLowerCase())) continue;
    seen.add(value.toLowerCase());
    out.push(value);
  }
  return out;
}

/** The email address of an administrator of the organisation (who started an order paid through a webhook). */
export async function administratorEmail(db: DbOrTx, orgId: string, id: string | null): Promise<string | null> {
  if (!id) return null;
  const [row] = await db
    .select({ email: administrators.email })
    .from(administrators)
    .where(and(eq(administrators.id, id), eq(administrators.orgId, orgId)));
  return row?.email ?? null;
}

/**
 * Queues, in the caller's transaction, the invoice's email to each recipient with its PDF
 * attached: a receipt once it is paid by card, the invoice itself while a check is awaited. The
 * PDF is rendered by the delivery job (lib/billing/invoice-pdf.ts), so it shows the invoice as it
 * is when the mail goes out. Returns the outbox ids.
 */
export async function queueInvoiceEmails(tx: DbOrTx, input: { orgId: string; invoiceId: string; payerEmail: string | null; kind: 'receipt' | 'invoice' }): Promise<string[]> {
  const [row] = await tx
    .select({
      number: invoices.number,
      totalCents: invoices.totalCents,
      dueOn: invoices.dueOn,
      paidAt: invoices.paidAt,
      lines: invoices.lines,
      cardBrand: invoices.cardBrand,
      cardLast4: invoices.cardLast4,
      kind: orders.kind,
      quantity: orders.quantity,
      organisation: organisations.name,
      billingEmail: organisations.billingEmail,
    })
    .from(invoices)
    .innerJoin(orders, eq(orders.id, invoices.orderId))
    .innerJoin(organisations, eq(organisations.id, invoices.orgId))
    .where(and(eq(invoices.id, input.invoiceId), eq(invoices.orgId, input.orgId)));
  if (!row) return [];
  const url = `${env().APP_URL}/invoices/${input.invoiceId}`;
  const purpose = invoicePurpose({ kind: row.kind, quantity: row.quantity, lines: row.lines });
  const total = formatCents(row.totalCents);
  const email =
    input.kind === 'receipt'
      ? paymentReceiptEmail({ organisation: row.organisation, number: row.number, total, purpose, card: cardLabel(row), paidOn: formatDay(row.paidAt ?? new Date()), url })
      : checkInvoiceEmail({ organisation: row.organisation, number: row.number, total, purpose, dueOn: formatDay(row.dueOn), url });
  const ids: string[] = [];
  for (const recipient of invoiceRecipients(input.payerEmail, row.billingEmail)) {
    ids.push(
      await queueMessage(tx, {
        orgId: input.orgId,
        channel: 'email',
        kind: input.kind === 'receipt' ? 'payment_receipt' : 'check_invoice',
        recipient,
        subject: email.subject,
        bodyText: email.text,
        bodyHtml: email.html,
        carriesSecret: false,
        attachments: [{ filename: invoicePdfFilename(row.number), contentType: 'application/pdf', source: { type: 'invoice_pdf', orgId: input.orgId, invoiceId: input.invoiceId } }],
      }),
    );
  }
  return ids;
}
