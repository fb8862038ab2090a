import { Resend } from 'resend';
import { env, twilioConfig } from '@/lib/env';
import { twilioTransport } from './twilio';

export type OutgoingMessage = {
  id: string;
  channel: 'email' | 'sms';
  recipient: string;
  subject: string;
  bodyText: string;
  bodyHtml: string;
  idempotencyKey: string;
  /** Files sent with an email (an invoice's PDF); SMS has none. */
  attachments?: MailAttachment[];
};

export type MailAttachment = { filename: string; contentType: string; content: Buffer };

/** A provider that refuses now but may accept later (5xx, 429, network) vs. one that never will. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface Transport {
  readonly name: string;
  /**
   * True when storing the message is the delivery: its row is what the reader reads (the demo
   * outbox), so a body carrying a secret is kept. Any other transport hands the message on, and
   * the stored copy of such a body is redacted (lib/mail/deliver.ts).
   */
  readonly deliversByStoring?: boolean;
  send(message: OutgoingMessage): Promise<{ providerId: string }>;
}

/** The default: the message stays in the database outbox, readable at /dev/outbox. */
export const outboxTransport: Transport = {
  name: 'outbox',
  deliversByStoring: true,
  async send(message) {
    return { providerId: `outbox:${message.id}` };
  },
};

export function resendTransport(apiKey: string, from: string, baseUrl?: string): Transport {
  const client = new Resend(apiKey, baseUrl ? { baseUrl } : undefined);
  return {
    name: 'resend',
    async send(message) {
      if (message.channel !== 'email') throw new TransportError('Resend sends email only', true);
      const { data, error, headers } = await client.emails.send(
        {
          from,
          to: [message.recipient],
          subject: message.subject,
          text: message.bodyText,
          ...(message.bodyHtml ? { html: message.bodyHtml } : {}),
          ...(message.attachments?.length
            ? { attachments: message.attachments.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })) }
            : {}),
        },
        { idempotencyKey: message.idempotencyKey },
      );
      if (error || !data) {
        const status = (error as { statusCode?: number | null } | null)?.statusCode ?? 0;
        // 4xx other than 429 (rate limit) and 409 (idempotency in flight) will never succeed.
        const permanent = status >= 400 && status < 500 && status !== 429 && status !== 409;
        const retryAfter = Number(headers?.['retry-after']);
        throw new TransportError(
          `Resend: ${error?.message ?? 'no answer'} (${status || 'network'})`,
          permanent,
          Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
        );
      }
      return { providerId: data.id };
    },
  };
}

/** The email transport in force: Resend when RESEND_API_KEY is set, else the outbox. */
export function emailTransport(): Transport {
  const e = env();
  return e.RESEND_API_KEY ? resendTransport(e.RESEND_API_KEY, e.MAIL_FROM, e.RESEND_BASE_URL) : outboxTransport;
}

/** The SMS transport in force: Twilio when TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are set, else the outbox. */
export function smsTransport(): Transport {
  const twilio = twilioConfig();
  return twilio ? twilioTransport(twilio, env().APP_URL) : outboxTransport;
}

export function outboxIsEmailTransport(): boolean {
  return !env().RESEND_API_KEY;
}
