import 'server-only';
import { and, eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { invoices } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { AppError } from '@/lib/errors/app-error';
import { formatCents } from '@/lib/format';

/**
 * For Sealpost's operators (scripts/invoice.ts): a check arrived, or an invoice is cancelled.
 * Only an open invoice moves, once; each move is an audit event of the organisation.
 */
export async function settleInvoice(input: { number: string; to: 'paid' | 'void'; operator: string; now?: Date }) {
  const now = input.now ?? new Date();
  return getDb().transaction(async (tx) => {
    const [invoice] = await tx
      .update(invoices)
      .set(input.to === 'paid' ? { status: 'paid', paidAt: now } : { status: 'void', voidedAt: now })
      .where(and(eq(invoices.number, input.number), eq(invoices.status, 'open')))
      .returning({ id: invoices.id, orgId: invoices.orgId, number: invoices.number, totalCents: invoices.totalCents });
    if (!invoice) {
      const [existing] = await tx.select({ status: invoices.status }).from(invoices).where(eq(invoices.number, input.number));
      throw new AppError(existing ? 'conflict' : 'not_found', existing ? `Invoice ${input.number} is ${existing.status}, not open.` : `There is no invoice ${input.number}.`);
    }
    await recordAuditEvent(tx, {
      orgId: invoice.orgId,
      actor: { type: 'system', email: input.operator },
      action: input.to === 'paid' ? 'invoices.paid' : 'invoices.voided',
      summary: input.to === 'paid' ? `Check payment of ${formatCents(invoice.totalCents)} received for invoice ${invoice.number}` : `Invoice ${invoice.number} voided`,
      target: { type: 'invoice', id: invoice.id, label: invoice.number },
      now,
    });
    return invoice;
  });
}
