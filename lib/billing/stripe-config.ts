import Stripe from 'stripe';
import { z } from 'zod';

/**
 * Stripe settings. With no STRIPE_SECRET_KEY `stripeConfig()` returns null and nothing here talks
 * to Stripe: the checkout uses the built-in test gateway in demo mode (SPEC §5) and takes no
 * cards otherwise (lib/billing/card-payments.ts).
 *
 * The whole `process.env` object is parsed on every call rather than `process.env.NAME` being read:
 * Next inlines literal `process.env.NEXT_PUBLIC_*` reads at build time, and the publishable key must
 * follow the runtime environment like the other three. Parsing four strings is cheap; the SDK client,
 * which is not, is cached below.
 */
const unsetWhenEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = (schema: z.ZodType<string>) => z.preprocess(unsetWhenEmpty, schema.optional());

const schema = z.object({
  STRIPE_SECRET_KEY: optional(z.string().regex(/^(sk|rk)_(test|live)_\S+$/, 'expected a secret (sk_…) or restricted (rk_…) key')),
  STRIPE_WEBHOOK_SECRET: optional(z.string().regex(/^whsec_\S+$/, 'expected the endpoint signing secret (whsec_…)')),
  // The pk_ check also stops a secret key from being pasted here and sent to every browser.
  NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: optional(z.string().regex(/^pk_(test|live)_\S+$/, 'expected a publishable key (pk_…)')),
  /** Tests only: send API calls to a local stand-in, e.g. http://127.0.0.1:12345. */
  STRIPE_API_BASE: optional(z.url({ protocol: /^https?$/ })),
});

export type StripeConfig = {
  secretKey: string;
  webhookSecret: string;
  publishableKey: string;
  apiBase?: string;
};

function mode(key: string): 'test' | 'live' {
  return key.includes('_live_') ? 'live' : 'test';
}

export function stripeConfig(source: Record<string, string | undefined> = process.env): StripeConfig | null {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid Stripe configuration: ${problems}`);
  }
  const { STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: publishableKey, STRIPE_API_BASE: apiBase } =
    parsed.data;
  if (!secretKey) return null;
  // Half a configuration takes money without granting licenses (no webhook secret) or cannot show
  // the card form (no publishable key): refuse it at the first use rather than fail per customer.
  const missing = [!webhookSecret && 'STRIPE_WEBHOOK_SECRET', !publishableKey && 'NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY'].filter(Boolean);
  if (!webhookSecret || !publishableKey) throw new Error(`Invalid Stripe configuration: STRIPE_SECRET_KEY is set but ${missing.join(' and ')} is not.`);
  if (mode(secretKey) !== mode(publishableKey)) {
    throw new Error('Invalid Stripe configuration: STRIPE_SECRET_KEY and NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY are from different modes (test and live).');
  }
  // A live key goes to api.stripe.com only; the override exists for tests with test keys.
  if (apiBase && mode(secretKey) === 'live') throw new Error('Invalid Stripe configuration: STRIPE_API_BASE cannot be used with a live key.');
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
