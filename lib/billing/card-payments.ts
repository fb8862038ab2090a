import { stripeConfig, type StripeConfig } from './stripe-config';

/**
 * How this server takes cards, decided from the environment (pure; `source` defaults to
 * process.env):
 * - `stripe`: STRIPE_SECRET_KEY and its two companions are set.
 * - `test_gateway`: no Stripe key, in demo mode (SEALPOST_DEMO=1, which `npm start` sets when it
 *   runs the embedded database) or under the test runner (NODE_ENV=test, never a served build:
 *   `npm start` sets production). It takes Stripe's test card numbers and no money.
 * - `off`: no Stripe key on a real deployment. Card payment is refused with CARD_PAYMENTS_OFF and
 *   checks still pay, rather than the server refusing to start: an organisation that pays by
 *   check needs no Stripe account, and a production server never takes a "4242" card as payment.
 */
export type CardPayments = { mode: 'stripe'; stripe: StripeConfig } | { mode: 'test_gateway' } | { mode: 'off' };

const ON = new Set(['1', 'true']);

export function cardPayments(source: Record<string, string | undefined> = process.env): CardPayments {
  const stripe = stripeConfig(source);
  if (stripe) return { mode: 'stripe', stripe };
  if (ON.has(source.SEALPOST_DEMO?.trim() ?? '') || source.NODE_ENV === 'test') return { mode: 'test_gateway' };
  return { mode: 'off' };
}

export const CARD_PAYMENTS_OFF = 'Card payments are not set up on this server. Pay by check instead, or ask your Sealpost operator to set up Stripe.';

/** What `npm start` says when a real deployment has no card payments (null when it has, or in demo mode). */
export function cardPaymentsStartupNotice(source: Record<string, string | undefined> = process.env): string | null {
  if (cardPayments(source).mode !== 'off') return null;
  return 'Card payments are off (checks only): set STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY to take cards through Stripe; the built-in test gateway runs only in demo mode (SEALPOST_DEMO=1).';
}
