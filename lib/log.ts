import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import pino from 'pino';
import { env, type Env } from '@/lib/env';

/**
 * Structured logs: pino JSON lines on standard output (pretty in development), one logger per
 * process. Every line of a request carries its request id, and once the action or route wrapper
 * knows them, the organisation and account ids and the action's name.
 *
 * What never goes into a log line: passwords, secrets, tokens, message bodies, and the full address
 * of a recipient. Callers pass ids, counts and codes; addresses go through `maskAddress`. As a net,
 * the keys in REDACTED_KEYS are censored wherever they appear in a logged object.
 */

export type RequestContext = {
  requestId: string;
  method?: string;
  route?: string;
  orgId?: string;
  accountId?: string;
  action?: string;
};

/** Keys whose values are never written, at any depth of a logged object (pino's redact paths). */
export const REDACTED_KEYS = [
  'password',
  'newPassword',
  'currentPassword',
  'secret',
  'clientSecret',
  'token',
  'authorization',
  'cookie',
  'body',
  'bodyText',
  'bodyHtml',
  'html',
  'text',
  'subject',
  'apiKey',
];

const g = globalThis as unknown as { __sealpostLogger?: pino.Logger; __sealpostRequestContext?: AsyncLocalStorage<RequestContext> };

/**
 * The request context, shared through globalThis: our HTTP server (scripts/server.ts) and the
 * route handlers and actions that Next bundles separately must see the same store.
 */
export function requestContextStore(): AsyncLocalStorage<RequestContext> {
  g.__sealpostRequestContext ??= new AsyncLocalStorage<RequestContext>();
  return g.__sealpostRequestContext;
}

export function currentRequest(): RequestContext | undefined {
  return requestContextStore().getStore();
}

/** Adds what the wrappers learn (actor, action) to the current request's context. */
export function annotateRequest(fields: Partial<Omit<RequestContext, 'requestId'>>) {
  const context = currentRequest();
  if (context) Object.assign(context, fields);
}

/** The settings, or their defaults when the configuration itself is what is being reported. */
function settings(): Pick<Env, 'LOG_LEVEL' | 'LOG_FILE' | 'NODE_ENV'> {
  try {
    return env();
  } catch {
    return { LOG_LEVEL: 'info', LOG_FILE: undefined, NODE_ENV: 'production' };
  }
}

function destination(file: string | undefined): pino.DestinationStream {
  // LOG_FILE: also append every line to a file (the browser tests read a run's logs from it).
  const out = pino.destination({ fd: 1, sync: true });
  if (!file) return out;
  return pino.multistream([{ stream: out }, { stream: fs.createWriteStream(file, { flags: 'a' }) }]);
}

/** A logger with Sealpost's options, writing to `to` (tests pass their own stream). */
export function createLogger(to?: pino.DestinationStream): pino.Logger {
  const config = settings();
  const options: pino.LoggerOptions = {
    level: config.LOG_LEVEL,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]), censor: '[redacted]' },
    // The request's id, organisation and account on every line written while it is handled.
    mixin: () => {
      const context = currentRequest();
      return context ? { reqId: context.requestId, orgId: context.orgId, accountId: context.accountId } : {};
    },
  };
  if (to) return pino(options, to);
  const pretty = config.NODE_ENV === 'development' && process.stdout.isTTY && !config.LOG_FILE;
  if (pretty) {
    try {
      return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } } });
    } catch {
      // pino-pretty is a development dependency: without it, plain JSON lines.
    }
  }
  return pino(options, destination(config.LOG_FILE));
}

export function logger(): pino.Logger {
  g.__sealpostLogger ??= createLogger();
  return g.__sealpostLogger;
}

/** A logger for one part of the system: `log('jobs').info(…)`. */
export function log(component: string): pino.Logger {
  return logger().child({ component });
}

/** `person@example.com` → `p•••@example.com`: enough to tell addresses apart in a log, not to collect them. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '•••';
  return `${address[0]}•••${address.slice(at)}`;
}

/** An error as a log field: its message and code, with the stack only for unexpected errors. */
export function errorFields(error: unknown, withStack = true): Record<string, unknown> {
  if (!(error instanceof Error)) return { err: String(error) };
  const code = (error as { code?: unknown }).code;
  return { err: { type: error.name, message: error.message.split('\n')[0], code: typeof code === 'string' ? code : undefined, stack: withStack ? error.stack : undefined } };
}
