import 'server-only';
import { and, eq } from 'drizzle-orm';
import twilio from 'twilio';
import { getDb } from '@/db/client';
import { outboxMessages, webhookEvents } from '@/db/schema';
import { env, twilioConfig } from '@/lib/env';
import { isUuid } from '@/lib/ids';
import { TWILIO_WEBHOOK_PATH } from '@/lib/mail/twilio';
import { ingestDeliveryEvents, type DeliveryEventRow } from './ingest';

export type TwilioWebhookOutcome = 'stored' | 'duplicate' | 'ignored';
export type TwilioWebhookResult = { status: 200; outcome: TwilioWebhookOutcome; stored: number } | { status: 400 | 404; message: string };

/**
 * Twilio's final message states. `failed`: Twilio could not send it at all (a hard bounce);
 * `undelivered`: the carrier did not deliver it (often the handset off or out of reach, so soft).
 * The states on the way (queued, sending, sent, accepted…) are acknowledged and not stored.
 */
const STATUS_MAP: Partial<Record<string, { event: DeliveryEventRow['event']; bounceClass: DeliveryEventRow['bounceClass'] }>> = {
  delivered: { event: 'delivered', bounceClass: null },
  failed: { event: 'bounced', bounceClass: 'hard' },
  undelivered: { event: 'bounced', bounceClass: 'soft' },
};

const MESSAGE_SID = /^(SM|MM)[0-9a-f]{32}$/i;

/**
 * The URL Twilio signed: the public address (APP_URL) with the path and query it called. The
 * request's own host is not used: behind a proxy it is not what Twilio saw.
 */
export function signedUrl(appUrl: string, requestUrl: URL): string {
  return `${appUrl.replace(/\/+$/, '')}${requestUrl.pathname}${requestUrl.search}`;
}

/**
 * Acts on one Twilio status callback (form-encoded): checks X-Twilio-Signature with the SDK's
 * validateRequest over the exact public URL and the form parameters, finds the outbox message
 * through the `outbox` id of its callback URL (its recorded SID, when there is one, must match),
 * and stores a delivery event of method `sms_two_factor` together with the claim
 * `twilio:<MessageSid>:<status>` in one transaction, so a replayed or concurrent duplicate stores
 * nothing new. Intermediate states and unknown messages are acknowledged and ignored.
 */
export async function processTwilioWebhook(rawBody: string, signature: string | null, requestUrl: URL, now: Date = new Date()): Promise<TwilioWebhookResult> {
  const config = twilioConfig();
  if (!config) return { status: 404, message: 'Not found.' };
  if (requestUrl.pathname !== TWILIO_WEBHOOK_PATH) return { status: 404, message: 'Not found.' };
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawBody)) params[key] = value;
  if (!signature || !twilio.validateRequest(config.authToken, signature, signedUrl(env().APP_URL, requestUrl), params)) {
    return { status: 400, message: 'The webhook signature is missing or wrong.' };
  }

  const sid = params.MessageSid ?? params.SmsSid ?? '';
  const state = (params.MessageStatus ?? params.SmsStatus ?? '').toLowerCase();
  const mapped = STATUS_MAP[state];
  const outboxId = requestUrl.searchParams.get('outbox') ?? '';
  if (!mapped || !MESSAGE_SID.test(sid) || !isUuid(outboxId) || params.AccountSid !== config.accountSid) return { status: 200, outcome: 'ignored', stored: 0 };

  const db = getDb();
  const [message] = await db
    .select({ orgId: outboxMessages.orgId, recipient: outboxMessages.recipient, providerId: outboxMessages.providerId })
    .from(outboxMessages)
    .where(and(eq(outboxMessages.id, outboxId), eq(outboxMessages.channel, 'sms')));
  const orgId = message?.orgId;
  // A callback for another message than the one recorded for this id, or for no organisation's: nothing to show.
  if (!message || !orgId || (message.providerId && message.providerId !== sid)) return { status: 200, outcome: 'ignored', stored: 0 };

  const errorCode = (params.ErrorCode ?? '').replace(/[^0-9]/g, '').slice(0, 10);
  const row: DeliveryEventRow = {
    occurredAt: now,
    messageId: sid,
    sender: (params.From ?? params.MessagingServiceSid ?? config.from).slice(0, 100),
    recipient: message.recipient,
    event: mapped.event,
    method: 'sms_two_factor',
    remoteServer: '',
    smtpCode: null,
    enhancedCode: '',
    diagnostic: mapped.event === 'bounced' ? `Twilio ${state}${errorCode ? `, ErrorCode ${errorCode}` : ''}` : '',
    bounceClass: mapped.bounceClass,
  };
  return db.transaction(async (tx): Promise<TwilioWebhookResult> => {
    const claimed = await tx
      .insert(webhookEvents)
      .values({ id: `twilio:${sid}:${state}`, provider: 'twilio', type: `message.${state}`, receivedAt: now })
      .onConflictDoNothing()
      .returning({ id: webhookEvents.id });
    if (claimed.length === 0) return { status: 200, outcome: 'duplicate', stored: 0 };
    const stored = await ingestDeliveryEvents(orgId, [row], 'provider', tx);
    return { status: 200, outcome: 'stored', stored };
  });
}
