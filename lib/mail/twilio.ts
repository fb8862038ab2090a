import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type TwilioResponse from 'twilio/lib/http/response';
import { TransportError, type OutgoingMessage, type Transport } from './transport';

/** The path of Twilio's status callbacks; its public URL is APP_URL + this path (lib/delivery/twilio-webhook.ts). */
export const TWILIO_WEBHOOK_PATH = '/api/webhooks/twilio';
const TWILIO_API_ORIGIN = 'https://api.twilio.com';

export type TwilioSettings = { accountSid: string; authToken: string; from: string; apiBase?: string };

/** The status callback URL of one outbox message: its id lets the callback find it even before the send is recorded. */
export function twilioStatusCallbackUrl(appUrl: string, outboxId: string): string {
  const url = new URL(TWILIO_WEBHOOK_PATH, appUrl.replace(/\/+$/, '') + '/');
  url.searchParams.set('outbox', outboxId);
  return url.href;
}

/**
 * What a refusal from Twilio means for the outbox: 429 and 5xx may pass later (Retry-After, in
 * seconds, is honoured when given); any other 4xx (an invalid number 21211, an unverified or
 * blocked number, bad credentials) never will, and retrying would only spend the recipient's
 * 10 minutes.
 */
export function twilioFailure(status: number, body: unknown, retryAfter: string | null | undefined): TransportError {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown; message?: unknown };
  const code = typeof fields.code === 'number' || typeof fields.code === 'string' ? ` ${fields.code}` : '';
  const text = typeof fields.message === 'string' ? fields.message : `HTTP ${status}`;
  const permanent = status >= 400 && status < 500 && status !== 429;
  const seconds = Number(retryAfter);
  return new TransportError(`Twilio${code}: ${text} (${status})`.slice(0, 1000), permanent, Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : undefined);
}

/**
 * The SDK's own HTTP client with two changes: every failure becomes a TransportError here, where
 * the response's headers are still at hand (the SDK's RestException drops Retry-After), and
 * `apiBase` replaces https://api.twilio.com (tests point it at a local stand-in). The SDK's
 * automatic 429 retries stay off: the job queue retries, with the outbox row as the guard.
 */
class SealpostRequestClient extends twilio.RequestClient {
  constructor(private readonly apiBase?: string) {
    super({ timeout: 15_000, autoRetry: false });
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<TwilioResponse<TData>> {
    const uri = this.apiBase && opts.uri.startsWith(TWILIO_API_ORIGIN) ? this.apiBase.replace(/\/+$/, '') + opts.uri.slice(TWILIO_API_ORIGIN.length) : opts.uri;
    let response: TwilioResponse<TData>;
    try {
      response = await super.request<TData>({ ...opts, uri });
    } catch (e) {
      // No answer (refused, reset, timed out): Twilio may or may not have the message; see send().
      throw new TransportError(`Twilio: ${e instanceof Error ? e.message : String(e)} (network)`, false);
    }
    if (response.statusCode >= 400) {
      const headers = response.headers as Record<string, unknown> | undefined;
      const retryAfter = headers?.['retry-after'];
      throw twilioFailure(response.statusCode, parseBody(response.body), typeof retryAfter === 'string' ? retryAfter : null);
    }
    return response;
  }
}

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}

/**
 * SMS through Twilio's Messages API with the official SDK. `from` is the sending number or a
 * Messaging Service SID (MG…). With `statusCallbackBase` (APP_URL) each message asks Twilio for
 * signed status callbacks, which become delivery events (lib/delivery/twilio-webhook.ts).
 *
 * Twilio's Messages API takes no idempotency key, so the outbox row is the only guard against a
 * second text: deliverOutboxMessage sends only a `queued` row, and marks it `sent` right after
 * Twilio accepts it, in a conditional update; pg-boss hands each job to one worker. What remains
 * possible is a duplicate when Twilio accepted the message but we never learnt it — the answer
 * lost to a timeout or reset (a "network" failure, retried), or the process dying, or the
 * database refusing the update, between Twilio's answer and the row becoming `sent` — and the job
 * then runs again. The recipient then gets the same code twice (it is one code, still single use);
 * never a message lost.
 */
export function twilioTransport(settings: TwilioSettings, statusCallbackBase?: string): Transport {
  const client = twilio(settings.accountSid, settings.authToken, { httpClient: new SealpostRequestClient(settings.apiBase), autoRetry: false });
  const sender = settings.from.startsWith('MG') ? { messagingServiceSid: settings.from } : { from: settings.from };
  return {
    name: 'twilio',
    async send(message: OutgoingMessage) {
      if (message.channel !== 'sms') throw new TransportError('Twilio sends SMS only', true);
      const sent = await client.messages.create({
        to: message.recipient,
        body: message.bodyText,
        ...sender,
        ...(statusCallbackBase ? { statusCallback: twilioStatusCallbackUrl(statusCallbackBase, message.id) } : {}),
      });
      return { providerId: sent.sid };
    },
  };
}
