import { z } from 'zod';
import { parseSmartHost } from '@/lib/mailflow/outbound/route';

/**
 * The one place that reads process.env (lib/env.test.ts fails on any other reader outside its short
 * list of exceptions). Every optional service has a working local default, so the portal runs with
 * no keys at all; a value that is set but wrong stops `npm start` with one line naming the variable.
 */

/** `FOO=` (or spaces) means unset, as it does in most .env files and process managers. */
const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : typeof value === 'string' ? value.trim() : value);

/** A string; the fallback applies when unset or blank. */
function text(): z.ZodType<string | undefined>;
function text(fallback: string): z.ZodType<string>;
function text(fallback?: string): z.ZodType<string | undefined> {
  return z.preprocess(blankToUndefined, fallback === undefined ? z.string().optional() : z.string().default(fallback));
}

function wholeNumber(min: number, max: number, fallback: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d+$/, message)
      .default(String(fallback))
      .transform(Number)
      .refine((n) => n >= min && n <= max, message),
  );
}

function url(): z.ZodType<string | undefined>;
function url(fallback: string): z.ZodType<string>;
function url(fallback?: string): z.ZodType<string | undefined> {
  const schema = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
  return z.preprocess(blankToUndefined, fallback === undefined ? schema.optional() : schema.default(fallback));
}

function flag(fallback: '0' | '1') {
  return z.preprocess(
    blankToUndefined,
    z
      .enum(['0', '1', 'true', 'false'], { error: 'must be 1, 0, true or false' })
      .default(fallback)
      .transform((v) => v === '1' || v === 'true'),
  );
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) {
  return z.preprocess(blankToUndefined, z.enum(values, { error: `must be one of ${values.join(', ')}` }).default(fallback));
}

function secret(minLength: number) {
  return z.preprocess(blankToUndefined, z.string().min(minLength, `must be at least ${minLength} characters`).optional());
}

/** Values of these are never repeated in an error message (their length is, to help spot a truncated paste). */
const SECRETS = new Set([
  'AUTH_SECRET',
  'RESEND_API_KEY',
  'RESEND_WEBHOOK_SECRET',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'S3_SECRET_ACCESS_KEY',
  'METRICS_TOKEN',
  'TWILIO_AUTH_TOKEN',
  'DATABASE_URL',
  'SEALPOST_MASTER_KEY',
]);

const fields = {
  NODE_ENV: oneOf(['development', 'production', 'test'], 'development'),
  DATABASE_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  /** Signs session tokens and (through HKDF) keys the attachment draft ids and stored client secrets. */
  AUTH_SECRET: secret(32),
  /**
   * 32 random bytes, base64 (`openssl rand -base64 32`): each organisation's key-encryption keys
   * are derived from it (lib/crypto/keys.ts) unless KMS_KEY_ID is set. Demo mode generates one into
   * $SEALPOST_DATA_DIR/master-key. Losing it loses every secure message.
   */
  SEALPOST_MASTER_KEY: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine((v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32, 'must be 32 bytes in base64 (generate one with `openssl rand -base64 32`)')
      .optional(),
  ),
  /** An AWS KMS key (id, ARN or alias): organisations' key-encryption keys then come from KMS (GenerateDataKey/Decrypt). */
  KMS_KEY_ID: text(),
  /** The KMS key's region. Unset: S3_REGION. */
  KMS_REGION: text(),
  /** Another KMS endpoint (a VPC endpoint; tests use a local stand-in). */
  KMS_ENDPOINT: url(),
  /** How many reverse proxies in front of the app append to X-Forwarded-For. 0 = none. */
  TRUSTED_PROXY_HOPS: wholeNumber(0, 10, 0),
  /** The public address, used in emailed links. Unset: http://localhost:$PORT. */
  APP_URL: url(),
  /** security.txt's Contact (RFC 9116): a mailto: or https: address. Unset: mailto:security@ the APP_URL's host. */
  SECURITY_CONTACT: z.preprocess(blankToUndefined, z.string().regex(/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/, 'must be a mailto: or https:// address').optional()),
  PORT: wholeNumber(1, 65535, 3000),
  HOST: text('0.0.0.0'),
  /** `npm start` only: worker processes sharing the port, or `auto` for one per core. */
  WEB_CONCURRENCY: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^(auto|\d+)$/, 'must be a whole number from 1 to 64, or "auto"')
      .default('1')
      .transform((v) => (v === 'auto' ? ('auto' as const) : Number(v)))
      .refine((v) => v === 'auto' || (v >= 1 && v <= 64), 'must be a whole number from 1 to 64, or "auto"'),
  ),
  /** How the server reaches itself (the invoice PDF renders the app's own print page). Unset: http://127.0.0.1:$PORT. */
  INTERNAL_URL: url(),
  MAIL_FROM: z.preprocess(blankToUndefined, z.string().min(3, 'must be a sender address, e.g. Sealpost <no-reply@example.com>').default('Sealpost <no-reply@sealpost.example>')),
  /** Where administrators' policy change requests (/policies) are emailed: the Sealpost operators who configure policies. */
  SEALPOST_OPERATORS_EMAIL: z.preprocess(blankToUndefined, z.email('must be an email address, e.g. operators@example.com').default('operators@sealpost.example')),
  RESEND_API_KEY: text(),
  /** Svix signing secret (whsec_…) of Resend's delivery webhooks; /api/webhooks/resend answers 404 without it. */
  RESEND_WEBHOOK_SECRET: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^(whsec_)?[A-Za-z0-9+/]+={0,2}$/, 'must be the webhook signing secret (whsec_… followed by base64)')
      .optional(),
  ),
  /** Lets tests point the Resend SDK at a local server. */
  RESEND_BASE_URL: url(),
  /**
   * All three together send SMS (two-factor codes) through Twilio; without them SMS stays in the
   * outbox. TWILIO_FROM is the sending number (E.164) or a Messaging Service SID (MG…), which
   * then picks the number itself.
   */
  TWILIO_ACCOUNT_SID: z.preprocess(blankToUndefined, z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be an account SID (AC followed by 32 hex digits)').optional()),
  /** Also the key of the status callbacks' X-Twilio-Signature (/api/webhooks/twilio). */
  TWILIO_AUTH_TOKEN: secret(1),
  TWILIO_FROM: z.preprocess(
    blankToUndefined,
    z.string().regex(/^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/, 'must be an E.164 number (+15551234567) or a Messaging Service SID (MG…)').optional(),
  ),
  /** Tests only: send the Twilio SDK's API calls to a local stand-in instead of https://api.twilio.com. */
  TWILIO_API_BASE: url(),
  /**
   * All three together enable card payments through Stripe. Without STRIPE_SECRET_KEY, checkout uses the built-in test
   * gateway in demo mode only; a real deployment then takes checks only (lib/billing/card-payments.ts).
   */
  STRIPE_SECRET_KEY: z.preprocess(blankToUndefined, z.string().regex(/^(sk|rk)_(test|live)_\S+$/, 'must be a secret (sk_…) or restricted (rk_…) key').optional()),
  /** Signing secret of the webhook endpoint (/api/webhooks/stripe), whsec_… */
  STRIPE_WEBHOOK_SECRET: z.preprocess(blankToUndefined, z.string().regex(/^whsec_\S+$/, 'must be the endpoint signing secret (whsec_…)').optional()),
  // The pk_ check also stops a secret key from being pasted here and sent to every browser.
  NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: z.preprocess(blankToUndefined, z.string().regex(/^pk_(test|live)_\S+$/, 'must be a publishable key (pk_…)').optional()),
  /** Tests only: send Stripe API calls to a local stand-in (refused with a live key). */
  STRIPE_API_BASE: url(),
  /** Demo data and /dev/outbox. Unset: on without DATABASE_URL (`npm start` starts an embedded database), else off. */
  SEALPOST_DEMO: z.preprocess(
    blankToUndefined,
    z
      .enum(['0', '1', 'true', 'false'], { error: 'must be 1, 0, true or false' })
      .transform((v) => v === '1' || v === 'true')
      .optional(),
  ),
  /** Attachments go to this S3-compatible bucket when set (lib/storage/s3-store.ts). */
  S3_BUCKET: text(),
  S3_REGION: text('us-east-1'),
  S3_ENDPOINT: url(),
  S3_ACCESS_KEY_ID: text(),
  S3_SECRET_ACCESS_KEY: text(),
  S3_FORCE_PATH_STYLE: flag('0'),
  /** Where the embedded PostgreSQL, the demo secret and attachments live (attachments/). */
  SEALPOST_DATA_DIR: text('.data'),
  /**
   * The absolute lifetime of a session, from sign-in, however often it is used or refreshed (the
   * 8-hour idle limit slides; this one does not). Applies to administrators and portal users.
   */
  SESSION_ABSOLUTE_HOURS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'must be a number of hours from 1 to 168')
      .default('12')
      .transform(Number)
      .refine((n) => n >= 1 && n <= 168, 'must be a number of hours from 1 to 168'),
  ),
  /**
   * Requests one server process works on at once. Beyond it, new ones are answered 503 with
   * Retry-After at once: under overload, admitting more would only make every request slower.
   */
  MAX_REQUESTS_IN_FLIGHT: wholeNumber(1, 10_000, 64),
  /** Log lines at this level and above (pino). */
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  /** Also append every log line to this file (standard output always gets them). */
  LOG_FILE: text(),
  /** Bearer token that /api/metrics requires; without it the metrics endpoint answers 404. */
  METRICS_TOKEN: secret(16),
  /** Seconds a client has to send a request's headers (Node's headersTimeout). */
  HTTP_HEADERS_TIMEOUT: z.coerce.number().positive().max(600).default(20),
  /**
   * Seconds a request body (other than an attachment upload) may go without a byte, and seconds
   * it may take in all, before it is refused and its connection closed. Requests waiting for their
   * body do not count against MAX_REQUESTS_IN_FLIGHT.
   */
  REQUEST_BODY_IDLE_TIMEOUT: z.coerce.number().positive().max(600).default(10),
  REQUEST_BODY_TIMEOUT: z.coerce.number().positive().max(3600).default(60),
  /** An attachment upload must deliver UPLOAD_MIN_BYTES_PER_SECOND × this many seconds in every such period. */
  UPLOAD_PROGRESS_TIMEOUT: z.coerce.number().positive().max(3600).default(30),
  UPLOAD_MIN_BYTES_PER_SECOND: z.coerce.number().int().min(1).max(100 * 1024 * 1024).default(1024),
  /** Run the background job workers in this process (the web server does by default). */
  JOBS_WORKERS: flag('1'),
  /** Chromium pages rendering PDFs at once (one warm browser per process). */
  PDF_MAX_PAGES: wholeNumber(1, 64, 4),
  /** Chromium for invoice PDFs (Debian's `chromium` package). */
  CHROME_PATH: text('/usr/bin/chromium'),
  /** The SMTP gateway (lib/mailflow/gateway.ts): port and address it listens on. */
  SMTP_PORT: wholeNumber(0, 65535, 2525),
  SMTP_HOST: text('0.0.0.0'),
  /** `npm start` runs the gateway beside the web server; 0 turns it off (e.g. for web-only instances). */
  SMTP_GATEWAY: flag('1'),
  /** PEM files of the gateway's STARTTLS certificate (chain) and key; demo mode generates a self-signed pair under .data/. */
  SMTP_TLS_CERT: text(),
  SMTP_TLS_KEY: text(),
  /** The name the gateway greets with and puts in its certificate. */
  SMTP_HOSTNAME: text('localhost'),
  /** Largest message accepted (advertised as SIZE, enforced while streaming). 50 MiB. */
  SMTP_MAX_MESSAGE_BYTES: wholeNumber(1024, 1024 * 1024 * 1024, 50 * 1024 * 1024),
  /** Recipients per message; more get 452 4.5.3 (the client sends the rest in another transaction). */
  SMTP_MAX_RECIPIENTS: wholeNumber(1, 10_000, 100),
  /** Messages per connector per minute, counted in PostgreSQL across every gateway process. */
  SMTP_RATE_LIMIT_PER_MINUTE: wholeNumber(1, 10_000_000, 30_000),
  /** Outbound SMTP through this smart host (`host`, `host:port`, `[IPv6]:port`; 465 is implicit TLS) instead of the recipients' MX hosts. */
  SMTP_RELAY_HOST: z.preprocess(blankToUndefined, z.string().refine((v) => parseSmartHost(v) !== null, 'must be host, host:port or [IPv6]:port').optional()),
  /** A deferred recipient is retried for this many days, then bounced with a DSN (Postfix's maximal_queue_lifetime). */
  SMTP_RETRY_DAYS: wholeNumber(1, 30, 5),
};

/** Rules that tie variables together; each names the variable to fix. */
const schema = z
  .object(fields)
  .superRefine((e, ctx) => {
    const problem = (variable: string, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message, params: { acrossVariables: true } });
    if (e.STRIPE_SECRET_KEY) {
      // Half a configuration takes money without granting licenses (no webhook secret) or cannot
      // show the card form (no publishable key).
      if (!e.STRIPE_WEBHOOK_SECRET) problem('STRIPE_WEBHOOK_SECRET', 'must be set when STRIPE_SECRET_KEY is');
      if (!e.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY) problem('NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY', 'must be set when STRIPE_SECRET_KEY is');
      const live = (key: string) => key.includes('_live_');
      if (e.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY && live(e.STRIPE_SECRET_KEY) !== live(e.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY)) {
        problem('NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY', 'must be from the same mode (test or live) as STRIPE_SECRET_KEY');
      }
      // A live key goes to api.stripe.com only; the override exists for tests with test keys.
      if (e.STRIPE_API_BASE && live(e.STRIPE_SECRET_KEY)) problem('STRIPE_API_BASE', 'cannot be used with a live STRIPE_SECRET_KEY');
    }
    // Twilio half-configured is refused: quietly falling back to the outbox would leave production
    // codes undelivered with nobody told.
    const twilio = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] as const;
    const missing = twilio.filter((k) => e[k] === undefined);
    if (missing.length > 0 && missing.length < twilio.length) problem(missing[0], `must be set: Twilio needs ${twilio.join(', ')} together`);
    if ((e.SMTP_TLS_CERT === undefined) !== (e.SMTP_TLS_KEY === undefined)) {
      problem(e.SMTP_TLS_CERT === undefined ? 'SMTP_TLS_CERT' : 'SMTP_TLS_KEY', 'must be set together with the other of SMTP_TLS_CERT and SMTP_TLS_KEY (or neither)');
    }
    if ((e.S3_ACCESS_KEY_ID === undefined) !== (e.S3_SECRET_ACCESS_KEY === undefined)) {
      problem(e.S3_ACCESS_KEY_ID === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY', 'must be set together with the other of S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (or neither)');
    }
  })
  .transform((e) => ({ ...e, APP_URL: e.APP_URL ?? `http://localhost:${e.PORT}`,
    INTERNAL_URL: e.INTERNAL_URL ?? `http://127.0.0.1:${e.PORT}`, SEALPOST_DEMO: e.SEALPOST_DEMO ?? !e.DATABASE_URL }));

export type Env = z.infer<typeof schema>;

/** Every variable the configuration has (the README's table lists the same, lib/env.test.ts checks). */
export const CONFIGURATION_VARIABLES = Object.keys(fields) as (keyof typeof fields)[];

/** A configuration that cannot be used. Its message is one line that names the variable(s). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describe(variable: string, message: string, raw: unknown): string {
  if (typeof raw !== 'string') return `${variable} ${message}`;
  if (SECRETS.has(variable)) return `${variable} ${message} (got ${raw.trim().length} characters)`;
  return `${variable} ${message} (got ${JSON.stringify(raw)})`;
}

/** Parses a set of variables (process.env, or a test's own) into the configuration, or throws a ConfigError. */
export function parseEnv(source: Readonly<Record<string, string | undefined>>): Env {
  const parsed = schema.safeParse(source);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? 'configuration');
    return describe(variable, issue.message, issue.code === 'custom' && issue.params?.acrossVariables ? undefined : source[variable]);
  });
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}

let cached: Env | undefined;

/** The process's configuration, parsed once. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** For code that changes process.env (tests, the start script setting defaults for the server). */
export function resetEnvCache() {
  cached = undefined;
}

export function internalUrl(): string {
  return env().INTERNAL_URL;
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
