import 'server-only';
import { getDb } from '@/db/client';
import { recordAuditEvent, type AuditEventInput } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { AppError } from '@/lib/errors/app-error';
import { formatCents } from '@/lib/format';
import { chargeTestCard } from './test-gateway';

/**
 * Charges a card on the built-in test gateway for an order (lib/billing/complete-order.ts) or an
 * open invoice (lib/billing/pay-invoice.ts): the card's brand and last four when it is accepted.
 * A decline is a payment event, audited; a mistyped number or date is only a form error. Either
 * way an AppError names the field at fault.
 */
export async function chargeTestCardOrRefuse(
  actor: AdminActor,
  card: { number: string; expiry: string; cvc: string },
  charge: { totalCents: number; invoiceNumber?: string; target: NonNullable<AuditEventInput['target']>; now: Date },
): Promise<{ brand: string; last4: string }> {
  const outcome = chargeTestCard(card, charge.now);
  if (outcome.ok) return { brand: outcome.brand, last4: outcome.last4 };
  if (outcome.declined) {
    const what = charge.invoiceNumber ? ` for invoice ${charge.invoiceNumber}` : '';
    await getDb().transaction((tx) =>
      recordAuditEvent(tx, {
        orgId: actor.orgId,
        actor: auditActorOf(actor),
        action: 'payments.declined',
        summary: `Card payment of ${formatCents(charge.totalCents)}${what} declined: ${outcome.message}`,
        target: charge.target,
        clientAddress: actor.clientAddress,
        now: charge.now,
      }),
    );
  }
  throw new AppError('invalid_input', outcome.message, { [outcome.field]: [outcome.message] });
}
