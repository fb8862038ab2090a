import { and, eq, lt } from 'drizzle-orm';
import { getDb, type DbOrTx } from '@/db/client';
import { RAW_BOUNCE_MAX_BYTES, rawBounces } from '@/db/schema';
import type { BounceReason } from './classify-bounce';
import { storeDeliveryEvents, storeDeliveryEventsIn, type DeliveryEventRow, type DeliveryEventSource } from './ingest';
import { MAX_DIAGNOSTIC, readBounce, type ReadBounceOptions, type ReadBounceResult } from './read-bounce';

/** The original of an unparsed bounce is kept this long. */
export const RAW_BOUNCE_RETENTION_DAYS = 30;
/** A report's date is believed only this far into the future (clock skew); later ones read as now. */
const MAX_FUTURE_MS = 10 * 60_000;

export type RawBounceOutcome = {
  kind: ReadBounceResult['kind'];
  /** Why the bounce could not be read (kind 'unparsed'). */
  unparsedReason?: string;
  events: { id: number; recipient: string; event: DeliveryEventRow['event']; reason: BounceReason | null; bounceClass: 'hard' | 'soft' | null }[];
};

/**
 * What the caller already knows of the original (the gateway matched its signed return path to a
 * message): its Message-ID as its delivery events carry it, its sender, its recipients and the
 * route each took. It wins over what the bounce's returned headers say.
 */
export type KnownOriginal = {
  messageId: string;
  sender: string;
  recipients: string[];
  routes: Map<string, Pick<DeliveryEventRow, 'method' | 'tlsVersion' | 'tlsVerified'>>;
};

const EVENT_FOR_ACTION = { failed: 'bounced', delayed: 'deferred', delivered: 'delivered', relayed: 'delivered', expanded: 'delivered' } as const;

/** The rows one read bounce becomes: one per recipient, or one "unparsed" event. */
export function rowsForBounce(read: ReadBounceResult, now: Date, known?: KnownOriginal): DeliveryEventRow[] {
  const only = known?.recipients.length === 1 ? known.recipients[0] : null;
  /** A recipient the message was not sent to, when it had one: that one (a forwarded mailbox reports its final address). */
  const ours = (recipient: string) => (!known || known.recipients.includes(recipient) || !only ? recipient : only);
  const route = (recipient: string): Pick<DeliveryEventRow, 'method' | 'tlsVersion' | 'tlsVerified'> => known?.routes.get(recipient) ?? { method: 'tls', tlsVersion: '', tlsVerified: null };
  if (read.kind === 'unparsed') {
    return [
      {
        occurredAt: now,
        messageId: known?.messageId ?? read.bounceMessageId,
        sender: known?.sender ?? '',
        recipient: only ?? '',
        event: 'unparsed',
        method: 'tls',
        remoteServer: '',
        smtpCode: null,
        enhancedCode: '',
        diagnostic: `Unparsed bounce: ${read.reason}`.slice(0, MAX_DIAGNOSTIC),
        bounceClass: null,
        reportedClass: null,
        reason: null,
        dsnAction: '',
      },
    ];
  }
  const at = read.arrivalDate && read.arrivalDate.getTime() <= now.getTime() + MAX_FUTURE_MS ? read.arrivalDate : now;
  const messageId = known?.messageId ?? read.original.sealpostMessageId ?? (read.original.messageId || read.bounceMessageId);
  const sender = known?.sender || read.original.from;
  if (read.kind === 'complaint') {
    return read.recipients.map((r) => ({
      occurredAt: at,
      messageId,
      sender,
      recipient: ours(r.recipient),
      event: 'complained',
      ...route(ours(r.recipient)),
      remoteServer: read.reportingMta,
      smtpCode: null,
      enhancedCode: '',
      diagnostic: r.diagnostic,
      bounceClass: null,
      reportedClass: null,
      reason: null,
      dsnAction: '',
    }));
  }
  return read.recipients.map((r) => {
    const event = EVENT_FOR_ACTION[r.action];
    const failure = event !== 'delivered';
    const recipient = ours(r.recipient);
    return {
      occurredAt: at,
      messageId,
      sender,
      recipient,
      event,
      ...route(recipient),
      remoteServer: r.remoteMta || read.reportingMta,
      smtpCode: r.smtpCode,
      enhancedCode: r.status,
      diagnostic: r.diagnostic,
      bounceClass: event === 'bounced' ? r.classification.class : null,
      reportedClass: null,
      reason: failure ? r.classification.reason : null,
      dsnAction: r.action,
    };
  });
}

/**
 * Reads one raw bounce (an API upload or the gateway's return-path mailbox) and stores what it
 * says: one event per recipient (bounced, deferred or delivered, with reason and class), a
 * `complained` event per ARF report, or one `unparsed` event with the original kept 30 days
 * (at most RAW_BOUNCE_MAX_BYTES of it). Expired originals of the organisation are deleted on the
 * way. Never throws for bad input; only a database failure does.
 */
export async function ingestRawBounce(input: {
  orgId: string;
  raw: Uint8Array;
  source?: DeliveryEventSource;
  options?: ReadBounceOptions;
  /** The original as the caller knows it (the gateway's return path matched a message). */
  original?: KnownOriginal;
  now?: Date;
  db?: DbOrTx;
}): Promise<RawBounceOutcome> {
  const now = input.now ?? new Date();
  const db = input.db ?? getDb();
  const read = await readBounce(input.raw, input.options);
  const rows = rowsForBounce(read, now, input.original);
  const outcome = (stored: Awaited<ReturnType<typeof storeDeliveryEvents>>): RawBounceOutcome => ({
    kind: read.kind,
    unparsedReason: read.kind === 'unparsed' ? read.reason : undefined,
    events: stored.map((e) => ({ id: e.id, recipient: e.recipient, event: e.event, reason: e.reason, bounceClass: e.bounceClass })),
  });
  if (read.kind !== 'unparsed') return outcome(await storeDeliveryEvents(input.orgId, rows, input.source ?? 'ingest', db, now));
  return db.transaction(async (tx) => {
    const stored = await storeDeliveryEventsIn(tx, input.orgId, rows, input.source ?? 'ingest', now);
    if (stored[0]) {
      const size = input.raw.byteLength;
      await tx.delete(rawBounces).where(and(eq(rawBounces.orgId, input.orgId), lt(rawBounces.expiresAt, now)));
      await tx.insert(rawBounces).values({
        orgId: input.orgId,
        eventId: stored[0].id,
        receivedAt: now,
        expiresAt: new Date(now.getTime() + RAW_BOUNCE_RETENTION_DAYS * 86_400_000),
        size,
        truncated: size > RAW_BOUNCE_MAX_BYTES,
        content: Buffer.from(input.raw.buffer, input.raw.byteOffset, Math.min(size, RAW_BOUNCE_MAX_BYTES)),
      });
    }
    return outcome(stored);
  });
}
