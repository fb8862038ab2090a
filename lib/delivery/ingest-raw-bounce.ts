import 'server-only';
import { and, eq, lt } from 'drizzle-orm';
import { getDb, type DbOrTx } from '@/db/client';
import { RAW_BOUNCE_MAX_BYTES, rawBounces } from '@/db/schema';
import type { BounceReason } from './classify-bounce';
import { storeDeliveryEvents, storeDeliveryEventsIn, type DeliveryEventRow, type DeliveryEventSource, type StoredDeliveryEvent } from './ingest';
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

/** PostgreSQL text cannot hold NUL: a bounce carrying one (binary junk in a diagnostic) must not fail the insert. */
function withoutNul(row: DeliveryEventRow): DeliveryEventRow {
  const clean = (value: string) => (value.includes('\u0000') ? value.replace(/\u0000/g, '') : value);
  return { ...row, messageId: clean(row.messageId), sender: clean(row.sender), recipient: clean(row.recipient), remoteServer: clean(row.remoteServer), enhancedCode: clean(row.enhancedCode), diagnostic: clean(row.diagnostic), dsnAction: clean(row.dsnAction ?? '') };
}

type Waiting = { rows: DeliveryEventRow[]; now: Date; resolve: (stored: StoredDeliveryEvent[]) => void; reject: (error: unknown) => void };
type Lane = { queue: Waiting[]; busy: boolean };
/** One lane per organisation and source: the bounces waiting to be stored, and whether a statement is running. */
const lanes = new Map<string, Lane>();
/** A group stays within one statement (storeDeliveryEventsIn's chunk). */
const GROUP_ROWS = 1000;

/**
 * Group commit for the raw-bounce API: each bounce is one request, and a statement per request
 * was most of the ingest's cost (profiled: a quarter of the process's time in socket writes to
 * PostgreSQL). Bounces of one organisation that arrive while a statement runs wait for it and are
 * then stored together, in ONE statement (events, suppressions and their audit events, as
 * storeDeliveryEventsIn does for any batch); a single bounce waits for nothing but the next turn
 * of the event loop. Each caller gets its own events back (ids are given in the order of the rows).
 * If a group fails, each of its bounces is tried alone, so one bad bounce fails only its request.
 */
function storeTogether(orgId: string, rows: DeliveryEventRow[], source: DeliveryEventSource, now: Date): Promise<StoredDeliveryEvent[]> {
  const key = `${orgId} ${source}`;
  let lane = lanes.get(key);
  if (!lane) {
    lane = { queue: [], busy: false };
    lanes.set(key, lane);
  }
  const stored = new Promise<StoredDeliveryEvent[]>((resolve, reject) => lane.queue.push({ rows, now, resolve, reject }));
  if (!lane.busy) {
    lane.busy = true;
    const started = lane;
    setImmediate(() => void drain(key, orgId, source, started));
  }
  return stored;
}

async function drain(key: string, orgId: string, source: DeliveryEventSource, lane: Lane) {
  try {
    while (lane.queue.length > 0) {
      const group: Waiting[] = [];
      let size = 0;
      while (lane.queue.length > 0 && (group.length === 0 || size + lane.queue[0].rows.length <= GROUP_ROWS)) {
        const next = lane.queue.shift() as Waiting;
        group.push(next);
        size += next.rows.length;
      }
      const now = new Date(Math.max(...group.map((g) => g.now.getTime())));
      try {
        const stored = await storeDeliveryEvents(orgId, group.flatMap((g) => g.rows), source, getDb(), now);
        let at = 0;
        for (const g of group) {
          g.resolve(stored.slice(at, at + g.rows.length));
          at += g.rows.length;
        }
      } catch (error) {
        if (group.length === 1) group[0].reject(error);
        else {
          for (const g of group) {
            try {
              g.resolve(await storeDeliveryEvents(orgId, g.rows, source, getDb(), g.now));
            } catch (alone) {
              g.reject(alone);
            }
          }
        }
      }
    }
  } finally {
    lane.busy = false;
    if (lane.queue.length === 0) lanes.delete(key);
    else {
      lane.busy = true;
      setImmediate(() => void drain(key, orgId, source, lane));
    }
  }
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
  const rows = rowsForBounce(read, now, input.original).map(withoutNul);
  const outcome = (stored: Awaited<ReturnType<typeof storeDeliveryEvents>>): RawBounceOutcome => ({
    kind: read.kind,
    unparsedReason: read.kind === 'unparsed' ? read.reason : undefined,
    events: stored.map((e) => ({ id: e.id, recipient: e.recipient, event: e.event, reason: e.reason, bounceClass: e.bounceClass })),
  });
  if (read.kind !== 'unparsed') {
    // The API's bounces (no database handle of the caller's): stored with those arriving at the same time.
    const stored = input.db ? await storeDeliveryEvents(input.orgId, rows, input.source ?? 'ingest', db, now) : await storeTogether(input.orgId, rows, input.source ?? 'ingest', now);
    return outcome(stored);
  }
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
