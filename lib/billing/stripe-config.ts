import Stripe from 'stripe';
import { env, type Env } from '@/lib/env';

/**
 * Stripe settings. With no STRIPE_SECRET_KEY `stripeConfig()` returns null and nothing here talks
 * to Stripe: the checkout uses the built-in test gateway in demo mode and takes no
 * cards otherwise (lib/billing/card-payments.ts). lib/env.ts checks the keys' shapes and that they
 * go together (all three set, same mode, no STRIPE_API_BASE with a live key), so a half
 * configuration stops the start instead of failing per customer.
 */
export type StripeConfig = {
  secretKey: string;
  webhookSecret: string;
  publishableKey: string;
  apiBase?: string;
};

type StripeSettings = Pick<Env, 'STRIPE_SECRET_KEY' | 'STRIPE_WEBHOOK_SECRET' | 'NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY' | 'STRIPE_API_BASE'>;

export function stripeConfig(settings: StripeSettings = env()): StripeConfig | null {
  const { STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: publishableKey, STRIPE_API_BASE: apiBase } = settings;
  if (!secretKey) return null;
  // Checked by lib/env.ts already; repeated so that the types say so.
  if (!webhookSecret || !publishableKey) throw new Error('Invalid configuration: STRIPE_SECRET_KEY needs STRIPE_WEBHOOK_SECRET and NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY.');
  return { secretKey, webhookSecret, publishableKey, ...(apiBase ? { apiBase } : {}) };
}

let cached: { signature: string; client: Stripe } | undefined;

/** The server-side SDK client, or null when Stripe is not configured. One per key and API base. */
export function stripeClient(config: StripeConfig | null = stripeConfig()): Stripe | null {
  if (!config) return null;
  const signature = `${config.secretKey}\n${config.apiBase ?? ''}`;
  if (cached?.signature !== signature) {
    let endpoint: { host: string; port: number; protocol: 'http' | 'https' } | undefined;
    if (config.apiBase) {
      const url = new URL(config.apiBase);
      const protocol = url.protocol === 'http:' ? 'http' : 'https';
      endpoint = { host: url.hostname, port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443, protocol };
    }
    cached = {
      signature,
      // Retries reuse the request's idempotency key, so a retried create never makes a second intent.
      client: new Stripe(config.secretKey, { maxNetworkRetries: 2, telemetry: false, ...endpoint }),
    };
  }
  return cached.client;
}
