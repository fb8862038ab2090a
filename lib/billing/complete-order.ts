import 'server-only';
import { getDb } from '@/db/client';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { formatCents } from '@/lib/format';
import { getLicenseUsage } from '@/lib/licensing/queries';
import { assertTermRunning } from '@/lib/licensing/subscription-guards';
import { fulfilOrder } from './fulfil-order';
import { getInvoiceByOrder, getOrder } from './queries';
import { CARD_PAYMENTS_OFF, cardPayments } from './card-payments';
import { chargeTestCardOrRefuse } from './charge-test-card';
import { getBoss } from '@/lib/jobs/runtime';

const ALREADY_DONE = 'This order is already complete.';

async function openOrder(actor: AdminActor, orderId: string, now: Date) {
  if (!can(actor.level, 'billing.pay')) throw new AppError('forbidden', 'Only level 1 administrators pay for licenses.');
  const order = await getOrder(getDb(), actor.orgId, orderId);
  if (!order) throw new AppError('not_found', 'That order does not exist.');
  // Said before any card is charged; fulfilOrder checks again under the subscription's lock.
  if (order.kind === 'licenses' && order.status === 'open') {
    const { renewalDate } = await getLicenseUsage(getDb(), actor.orgId);
    if (renewalDate) assertTermRunning(renewalDate, now);
  }
  return order;
}

/**
 * Check (mail) payment: "Confirm & print" grants the licenses at once and issues an invoice due in
 * 30 days. Confirming twice, or concurrently, yields the one invoice.
 */
export async function confirmCheckOrder(input: { actor: AdminActor; orderId: string; poNumber?: string; now?: Date }) {
  const { actor } = input;
  const now = input.now ?? new Date();
  const order = await openOrder(actor, input.orderId, now);
  await getBoss(); // its first start takes pool connections of its own: never from inside a transaction (a deadlock when concurrent payments hold the pool)
  const result = await getDb().transaction((tx) =>
    fulfilOrder(tx, { orgId: actor.orgId, orderId: order.id, payment: { method: 'check' }, actor: auditActorOf(actor), billToName: actor.name, clientAddress: actor.clientAddress, now }),
  );
  if (result) return result;
  const existing = await getInvoiceByOrder(getDb(), actor.orgId, order.id);
  if (existing) return { invoiceId: existing.id, invoiceNumber: existing.number, emailsAdded: 0 };
  throw new AppError('conflict', ALREADY_DONE);
}

export const TEST_GATEWAY_OFF = 'Card payments go through Stripe here. Reload the page to pay with the secure card form.';

/**
 * Card payment through the built-in test gateway (no STRIPE_SECRET_KEY, demo mode or tests only:
 * lib/billing/card-payments.ts). A declined card changes nothing but the audit trail; an approved
 * one fulfils the order once.
 */
export async function payOrderWithTestCard(input: {
  actor: AdminActor;
  orderId: string;
  card: { number: string; expiry: string; cvc: string; name: string };
  billToLines?: string[];
  now?: Date;
}) {
  const { actor } = input;
  // With Stripe set up, cards are paid through Stripe only; on a real deployment without Stripe,
  // not at all: the test gateway takes no money, so its "payment" must never grant licenses there.
  const cards = cardPayments();
  if (cards.mode === 'stripe') throw new AppError('forbidden', TEST_GATEWAY_OFF);
  if (cards.mode === 'off') throw new AppError('forbidden', CARD_PAYMENTS_OFF);
  const now = input.now ?? new Date();
  const order = await openOrder(actor, input.orderId, now);
  if (order.status !== 'open') {
    const existing = await getInvoiceByOrder(getDb(), actor.orgId, order.id);
    if (existing) return { invoiceId: existing.id, invoiceNumber: existing.number, emailsAdded: 0 };
    throw new AppError('conflict', ALREADY_DONE);
  }
  const card = await chargeTestCardOrRefuse(actor, input.card, { totalCents: order.totalCents, target: { type: 'order', id: order.id, label: formatCents(order.totalCents) }, now });
  await getBoss(); // its first start takes pool connections of its own: never from inside a transaction (a deadlock when concurrent payments hold the pool)
  const result = await getDb().transaction((tx) =>
    fulfilOrder(tx, {
      orgId: actor.orgId,
      orderId: order.id,
      payment: { method: 'card', provider: 'test_gateway', reference: `test_${order.id}`, card },
      actor: auditActorOf(actor),
      billToName: input.card.name || actor.name,
      billToLines: input.billToLines,
      clientAddress: actor.clientAddress,
      now,
    }),
  );
  if (result) return result;
  const existing = await getInvoiceByOrder(getDb(), actor.orgId, order.id);
  if (existing) return { invoiceId: existing.id, invoiceNumber: existing.number, emailsAdded: 0 };
  throw new AppError('conflict', ALREADY_DONE);
}
