import { z } from 'zod';

/**
 * The one place that reads process.env. Every optional service has a working local default,
 * so the portal runs with no keys at all.
 */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.string().url().optional(),
  /** How many reverse proxies in front of the app append to X-Forwarded-For. 0 = none. */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  APP_URL: z.string().url().default('http://localhost:3000'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** How the server reaches itself (the invoice PDF renders the app's own print page). */
  INTERNAL_URL: z.string().url().optional(),
  MAIL_FROM: z.string().min(3).default('Sealpost <no-reply@sealpost.example>'),
  RESEND_API_KEY: z.string().min(1).optional(),
  /** Svix signing secret (whsec_…) of Resend's delivery webhooks; /api/webhooks/resend answers 404 without it. */
  RESEND_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Lets tests point the Resend SDK at a local server. */
  RESEND_BASE_URL: z.string().url().optional(),
  /** All three together enable card payments through Stripe; without STRIPE_SECRET_KEY checkout uses the built-in test gateway. */
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  /** Signing secret of the webhook endpoint (/api/webhooks/stripe), whsec_… */
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: z.string().min(1).optional(),
  /** Tests only: send Stripe API calls to a local stand-in (refused with a live key). */
  STRIPE_API_BASE: z.string().url().optional(),
  /** Set by `npm start` in demo mode; enables /dev/outbox while the outbox is the transport. */
  SEALPOST_DEMO: z
    .enum(['0', '1', 'true', 'false'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  /** Attachments go to this S3-compatible bucket when set (lib/storage/s3-store.ts reads the S3_* settings). */
  S3_BUCKET: z.string().min(1).optional(),
  /** Where the embedded PostgreSQL, the demo secret and attachments live (attachments/). */
  SEALPOST_DATA_DIR: z.string().min(1).optional(),
  /**
   * Requests one server process works on at once. Beyond it, new ones are answered 503 with
   * Retry-After at once: under overload, admitting more would only make every request slower.
   */
  MAX_REQUESTS_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(64),
  /** Run the background job workers in this process (the web server does by default). */
  JOBS_WORKERS: z
    .enum(['0', '1', 'true', 'false'])
    .default('1')
    .transform((v) => v === '1' || v === 'true'),
  /** The SMTP gateway (lib/mailflow/gateway.ts): port and address it listens on. */
  SMTP_PORT: z.coerce.number().int().min(0).max(65535).default(2525),
  SMTP_HOST: z.string().min(1).default('0.0.0.0'),
  /** `npm start` runs the gateway beside the web server; 0 turns it off (e.g. for web-only instances). */
  SMTP_GATEWAY: z
    .enum(['0', '1', 'true', 'false'])
    .default('1')
    .transform((v) => v === '1' || v === 'true'),
  /** PEM files of the gateway's STARTTLS certificate (chain) and key; demo mode generates a self-signed pair under .data/. */
  SMTP_TLS_CERT: z.string().min(1).optional(),
  SMTP_TLS_KEY: z.string().min(1).optional(),
  /** The name the gateway greets with and puts in its certificate. */
  SMTP_HOSTNAME: z.string().min(1).default('localhost'),
  /** Largest message accepted (advertised as SIZE, enforced while streaming). 50 MiB. */
  SMTP_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(50 * 1024 * 1024),
  /** Recipients per message; more get 452 4.5.3 (the client sends the rest in another transaction). */
  SMTP_MAX_RECIPIENTS: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Messages per connector per minute, counted in PostgreSQL across every gateway process. */
  SMTP_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000_000).default(30_000),
});

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

export function env(): Env {
  if (!cached) {
    const parsed = schema.safeParse(process.env);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new Error(`Invalid configuration: ${problems}`);
    }
    cached = parsed.data;
  }
  return cached;
}

/** For tests that change process.env between cases. */
export function resetEnvCache() {
  cached = undefined;
}

export function internalUrl(): string {
  const e = env();
  return e.INTERNAL_URL ?? `http://127.0.0.1:${e.PORT}`;
}

export function databaseUrl(): string {
  const url = env().DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set. Start the portal with `npm start`, which provides a database.');
  return url;
}
