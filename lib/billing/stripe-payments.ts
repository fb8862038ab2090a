import 'server-only';
import { and, eq, isNull } from 'drizzle-orm';
import Stripe from 'stripe';
import { z } from 'zod';
import { getDb, type DbOrTx, type Tx } from '@/db/client';
import { administrators, invoices, orders, payments, webhookEvents } from '@/db/schema';
import { recordAuditEvent, type AuditActor } from '@/lib/audit/record';
import type { AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError, isAppError } from '@/lib/errors/app-error';
import { formatCents } from '@/lib/format';
import { getLicenseUsage } from '@/lib/licensing/queries';
import { assertTermRunning } from '@/lib/licensing/subscription-guards';
import { fulfilOrder, type PaidCard } from './fulfil-order';
import { assertCanPayInvoice, getPayableInvoice, INVOICE_NOT_OPEN, invoicePayerEmail, settleInvoiceByCard } from './pay-invoice';
import { stripeClient, stripeConfig } from './stripe-config';
import { uuidSchema } from '@/lib/ids';
import { getBoss } from '@/lib/jobs/runtime';

/** A signature older than five minutes (a replay) changes nothing. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
/** Stripe refuses smaller USD charges (amount_too_small); a check pays such an order. */
export const STRIPE_MINIMUM_CENTS = 50;
const CURRENCY = 'usd';
const STRIPE_ACTOR: AuditActor = { type: 'system', email: 'stripe' };

export type PreparedPayment = { clientSecret: string; paymentIntentId: string };

/**
 * What a webhook delivery did. `needs_attention` means money was taken that no order can absorb
 * (the order went stale, was cancelled or was paid another way): it is logged for a person to
 * refund or re-fulfil by hand, and the delivery is still acknowledged because Stripe retrying it
 * would not change the answer.
 */
export type StripeEventOutcome = 'fulfilled' | 'already_fulfilled' | 'declined' | 'duplicate' | 'ignored' | 'needs_attention';

export type StripeWebhookResult = { status: 200; outcome: StripeEventOutcome } | { status: 400 | 404; message: string };

/** Idempotency key for creating an order's intent: double clicks and SDK retries make one intent. */
export function paymentIntentIdempotencyKey(order: { id: string; totalCents: number }) {
  return `order-${order.id}-pi-${order.totalCents}`;
}

const orderId = uuidSchema('Unknown order.');

async function getPayableOrder(db: DbOrTx, orgId: string, id: string) {
  const [row] = await db
    .select({ id: orders.id, kind: orders.kind, status: orders.status, totalCents: orders.totalCents, paymentIntentId: orders.paymentIntentId })
    .from(orders)
    .where(and(eq(orders.id, id), eq(orders.orgId, orgId)));
  return row ?? null;
}

/** Webhooks carry no session: the order is found by the intent id that only we stored on it. */
async function getOrderByPaymentIntent(db: DbOrTx, paymentIntentId: string) {
  const [row] = await db
    .select({ id: orders.id, orgId: orders.orgId, status: orders.status, totalCents: orders.totalCents, createdByName: administrators.name })
    .from(orders)
    .leftJoin(administrators, eq(administrators.id, orders.createdBy))
    .where(eq(orders.paymentIntentId, paymentIntentId));
  return row ?? null;
}

/** Stripe failures reach the user as "try again", never as the SDK's message or a 500. */
async function callStripe<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (!(e instanceof Stripe.errors.StripeError)) throw e;
    console.error(`[stripe] ${what} failed: ${e.type} ${e.code ?? ''} ${e.message} (request ${e.requestId ?? 'none'})`);
    throw new AppError('unavailable', 'The card payment service did not answer. Try again in a moment.');
  }
}

function prepared(intent: Stripe.PaymentIntent, order: { id: string; totalCents: number }): PreparedPayment {
  if (intent.status === 'succeeded' || intent.status === 'processing') {
    throw new AppError('conflict', 'This has been paid. It will show as complete in a moment.');
  }
  if (intent.status === 'canceled') throw new AppError('conflict', 'This payment was cancelled. Start the purchase again.');
  if (intent.amount !== order.totalCents || intent.currency !== CURRENCY || !intent.client_secret) {
    console.error(`[stripe] payment intent ${intent.id} does not match order ${order.id} (${intent.amount} ${intent.currency})`);
    throw new AppError('conflict', 'This payment no longer matches the order. Start the purchase again.');
  }
  return { clientSecret: intent.client_secret, paymentIntentId: intent.id };
}

/**
 * The PaymentIntent the card form confirms, for an open order of the actor's organisation. The
 * first call creates it (with an idempotency key derived from the order, so concurrent first
 * calls get the same intent) and stores its id on the order; later calls fetch that one again.
 * The amount is the order's, priced on the server.
 */
export async function preparePaymentIntent(input: { actor: AdminActor; orderId: string; now?: Date }): Promise<PreparedPayment> {
  const { actor } = input;
  if (!can(actor.level, 'billing.pay')) throw new AppError('forbidden', 'Only level 1 administrators pay for licenses.');
  const stripe = stripeClient();
  if (!stripe) throw new AppError('unavailable', 'Card payments through Stripe are not configured.');
  const parsedId = orderId.safeParse(input.orderId);
  const db = getDb();
  const order = parsedId.success ? await getPayableOrder(db, actor.orgId, parsedId.data) : null;
  if (!order) throw new AppError('not_found', 'That order does not exist.');
  if (order.status !== 'open') throw new AppError('conflict', 'This order is already complete.');
  if (order.kind === 'licenses') {
    // No card form for licenses into an ended term: the webhook could not grant them.
    const { renewalDate } = await getLicenseUsage(db, actor.orgId);
    if (renewalDate) assertTermRunning(renewalDate, input.now ?? new Date());
  }
  if (order.totalCents < STRIPE_MINIMUM_CENTS) {
    throw new AppError('invalid_input', `Card payments start at ${formatCents(STRIPE_MINIMUM_CENTS)}. Pay this order by check instead.`);
  }

  if (order.paymentIntentId) {
    const existingId = order.paymentIntentId;
    return prepared(await callStripe('retrieving a payment intent', () => stripe.paymentIntents.retrieve(existingId)), order);
  }

  const created = await callStripe('creating a payment intent', () =>
    stripe.paymentIntents.create(
      {
        amount: order.totalCents,
        currency: CURRENCY,
        metadata: { orderId: order.id, orgId: actor.orgId },
        automatic_payment_methods: { enabled: true },
      },
      { idempotencyKey: paymentIntentIdempotencyKey(order) },
    ),
  );
  // Only the first id sticks. A concurrent caller stores the same id (same idempotency key); a
  // different one appears only if the key expired (Stripe keeps keys 24 hours) between two first
  // calls, and then the stored intent wins and the new one is simply never confirmed.
  const [stored] = await db
    .update(orders)
    .set({ paymentIntentId: created.id })
    .where(and(eq(orders.id, order.id), eq(orders.orgId, actor.orgId), isNull(orders.paymentIntentId)))
    .returning({ paymentIntentId: orders.paymentIntentId });
  if (stored) return prepared(created, order);
  const current = await getPayableOrder(db, actor.orgId, order.id);
  const winner = current?.paymentIntentId;
  if (!winner || winner === created.id) return prepared(created, order);
  return prepared(await callStripe('retrieving a payment intent', () => stripe.paymentIntents.retrieve(winner)), order);
}

/**
 * The fields we read from a PaymentIntent in an event. The payload is rendered in the webhook
 * endpoint's API version, not the SDK's, so it is checked rather than trusted to match the types.
 */
const eventIntent = z.object({
  id: z.string().min(1),
  amount_received: z.number().int(),
  currency: z.string(),
  metadata: z.record(z.string(), z.string()).nullish(),
  last_payment_error: z.object({ message: z.string().nullish(), code: z.string().nullish(), decline_code: z.string().nullish() }).nullish(),
});
type EventIntent = z.infer<typeof eventIntent>;

function intentOf(event: Stripe.Event): EventIntent | null {
  const parsed = eventIntent.safeParse(event.data.object);
  if (parsed.success) return parsed.data;
  console.error(`[stripe] event ${event.id} (${event.type}) has an unexpected payment intent shape; ignored`);
  return null;
}

/** The order the intent pays, when the intent is ours: stored on the order and naming it in metadata. */
async function orderFor(event: Stripe.Event, intent: EventIntent) {
  const order = await getOrderByPaymentIntent(getDb(), intent.id);
  if (!order) {
    console.warn(`[stripe] event ${event.id} (${event.type}): no order has payment intent ${intent.id}; ignored`);
    return null;
  }
  if (intent.metadata?.orderId !== order.id || intent.metadata?.orgId !== order.orgId) {
    console.error(`[stripe] event ${event.id}: payment intent ${intent.id} metadata does not name order ${order.id}; ignored`);
    return null;
  }
  return order;
}

/**
 * Claims the event id in the caller's transaction. A replay, or a concurrent delivery (which waits
 * on the first one's uncommitted row), inserts nothing; if the first one rolls back, the next one
 * gets to process the event.
 */
async function claimEvent(tx: Tx, event: Stripe.Event, now: Date): Promise<boolean> {
  const rows = await tx
    .insert(webhookEvents)
    .values({ id: event.id, provider: 'stripe', type: event.type, receivedAt: now })
    .onConflictDoNothing()
    .returning({ id: webhookEvents.id });
  return rows.length === 1;
}

async function onPaymentSucceeded(event: Stripe.Event, now: Date): Promise<StripeEventOutcome> {
  const intent = intentOf(event);
  if (!intent) return 'ignored';
  if (intent.metadata?.invoiceId) return onInvoicePaymentSucceeded(event, intent, now);
  const order = await orderFor(event, intent);
  if (!order) return 'ignored';
  if (intent.amount_received !== order.totalCents || intent.currency !== CURRENCY) {
    console.error(
      `[stripe] event ${event.id}: payment intent ${intent.id} received ${intent.amount_received} ${intent.currency}, order ${order.id} is ${order.totalCents} ${CURRENCY}; ignored, check the payment by hand`,
    );
    return 'ignored';
  }
  const card = await paidCard(intent.id);
  try {
    await getBoss(); // its first start takes pool connections of its own: never from inside a transaction (a deadlock when concurrent payments hold the pool)
    return await getDb().transaction(async (tx): Promise<StripeEventOutcome> => {
      if (!(await claimEvent(tx, event, now))) return 'duplicate';
      const result = await fulfilOrder(tx, {
        orgId: order.orgId,
        orderId: order.id,
        payment: { method: 'card', provider: 'stripe', reference: intent.id, card },
        actor: STRIPE_ACTOR,
        // Whoever started the purchase; without it the invoice would be made out to "stripe".
        billToName: order.createdByName ?? '',
        now,
      });
      if (result) return 'fulfilled';
      // Another event for this same intent fulfilled it already: fine. Otherwise the order was
      // paid some other way or cancelled, and this money was taken twice.
      const [payment] = await tx
        .select({ provider: payments.provider, reference: payments.providerReference })
        .from(payments)
        .where(eq(payments.orderId, order.id));
      if (payment?.provider === 'stripe' && payment.reference === intent.id) return 'already_fulfilled';
      console.error(
        `[stripe] NEEDS ATTENTION: payment intent ${intent.id} (${formatCents(intent.amount_received)}) succeeded for order ${order.id} of organisation ${order.orgId}, which is no longer open (paid by ${payment ? `${payment.provider} ${payment.reference}` : 'check, or cancelled'}). Refund it in the Stripe dashboard.`,
      );
      return 'needs_attention';
    });
  } catch (e) {
    // fulfilOrder refuses an order priced against a renewal date that has since moved. Its
    // transaction rolled back, so the order is still open and nothing was granted.
    if (isAppError(e) && e.code === 'conflict') {
      console.error(
        `[stripe] NEEDS ATTENTION: payment intent ${intent.id} (${formatCents(intent.amount_received)}) succeeded for order ${order.id} of organisation ${order.orgId}, which cannot be fulfilled: ${e.message} Refund it in the Stripe dashboard, or fulfil the order by hand.`,
      );
      return 'needs_attention';
    }
    throw e;
  }
}

async function onPaymentFailed(event: Stripe.Event, now: Date): Promise<StripeEventOutcome> {
  const intent = intentOf(event);
  if (!intent) return 'ignored';
  if (intent.metadata?.invoiceId) return onInvoicePaymentFailed(event, intent, now);
  const order = await orderFor(event, intent);
  if (!order) return 'ignored';
  const reason = (intent.last_payment_error?.message ?? 'The payment failed.').slice(0, 300);
  return getDb().transaction(async (tx): Promise<StripeEventOutcome> => {
    if (!(await claimEvent(tx, event, now))) return 'duplicate';
    await recordAuditEvent(tx, {
      orgId: order.orgId,
      actor: STRIPE_ACTOR,
      action: 'payments.declined',
      summary: `Card payment of ${formatCents(order.totalCents)} declined: ${reason}`,
      target: { type: 'order', id: order.id, label: formatCents(order.totalCents) },
      metadata: {
        provider: 'stripe',
        paymentIntentId: intent.id,
        eventId: event.id,
        code: intent.last_payment_error?.code ?? null,
        declineCode: intent.last_payment_error?.decline_code ?? null,
      },
      now,
    });
    return 'declined';
  });
}

/**
 * The card that paid (brand and last four digits), from the intent's latest charge. Asked of
 * Stripe outside the transaction; when Stripe does not answer, the payment still stands, without
 * the card's name on the invoice.
 */
async function paidCard(paymentIntentId: string): Promise<PaidCard | null> {
  const stripe = stripeClient();
  if (!stripe) return null;
  try {
    const intent = await stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] });
    const charge = intent.latest_charge;
    const card = charge && typeof charge === 'object' ? charge.payment_method_details?.card : null;
    return card ? { brand: card.brand ?? '', last4: card.last4 ?? '' } : null;
  } catch (e) {
    console.warn(`[stripe] the card of payment intent ${paymentIntentId} could not be read: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
}

/** Webhooks carry no session: the invoice is found by the intent id that only we stored on it. */
async function invoiceFor(event: Stripe.Event, intent: EventIntent) {
  const [invoice] = await getDb()
    .select({ id: invoices.id, orgId: invoices.orgId, status: invoices.status, totalCents: invoices.totalCents, number: invoices.number })
    .from(invoices)
    .where(eq(invoices.paymentIntentId, intent.id));
  if (!invoice || intent.metadata?.invoiceId !== invoice.id || intent.metadata?.orgId !== invoice.orgId) {
    console.warn(`[stripe] event ${event.id} (${event.type}): no invoice has payment intent ${intent.id} as its metadata says; ignored`);
    return null;
  }
  return invoice;
}

async function onInvoicePaymentSucceeded(event: Stripe.Event, intent: EventIntent, now: Date): Promise<StripeEventOutcome> {
  const invoice = await invoiceFor(event, intent);
  if (!invoice) return 'ignored';
  if (intent.amount_received !== invoice.totalCents || intent.currency !== CURRENCY) {
    console.error(`[stripe] event ${event.id}: payment intent ${intent.id} received ${intent.amount_received} ${intent.currency}, invoice ${invoice.number} is ${invoice.totalCents} ${CURRENCY}; ignored, check the payment by hand`);
    return 'ignored';
  }
  const card = await paidCard(intent.id);
  return getDb().transaction(async (tx): Promise<StripeEventOutcome> => {
    if (!(await claimEvent(tx, event, now))) return 'duplicate';
    const result = await settleInvoiceByCard(tx, {
      orgId: invoice.orgId,
      invoiceId: invoice.id,
      provider: 'stripe',
      reference: intent.id,
      card,
      actor: STRIPE_ACTOR,
      payerEmail: await invoicePayerEmail(tx, invoice.orgId, intent.metadata?.administratorId ?? null),
      now,
    });
    if (result) return 'fulfilled';
    const [payment] = await tx.select({ provider: payments.provider, reference: payments.providerReference }).from(payments).where(and(eq(payments.provider, 'stripe'), eq(payments.providerReference, intent.id)));
    if (payment) return 'already_fulfilled';
    console.error(
      `[stripe] NEEDS ATTENTION: payment intent ${intent.id} (${formatCents(intent.amount_received)}) succeeded for invoice ${invoice.number} of organisation ${invoice.orgId}, which is no longer open. Refund it in the Stripe dashboard.`,
    );
    return 'needs_attention';
  });
}

async function onInvoicePaymentFailed(event: Stripe.Event, intent: EventIntent, now: Date): Promise<StripeEventOutcome> {
  const invoice = await invoiceFor(event, intent);
  if (!invoice) return 'ignored';
  const reason = (intent.last_payment_error?.message ?? 'The payment failed.').slice(0, 300);
  return getDb().transaction(async (tx): Promise<StripeEventOutcome> => {
    if (!(await claimEvent(tx, event, now))) return 'duplicate';
    await recordAuditEvent(tx, {
      orgId: invoice.orgId,
      actor: STRIPE_ACTOR,
      action: 'payments.declined',
      summary: `Card payment of ${formatCents(invoice.totalCents)} for invoice ${invoice.number} declined: ${reason}`,
      target: { type: 'invoice', id: invoice.id, label: invoice.number },
      metadata: { provider: 'stripe', paymentIntentId: intent.id, eventId: event.id, code: intent.last_payment_error?.code ?? null, declineCode: intent.last_payment_error?.decline_code ?? null },
      now,
    });
    return 'declined';
  });
}

/**
 * The PaymentIntent for "Pay now" on an open check invoice: like an order's (preparePaymentIntent),
 * for the invoice's total, created once with an idempotency key derived from the invoice.
 */
export async function prepareInvoicePaymentIntent(input: { actor: AdminActor; invoiceId: string }): Promise<PreparedPayment> {
  const { actor } = input;
  assertCanPayInvoice(actor);
  const stripe = stripeClient();
  if (!stripe) throw new AppError('unavailable', 'Card payments through Stripe are not configured.');
  const db = getDb();
  const invoice = await getPayableInvoice(db, actor.orgId, input.invoiceId);
  if (!invoice) throw new AppError('not_found', 'That invoice does not exist.');
  if (invoice.status !== 'open') throw new AppError('conflict', INVOICE_NOT_OPEN[invoice.status]);
  if (invoice.totalCents < STRIPE_MINIMUM_CENTS) throw new AppError('invalid_input', `Card payments start at ${formatCents(STRIPE_MINIMUM_CENTS)}. Pay this invoice by check.`);
  if (invoice.paymentIntentId) {
    const existingId = invoice.paymentIntentId;
    return prepared(await callStripe('retrieving a payment intent', () => stripe.paymentIntents.retrieve(existingId)), invoice);
  }
  const created = await callStripe('creating a payment intent', () =>
    stripe.paymentIntents.create(
      {
        amount: invoice.totalCents,
        currency: CURRENCY,
        description: `Sealpost invoice ${invoice.number}`,
        metadata: { invoiceId: invoice.id, orgId: actor.orgId, administratorId: actor.id },
        automatic_payment_methods: { enabled: true },
      },
      { idempotencyKey: `invoice-${invoice.id}-pi-${invoice.totalCents}` },
    ),
  );
  const [stored] = await db
    .update(invoices)
    .set({ paymentIntentId: created.id })
    .where(and(eq(invoices.id, invoice.id), eq(invoices.orgId, actor.orgId), isNull(invoices.paymentIntentId)))
    .returning({ paymentIntentId: invoices.paymentIntentId });
  if (stored) return prepared(created, invoice);
  const winner = (await getPayableInvoice(db, actor.orgId, invoice.id))?.paymentIntentId;
  if (!winner || winner === created.id) return prepared(created, invoice);
  return prepared(await callStripe('retrieving a payment intent', () => stripe.paymentIntents.retrieve(winner)), invoice);
}

/**
 * Acts on a verified Stripe event. The event id is recorded in the same transaction as its effect,
 * so a replayed or concurrently delivered event changes nothing. Events that are not ours, or do
 * not match their order, record nothing.
 */
export async function handleStripeEvent(event: Stripe.Event, now: Date = new Date()): Promise<StripeEventOutcome> {
  switch (event.type) {
    case 'payment_intent.succeeded':
      return onPaymentSucceeded(event, now);
    case 'payment_intent.payment_failed':
      return onPaymentFailed(event, now);
    default:
      return 'ignored';
  }
}

/**
 * The webhook route's logic: verify the signature over the exact bytes received (any re-encoding
 * breaks it), with a five-minute tolerance, then handle the event. A refused delivery changes
 * nothing. Throws only for unexpected failures (the database), which the route answers with 500 so
 * that Stripe retries later.
 */
export async function processStripeWebhook(rawBody: string | Uint8Array, signatureHeader: string | null, now: Date = new Date()): Promise<StripeWebhookResult> {
  const config = stripeConfig();
  const stripe = stripeClient(config);
  if (!config || !stripe) return { status: 404, message: 'Stripe is not configured.' };
  if (!signatureHeader) return { status: 400, message: 'Missing Stripe-Signature header.' };
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(rawBody, signatureHeader, config.webhookSecret, SIGNATURE_TOLERANCE_SECONDS, undefined, now.getTime());
  } catch (e) {
    console.warn(`[stripe] webhook refused: ${e instanceof Error ? e.message : String(e)}`);
    return { status: 400, message: 'Invalid signature.' };
  }
  return { status: 200, outcome: await handleStripeEvent(event, now) };
}
