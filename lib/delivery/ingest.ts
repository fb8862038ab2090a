import 'server-only';
import { z } from 'zod';
import { getDb, type DbOrTx } from '@/db/client';
import { sql } from 'drizzle-orm';
import { auditEvents, BOUNCE_CLASSES, DELIVERY_EVENTS, DELIVERY_METHODS, deliveryEvents, organisations, suppressions } from '@/db/schema';
import { classifyBounce, classOfReason, REASON_LABELS, type BounceReason } from './classify-bounce';

/** The reasons' labels for the audit summaries written in SQL (lower case, as in a sentence). */
const REASON_LABELS_JSON = JSON.stringify(Object.fromEntries(Object.entries(REASON_LABELS).map(([k, v]) => [k, v.toLowerCase()])));

/** A request carries at most this many events; larger batches are refused whole, nothing stored. */
export const MAX_EVENTS_PER_REQUEST = 10_000;
/** 13 columns × 1,000 rows stays far below PostgreSQL's 65,535 parameters per statement. */
const INSERT_CHUNK = 1_000;
/** Error messages echo the client's own input at most this long, so a response cannot balloon. */
const MAX_MESSAGE_LENGTH = 300;

/** 'gateway': Sealpost's own SMTP gateway (its attempts and the bounces at its return path). */
export type DeliveryEventSource = 'ingest' | 'provider' | 'gateway';

/** One event ready to store; the organisation and source are added by the caller, never by the client. */
export type DeliveryEventRow = {
  occurredAt: Date;
  messageId: string;
  sender: string;
  recipient: string;
  event: (typeof DELIVERY_EVENTS)[number];
  method: (typeof DELIVERY_METHODS)[number];
  remoteServer: string;
  smtpCode: number | null;
  enhancedCode: string;
  diagnostic: string;
  /** Sealpost's class (the classifier's), or the sender's when we have no evidence of our own. */
  bounceClass: (typeof BOUNCE_CLASSES)[number] | null;
  /** The class the sender gave, kept beside ours. */
  reportedClass?: (typeof BOUNCE_CLASSES)[number] | null;
  reason?: BounceReason | null;
  /** RFC 3464 Action, when known. */
  dsnAction?: string;
  /** The SMTP session's TLS version ("TLSv1.3"), '' for none or not known. */
  tlsVersion?: string;
  /** Whether the server's certificate was verified for its name; null when not known. */
  tlsVerified?: boolean | null;
};

/** Events that are failures of some kind and get a reason. */
const FAILURE_EVENTS = new Set<string>(['bounced', 'deferred', 'rejected', 'dropped']);
/** Events that carry a hard/soft class. */
const CLASSED_EVENTS = new Set<string>(['bounced', 'rejected']);

/**
 * Adds Sealpost's reason and class to an event from its code, enhanced code, action and text
 * (lib/delivery/classify-bounce.ts). A class the sender gave is kept as reportedClass; ours wins
 * when the classifier found evidence (any reason but "other"), theirs when it found none.
 */
export function withDerivedClass(row: DeliveryEventRow): DeliveryEventRow {
  const reported = row.reportedClass !== undefined ? row.reportedClass : row.bounceClass;
  if (!FAILURE_EVENTS.has(row.event)) return { ...row, reportedClass: reported ?? null, reason: row.reason ?? null, dsnAction: row.dsnAction ?? '' };
  const action = row.dsnAction || (row.event === 'deferred' ? 'delayed' : 'failed');
  const derived = classifyBounce({ smtpCode: row.smtpCode, enhancedCode: row.enhancedCode, action, diagnostic: row.diagnostic, reportingSystem: row.remoteServer });
  const reason = row.reason ?? derived.reason;
  const ourClass = reason === derived.reason ? derived.class : classOfReason(reason);
  const ours = CLASSED_EVENTS.has(row.event) ? ourClass : null;
  const bounceClass = ours === null ? (reported ?? null) : reason === 'other' && reported ? reported : ours;
  return {
    ...row,
    // A code found in the words ("550 5.1.1 …") is stored too, so code: searches find it.
    enhancedCode: row.enhancedCode || derived.enhancedCode,
    reason,
    bounceClass,
    reportedClass: reported ?? null,
    dsnAction: row.dsnAction ?? '',
  };
}

/**
 * `index` is the item's position (0-based) among the items sent; `line` is its 1-based line for
 * JSON lines. An error about the body as a whole (not JSON, too many items) has index -1.
 */
export type IngestError = { index: number; line?: number; message: string };
export type ParsedDeliveryEvents = { valid: DeliveryEventRow[]; errors: IngestError[] };

const email = (field: string) =>
  z
    .string({ message: `${field} is required.` })
    .trim()
    .max(254, `${field} is too long.`)
    .email(`${field} must be an email address.`)
    .transform((v) => v.toLowerCase());

/**
 * One event as the API accepts it. Unknown keys (orgId, source, id…) are stripped, so a client
 * cannot choose the organisation or pose as the provider.
 */
const itemSchema = z.object({
  occurredAt: z.iso
    .datetime({ offset: true, message: 'occurredAt must be an ISO 8601 date and time with a time zone, like 2026-03-01T12:00:00Z.' })
    .refine((v) => Number.isFinite(Date.parse(v)), 'occurredAt is not a real date.')
    .transform((v) => new Date(v)),
  messageId: z.string({ message: 'messageId is required.' }).trim().min(1, 'messageId is required.').max(998, 'messageId is too long.'),
  sender: email('sender'),
  recipient: email('recipient'),
  event: z.enum(DELIVERY_EVENTS, { message: `event must be one of ${DELIVERY_EVENTS.join(', ')}.` }),
  method: z.enum(DELIVERY_METHODS, { message: `method must be one of ${DELIVERY_METHODS.join(', ')}.` }),
  remoteServer: z.string({ message: 'remoteServer must be text.' }).trim().max(255, 'remoteServer is too long.').optional(),
  smtpCode: z
    .number({ message: 'smtpCode must be a number from 200 to 599.' })
    .int('smtpCode must be a whole number.')
    .min(200, 'smtpCode must be from 200 to 599.')
    .max(599, 'smtpCode must be from 200 to 599.')
    .nullish(),
  enhancedCode: z
    .string({ message: 'enhancedCode must be text.' })
    .trim()
    .regex(/^[245]\.\d{1,3}\.\d{1,3}$/, 'enhancedCode must be an RFC 3463 status code, like 5.1.1.')
    .nullish(),
  diagnostic: z.string({ message: 'diagnostic must be text.' }).max(2000, 'diagnostic is too long (at most 2,000 characters).').nullish(),
  bounceClass: z.enum(BOUNCE_CLASSES, { message: `bounceClass must be one of ${BOUNCE_CLASSES.join(', ')}.` }).nullish(),
  action: z.enum(['failed', 'delayed', 'delivered', 'relayed', 'expanded'], { message: 'action must be one of failed, delayed, delivered, relayed, expanded (RFC 3464).' }).nullish(),
  tlsVersion: z
    .string({ message: 'tlsVersion must be text.' })
    .trim()
    .regex(/^(TLSv1(\.[0-3])?|SSLv3)?$/, 'tlsVersion must be a TLS version as OpenSSL names it, like TLSv1.3.')
    .nullish(),
  tlsVerified: z.boolean({ message: 'tlsVerified must be true or false.' }).nullish(),
});

function clip(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
}

function validateItem(item: unknown): { row: DeliveryEventRow } | { message: string } {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return { message: 'Each event must be a JSON object.' };
  const parsed = itemSchema.safeParse(item);
  if (!parsed.success) return { message: clip(parsed.error.issues.map((issue) => issue.message).join(' ')) };
  const v = parsed.data;
  return {
    row: withDerivedClass({
      occurredAt: v.occurredAt,
      messageId: v.messageId,
      sender: v.sender,
      recipient: v.recipient,
      event: v.event,
      method: v.method,
      remoteServer: v.remoteServer ?? '',
      smtpCode: v.smtpCode ?? null,
      enhancedCode: v.enhancedCode ?? '',
      diagnostic: v.diagnostic ?? '',
      bounceClass: v.bounceClass ?? null,
      reportedClass: v.bounceClass ?? null,
      dsnAction: v.action ?? '',
      tlsVersion: v.tlsVersion ?? '',
      tlsVerified: v.tlsVerified ?? null,
    }),
  };
}

function jsonProblem(e: unknown): string {
  return clip(e instanceof Error ? e.message : 'not valid JSON');
}

const tooMany = (n: number): ParsedDeliveryEvents => ({
  valid: [],
  errors: [{ index: -1, message: `Too many events: ${n.toLocaleString('en-US')} sent, at most ${MAX_EVENTS_PER_REQUEST.toLocaleString('en-US')} per request. Nothing was stored; send them in smaller batches.` }],
});

/**
 * Reads a request body of delivery events: a JSON array, or JSON lines (one object per line, blank
 * lines skipped). Each item is checked on its own, so good items are kept when others are bad. A
 * body starting with `[` is an array: if it is not valid JSON that is one error for the whole body
 * (its items cannot be told apart), while in JSON lines each bad line is its own error.
 */
export function parseDeliveryEvents(body: string): ParsedDeliveryEvents {
  const text = body.replace(/^\uFEFF/, '').trim();
  if (!text) return { valid: [], errors: [{ index: -1, message: 'The body is empty. Send a JSON array of events or one JSON object per line.' }] };

  const valid: DeliveryEventRow[] = [];
  const errors: IngestError[] = [];

  if (text.startsWith('[')) {
    let items: unknown;
    try {
      items = JSON.parse(text);
    } catch (e) {
      return { valid: [], errors: [{ index: -1, message: `The body starts with "[" but is not a valid JSON array: ${jsonProblem(e)}` }] };
    }
    if (!Array.isArray(items)) return { valid: [], errors: [{ index: -1, message: 'The body is not a JSON array.' }] };
    if (items.length > MAX_EVENTS_PER_REQUEST) return tooMany(items.length);
    items.forEach((item, index) => {
      const result = validateItem(item);
      if ('row' in result) valid.push(result.row);
      else errors.push({ index, message: result.message });
    });
    return { valid, errors };
  }

  const lines = text.split(/\r?\n/);
  const itemLines: number[] = [];
  lines.forEach((line, i) => {
    if (line.trim()) itemLines.push(i);
  });
  // Counted before parsing, so an oversized batch costs no JSON work.
  if (itemLines.length > MAX_EVENTS_PER_REQUEST) return tooMany(itemLines.length);
  itemLines.forEach((lineIndex, index) => {
    const line = lineIndex + 1;
    let item: unknown;
    try {
      item = JSON.parse(lines[lineIndex]);
    } catch (e) {
      errors.push({ index, line, message: `Line ${line} is not valid JSON: ${jsonProblem(e)}` });
      return;
    }
    const result = validateItem(item);
    if ('row' in result) valid.push(result.row);
    else errors.push({ index, line, message: result.message });
  });
  return { valid, errors };
}

export type StoredDeliveryEvent = { id: number; recipient: string; event: DeliveryEventRow['event']; bounceClass: DeliveryEventRow['bounceClass']; reason: BounceReason | null; diagnostic: string; occurredAt: Date };

/**
 * Stores validated events for one organisation in one transaction (all or nothing), with
 * multi-row inserts of 1,000 rows rather than a statement per event, and puts the addresses of
 * hard bounces, complaints and repeated soft bounces on the suppression list in the same
 * transaction. Returns the stored events.
 */
export async function storeDeliveryEvents(orgId: string, rows: DeliveryEventRow[], source: DeliveryEventSource, db: DbOrTx = getDb(), now: Date = new Date()): Promise<StoredDeliveryEvent[]> {
  if (rows.length === 0) return [];
  // One chunk is one statement, atomic by itself; more need a transaction (or the caller's).
  if (rows.length <= INSERT_CHUNK) return storeDeliveryEventsIn(db, orgId, rows, source, now);
  return db.transaction((tx) => storeDeliveryEventsIn(tx, orgId, rows, source, now));
}

/**
 * storeDeliveryEvents inside the caller's transaction. Each chunk is ONE statement: the events are
 * inserted and, in data-modifying CTEs of the same statement, hard bounces and complaints put on
 * the suppression list, and addresses whose soft bounces reach the organisation's rule (counting
 * the new ones with the stored ones) too. One round trip instead of three or four made the
 * raw-bounce ingest, one bounce per request, markedly faster; a single chunk needs no transaction.
 */
export async function storeDeliveryEventsIn(tx: DbOrTx, orgId: string, rows: DeliveryEventRow[], source: DeliveryEventSource, now: Date): Promise<StoredDeliveryEvent[]> {
  const stored: StoredDeliveryEvent[] = [];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    // Rows that come without a reason (the gateway's own attempts) get Sealpost's reading here.
    const values = rows.slice(i, i + INSERT_CHUNK).map((row) => (row.reason === undefined ? withDerivedClass(row) : row)).map(
      (r) =>
        sql`(${orgId}::uuid, ${r.occurredAt.toISOString()}::timestamptz, ${r.messageId}, ${r.sender}, ${r.recipient}, ${r.event}, ${r.method}, ${r.remoteServer}, ${r.smtpCode}::int, ${r.enhancedCode}, ${r.diagnostic}, ${r.bounceClass}, ${r.reason ?? null}, ${r.reportedClass ?? null}, ${r.dsnAction ?? ''}, ${source}, ${r.tlsVersion ?? ''}, ${r.tlsVerified ?? null}::boolean)`,
    );
    const result = await tx.execute<{ id: string; recipient: string; event: DeliveryEventRow['event']; bounce_class: DeliveryEventRow['bounceClass']; reason: BounceReason | null; diagnostic: string; occurred_at: string | Date }>(sql`
      with ins as (
        insert into ${deliveryEvents} (org_id, occurred_at, message_id, sender, recipient, event, method, remote_server, smtp_code,
                                       enhanced_code, diagnostic, bounce_class, reason, reported_class, dsn_action, source, tls_version, tls_verified)
        values ${sql.join(values, sql`, `)}
        returning id, recipient, event, bounce_class, reason, diagnostic, occurred_at
      ),
      immediate as (
        insert into ${suppressions} (org_id, address, source, reason, detail, event_id, created_by, created_at)
        select distinct on (recipient) ${orgId}::uuid, recipient,
               case when event = 'complained' then 'complaint' else 'hard_bounce' end,
               case when event = 'complained' then 'complaint' else coalesce(reason, 'other') end,
               left(diagnostic, 500), id, 'Sealpost', ${now.toISOString()}::timestamptz
        from ins
        where recipient <> '' and (event = 'complained' or (event in ('bounced', 'rejected') and bounce_class = 'hard'))
        order by recipient, (event = 'complained') desc, id
        on conflict do nothing
        returning id, address, source, reason, event_id
      ),
      rule as (
        select soft_bounce_limit as lim, soft_bounce_days as days from ${organisations} where id = ${orgId}::uuid and soft_bounce_limit > 0
      ),
      soft as (
        select distinct recipient from ins
        where event = 'bounced' and bounce_class = 'soft' and recipient <> ''
          and recipient not in (select recipient from ins where event = 'complained' or (event in ('bounced', 'rejected') and bounce_class = 'hard'))
      ),
      w as (
        select e.recipient, e.event, e.bounce_class, e.reason, e.diagnostic, e.occurred_at, e.id
        from ${deliveryEvents} e, rule
        where e.org_id = ${orgId}::uuid and e.recipient in (select recipient from soft)
          and e.occurred_at > ${now.toISOString()}::timestamptz - rule.days * interval '1 day'
        union all
        select i.recipient, i.event, i.bounce_class, i.reason, i.diagnostic, i.occurred_at, i.id
        from ins i, rule
        where i.recipient in (select recipient from soft) and i.occurred_at > ${now.toISOString()}::timestamptz - rule.days * interval '1 day'
      ),
      good as (
        select recipient, max(occurred_at) as at from w
        where event = 'delivered' or (event = 'bounced' and bounce_class is distinct from 'soft')
        group by recipient
      ),
      over as (
        select w.recipient, count(*)::int as n, max(w.id) as last_id,
               (array_agg(w.reason order by w.occurred_at desc, w.id desc))[1] as reason,
               (array_agg(w.diagnostic order by w.occurred_at desc, w.id desc))[1] as detail
        from w left join good g on g.recipient = w.recipient
        where w.event = 'bounced' and w.bounce_class = 'soft' and (g.at is null or w.occurred_at > g.at)
        group by w.recipient
        having count(*) >= (select lim from rule)
      ),
      repeated as (
        insert into ${suppressions} (org_id, address, source, reason, detail, event_id, created_by, created_at)
        select ${orgId}::uuid, o.recipient, 'soft_bounces', coalesce(o.reason, 'other'),
               o.n || ' soft bounces in a row within ' || (select days from rule) || ' days; the last: ' || left(coalesce(o.detail, ''), 400),
               o.last_id, 'Sealpost', ${now.toISOString()}::timestamptz
        from over o
        on conflict do nothing
        returning id, address, source, reason, event_id
      ),
      audited as (
        -- Each address put on the list here is an audit event of the system actor, in the same statement.
        insert into ${auditEvents} (org_id, occurred_at, actor_type, actor_email, action, target_type, target_id, target_label, summary, metadata)
        select ${orgId}::uuid, ${now.toISOString()}::timestamptz, 'system', 'Sealpost', 'suppressions.added_automatically', 'suppression', s.id::text, s.address,
               s.address || ' added to the suppression list: ' ||
                 case s.source when 'hard_bounce' then 'hard bounce' when 'complaint' then 'complaint' else 'repeated soft bounces' end ||
                 ' (' || coalesce(${REASON_LABELS_JSON}::jsonb ->> s.reason, 'marked as spam') || ')',
               jsonb_build_object('source', s.source, 'reason', s.reason, 'eventId', s.event_id)
        from (select * from immediate union all select * from repeated) s
        returning 1
      )
      -- ins.id, not the text column of the same name: "10" sorts before "9".
      select id::text, recipient, event, bounce_class, reason, diagnostic, occurred_at from ins order by ins.id`);
    for (const row of result) {
      stored.push({
        id: Number(row.id),
        recipient: row.recipient,
        event: row.event,
        bounceClass: row.bounce_class,
        reason: row.reason,
        diagnostic: row.diagnostic,
        occurredAt: row.occurred_at instanceof Date ? row.occurred_at : new Date(row.occurred_at),
      });
    }
  }
  return stored;
}

/** storeDeliveryEvents, answering how many were stored. */
export async function ingestDeliveryEvents(orgId: string, rows: DeliveryEventRow[], source: DeliveryEventSource, db: DbOrTx = getDb(), now: Date = new Date()): Promise<number> {
  return (await storeDeliveryEvents(orgId, rows, source, db, now)).length;
}
