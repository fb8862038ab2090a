import { env, type Env } from '@/lib/env';
import { stripeConfig, type StripeConfig } from './stripe-config';

/**
 * How this server takes cards, decided from the configuration (pure; `settings` defaults to the
 * checked environment of lib/env.ts):
 * - `stripe`: STRIPE_SECRET_KEY and its two companions are set.
 * - `test_gateway`: no Stripe key, in demo mode (SEALPOST_DEMO=1, which `npm start` sets when it
 *   runs the embedded database) or under the test runner (NODE_ENV=test, never a served build:
 *   `npm start` sets production). It takes Stripe's test card numbers and no money.
 * - `off`: no Stripe key on a real deployment. Card payment is refused with CARD_PAYMENTS_OFF and
 *   checks still pay, rather than the server refusing to start: an organisation that pays by
 *   check needs no Stripe account, and a production server never takes a "4242" card as payment.
 */
export type CardPayments = { mode: 'stripe'; stripe: StripeConfig } | { mode: 'test_gateway' } | { mode: 'off' };

type CardSettings = Pick<Env, 'STRIPE_SECRET_KEY' | 'STRIPE_WEBHOOK_SECRET' | 'NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY' | 'STRIPE_API_BASE' | 'SEALPOST_DEMO' | 'NODE_ENV'>;

export function cardPayments(settings: CardSettings = env()): CardPayments {
  const stripe = stripeConfig(settings);
  if (stripe) return { mode: 'stripe', stripe };
  if (settings.SEALPOST_DEMO || settings.NODE_ENV === 'test') return { mode: 'test_gateway' };
  return { mode: 'off' };
}

export const CARD_PAYMENTS_OFF = 'Card payments are not set up on this server. Pay by check instead, or ask your Sealpost operator to set up Stripe.';

/** What `npm start` says when a real deployment has no card payments (null when it has, or in demo mode). */
export function cardPaymentsStartupNotice(settings: CardSettings = env()): string | null {
  if (cardPayments(settings).mode !== 'off') return null;
  return 'Card payments are off (checks only): set STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY to take cards through Stripe; the built-in test gateway runs only in demo mode (SEALPOST_DEMO=1).';
}
