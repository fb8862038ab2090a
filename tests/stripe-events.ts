import { randomBytes } from 'node:crypto';

/**
 * A `payment_intent.succeeded` or `payment_intent.payment_failed` event as Stripe sends it to the
 * webhook (the fields our handler reads, with Stripe's envelope), for the tests to sign and post.
 */
export function paymentIntentEvent(
  type: 'payment_intent.succeeded' | 'payment_intent.payment_failed',
  intent: { id: string; amount: number; currency?: string; metadata: Record<string, string>; failure?: string },
  eventId = `evt_${randomBytes(8).toString('hex')}`,
) {
  const succeeded = type === 'payment_intent.succeeded';
  return {
    id: eventId,
    object: 'event',
    api_version: '2026-01-28.clover',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: {
      object: {
        id: intent.id,
        object: 'payment_intent',
        amount: intent.amount,
        amount_received: succeeded ? intent.amount : 0,
        currency: intent.currency ?? 'usd',
        metadata: intent.metadata,
        status: succeeded ? 'succeeded' : 'requires_payment_method',
        last_payment_error: succeeded ? null : { code: 'card_declined', decline_code: 'generic_decline', message: intent.failure ?? 'Your card was declined.' },
      },
    },
  };
}
