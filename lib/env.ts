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
  /**
   * All three together send SMS (two-factor codes) through Twilio; without them SMS stays in the
   * outbox. TWILIO_FROM is the sending number (E.164) or a Messaging Service SID (MG…), which
   * then picks the number itself.
   */
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'TWILIO_ACCOUNT_SID must be an account SID (AC followed by 32 hex digits)').optional(),
  /** Also the key of the status callbacks' X-Twilio-Signature (/api/webhooks/twilio). */
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_FROM: z
    .string()
    .regex(/^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/, 'TWILIO_FROM must be an E.164 number (+15551234567) or a Messaging Service SID (MG…)')
    .optional(),
  /** Tests only: send the Twilio SDK's API calls to a local stand-in instead of https://api.twilio.com. */
  TWILIO_API_BASE: z.string().url().optional(),
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
  /**
   * The absolute lifetime of a session, from sign-in, however often it is used or refreshed (the
   * 8-hour idle limit slides; this one does not). Applies to administrators and portal users.
   */
  SESSION_ABSOLUTE_HOURS: z.coerce.number().min(1).max(168).default(12),
  MAX_REQUESTS_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(64),
  /** Log lines at this level and above (pino: fatal, error, warn, info, debug, trace, silent). */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Also append every log line to this file (standard output always gets them). */
  LOG_FILE: z.string().min(1).optional(),
  /** Bearer token that /api/metrics requires; without it the metrics endpoint answers 404. */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  /** Run the background job workers in this process (the web server does by default). */
  JOBS_WORKERS: z
    .enum(['0', '1', 'true', 'false'])
    .default('1')
    .transform((v) => v === '1' || v === 'true'),
});

export type Env = z.infer<typeof schema>;

const TWILIO_SETTINGS = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] as const;

/**
 * Twilio half-configured is refused at start: quietly falling back to the outbox would leave
 * production codes undelivered with nobody told.
 */
const checked = schema.superRefine((e, ctx) => {
  const set = TWILIO_SETTINGS.filter((k) => e[k] !== undefined);
  if (set.length > 0 && set.length < TWILIO_SETTINGS.length) {
    const missing = TWILIO_SETTINGS.filter((k) => e[k] === undefined);
    ctx.addIssue({ code: 'custom', path: [missing[0]], message: `Twilio needs ${TWILIO_SETTINGS.join(', ')} together; missing ${missing.join(', ')}` });
  }
});

let cached: Env | undefined;

export function env(): Env {
  if (!cached) {
    const parsed = checked.safeParse(process.env);
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

/** Twilio's settings when SMS goes through Twilio, else null (SMS stays in the outbox). */
export function twilioConfig(): { accountSid: string; authToken: string; from: string; apiBase?: string } | null {
  const e = env();
  if (!e.TWILIO_ACCOUNT_SID || !e.TWILIO_AUTH_TOKEN || !e.TWILIO_FROM) return null;
  return { accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN, from: e.TWILIO_FROM, apiBase: e.TWILIO_API_BASE };
}

export function databaseUrl(): string {
  const url = env().DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set. Start the portal with `npm start`, which provides a database.');
  return url;
}
