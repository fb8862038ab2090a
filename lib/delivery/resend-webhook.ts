import 'server-only';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import { getDb } from '@/db/client';
import { outboxMessages, webhookEvents } from '@/db/schema';
import type { BounceReason } from './classify-bounce';
import { ingestDeliveryEvents, withDerivedClass, type DeliveryEventRow } from './ingest';
import { env } from '@/lib/env';

/** As for payment webhooks: a signature older than five minutes (a replay) changes nothing. */
export const RESEND_SIGNATURE_TOLERANCE_SECONDS = 300;

export type ResendWebhookOutcome = 'stored' | 'duplicate' | 'ignored';
export type ResendWebhookResult = { status: 200; outcome: ResendWebhookOutcome; stored: number } | { status: 400 | 404; message: string };

function webhookSecret(): Buffer | null {
  const secret = env().RESEND_WEBHOOK_SECRET;
  if (!secret) return null;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  if (key.length === 0) {
    console.error('[resend] RESEND_WEBHOOK_SECRET is not a whsec_… base64 secret; webhook disabled');
    return null;
  }
  return key;
}

/** Svix's scheme, as Resend uses it: base64 HMAC-SHA256 of "{id}.{timestamp}.{raw body}". */
export function svixSignature(key: Buffer, id: string, timestamp: string, raw: Uint8Array): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(raw).digest('base64');
}

/**
 * True when one of the `v1,<signature>` entries matches and the timestamp is within five minutes
 * either way (a future one is as suspect as an old one). Compared in constant time so the answer's
 * timing says nothing about how much of a forged signature was right.
 */
export function verifySvixSignature(
  key: Buffer,
  headers: { id: string | null; timestamp: string | null; signature: string | null },
  raw: Uint8Array,
  now: Date,
): boolean {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d{1,15}$/.test(timestamp)) return false;
  if (Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp)) > RESEND_SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(svixSignature(key, id, timestamp, raw), 'base64');
  // Several space-separated entries appear while a secret is being rotated.
  return signature.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Only the fields we read; Resend adds others freely, so unknown keys are allowed. */
const payloadSchema = z.object({
  type: z.string(),
  created_at: z.string().optional(),
  data: z.object({
    email_id: z.string().min(1).max(200),
    from: z.string().max(1000).optional(),
    to: z.union([z.array(z.string().max(1000)).max(1000), z.string().max(1000)]).optional(),
    bounce: z.object({ type: z.string().optional(), subType: z.string().optional(), message: z.string().optional() }).nullish(),
  }),
});
type ResendPayload = z.infer<typeof payloadSchema>;

const EVENT_MAP: Partial<Record<string, DeliveryEventRow['event']>> = {
  'email.delivered': 'delivered',
  'email.bounced': 'bounced',
  'email.delivery_delayed': 'deferred',
  'email.complained': 'complained',
};

/** "Name <addr@x>" or "addr@x" → "addr@x", lower case. */
function addressOf(value: string): string {
  const angle = /<([^<>]+)>/.exec(value);
  return (angle ? angle[1] : value).trim().toLowerCase();
}

function rowsFor(payload: ResendPayload, event: DeliveryEventRow['event'], fallbackRecipient: string, now: Date): DeliveryEventRow[] {
  const { data } = payload;
  const at = payload.created_at ? new Date(payload.created_at) : now;
  const occurredAt = Number.isNaN(at.getTime()) ? now : at;
  const to = (Array.isArray(data.to) ? data.to : data.to ? [data.to] : []).map(addressOf).filter(Boolean);
  const recipients = to.length > 0 ? to : [fallbackRecipient];
  // Resend calls a bounce "Permanent", "Transient" or "Undetermined". That is Resend's class, kept
  // as reportedClass; "Undetermined" says nothing, so it is no class at all. Sealpost's own class
  // comes from the classifier reading the message (withDerivedClass).
  const type = data.bounce?.type?.toLowerCase();
  const reportedClass = event === 'bounced' ? (type === 'permanent' ? 'hard' : type === 'transient' ? 'soft' : null) : null;
  const diagnostic =
    event === 'bounced'
      ? [data.bounce?.type, data.bounce?.subType, data.bounce?.message].filter(Boolean).join(' · ')
      : event === 'complained'
        ? 'The recipient marked the message as spam.'
        : '';
  const subTypeReason = event === 'bounced' ? SUBTYPE_REASONS[(data.bounce?.subType ?? '').toLowerCase()] : undefined;
  return recipients.map((recipient) => {
    const row = withDerivedClass({
    occurredAt,
    messageId: data.email_id,
    sender: data.from ? addressOf(data.from) : '',
    recipient,
    event,
    method: 'tls',
    remoteServer: '',
    smtpCode: null,
    enhancedCode: '',
    diagnostic: diagnostic.slice(0, 2000),
    bounceClass: reportedClass,
    reportedClass,
    });
    // The provider's sub-type names the reason when the words do not.
    if (subTypeReason && row.reason === 'other') {
      return withDerivedClass({ ...row, reason: subTypeReason, bounceClass: reportedClass, reportedClass });
    }
    return row;
  });
}

/** Resend's (Amazon SES's) bounce sub-types. */
const SUBTYPE_REASONS: Partial<Record<string, BounceReason>> = {
  noemail: 'user_unknown',
  mailboxfull: 'mailbox_full',
  messagetoolarge: 'message_too_big',
  contentrejected: 'content_rejected',
  attachmentrejected: 'content_rejected',
  suppressed: 'policy_blocked',
  onaccountsuppressionlist: 'policy_blocked',
};

/**
 * Acts on one Resend webhook delivery: verifies the Svix signature on the raw bytes, finds the
 * organisation through the outbox message Resend sent, and stores its delivery events together
 * with the claimed event id in one transaction, so a replay (or a concurrent duplicate, which
 * waits on the first one's uncommitted claim) stores nothing new. Unknown mail and event types are
 * acknowledged and ignored, so Resend stops retrying them.
 */
export async function processResendWebhook(raw: Uint8Array, headers: Headers, now: Date = new Date()): Promise<ResendWebhookResult> {
  const key = webhookSecret();
  if (!key) return { status: 404, message: 'Not found.' };
  const svix = { id: headers.get('svix-id'), timestamp: headers.get('svix-timestamp'), signature: headers.get('svix-signature') };
  if (!verifySvixSignature(key, svix, raw, now) || !svix.id) {
    return { status: 400, message: 'The webhook signature is missing, wrong or too old.' };
  }
  const svixId = svix.id;

  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    return { status: 400, message: 'The webhook body is not JSON.' };
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) {
    // Signed by Resend but not an email event we understand (e.g. a contact or domain event).
    return { status: 200, outcome: 'ignored', stored: 0 };
  }
  const event = EVENT_MAP[parsed.data.type];
  if (!event) return { status: 200, outcome: 'ignored', stored: 0 };

  const db = getDb();
  const [message] = await db
    .select({ orgId: outboxMessages.orgId, recipient: outboxMessages.recipient })
    .from(outboxMessages)
    .where(and(eq(outboxMessages.providerId, parsed.data.data.email_id), ne(outboxMessages.providerId, '')))
    .limit(1);
  const orgId = message?.orgId;
  // Mail we did not send, or sent for no organisation (operator mail): nobody's events to show.
  if (!message || !orgId) return { status: 200, outcome: 'ignored', stored: 0 };

  const rows = rowsFor(parsed.data, event, message.recipient.toLowerCase(), now);
  return db.transaction(async (tx): Promise<ResendWebhookResult> => {
    const claimed = await tx
      .insert(webhookEvents)
      .values({ id: `resend:${svixId}`, provider: 'resend', type: parsed.data.type, receivedAt: now })
      .onConflictDoNothing()
      .returning({ id: webhookEvents.id });
    if (claimed.length === 0) return { status: 200, outcome: 'duplicate', stored: 0 };
    const stored = await ingestDeliveryEvents(orgId, rows, 'provider', tx);
    return { status: 200, outcome: 'stored', stored };
  });
}
