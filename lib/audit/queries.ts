import 'server-only';
import { and, asc, count, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { rawRow, type DbOrTx } from '@/db/client';
import { auditEvents } from '@/db/schema';
import { likePattern } from '@/lib/like';
import { EXPORT_BATCH_ROWS } from '@/lib/csv/csv';
import { csvRowSql } from '@/lib/csv/csv-sql';
import { AppError } from '@/lib/errors/app-error';
import { plural } from '@/lib/format';
import { cutPage } from '@/lib/lists/page';
import { actionsInCategory, auditCatalog } from './catalog';
import { decodeAuditCursor, encodeAuditCursor, periodHours, type AuditFilters } from './filters';

export type AuditEventRow = {
  id: number;
  occurredAt: Date;
  actorType: 'administrator' | 'portal_user' | 'system' | 'anonymous';
  actorEmail: string;
  action: string;
  /** The target as it reads today (lib/audit/queries.ts, auditTargetNameSql): an address, "Invoice 1042", … */
  targetLabel: string;
  summary: string;
  clientAddress: string;
};

/** One event with every field, for /events/[id]. */
export type AuditEventDetail = AuditEventRow & {
  actorId: string | null;
  targetType: string;
  targetId: string;
  /** The label written with the event, which `targetLabel` may have resolved to a better name. */
  recordedTargetLabel: string;
  metadata: Record<string, unknown>;
};

export const MAX_PAGE_SIZE = 5000;
export const COUNT_CAP = 10_000;

/** Who did it, for display: system events have no email address. `auditActorLabelSql` says the same in SQL. */
export function auditActorLabel(row: Pick<AuditEventRow, 'actorType' | 'actorEmail'>): string {
  if (row.actorEmail) return row.actorEmail;
  return row.actorType === 'system' ? 'System' : row.actorType === 'anonymous' ? 'Unknown' : '';
}

/** `auditActorLabel` as a SQL expression over the row's columns (for the CSV export). */
const auditActorLabelSql = sql`(case when ${auditEvents.actorEmail} <> '' then ${auditEvents.actorEmail}
  when ${auditEvents.actorType} = 'system' then 'System' when ${auditEvents.actorType} = 'anonymous' then 'Unknown' else '' end)`;

/** `auditLabel` as a SQL expression: the catalog's label, or the action itself when it has none. */
const auditActionLabels = JSON.stringify(Object.fromEntries(Object.entries(auditCatalog).map(([action, entry]) => [action, entry.label])));
const auditLabelSql = sql`coalesce(${auditActionLabels}::jsonb ->> ${auditEvents.action}, ${auditEvents.action})`;

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
/** The target id as a uuid when it is one (a cast of anything else would fail the query). */
const targetUuid = sql`(case when ${auditEvents.targetId} ~ ${UUID_PATTERN} then ${auditEvents.targetId}::uuid end)`;

/**
 * The target by name, resolved in the query (scalar subqueries, evaluated for the rows returned
 * only): a purchase's order by its invoice number, an invoice by its number, "3 licensed emails"
 * for a batch, the organisation by its name, a secure message by its short id when the event
 * recorded no label; otherwise the label written with the event (an address, a file name).
 */
export const auditTargetNameSql = sql<string>`(case
  when ${auditEvents.targetType} = 'invoice' then 'Invoice ' || coalesce(
    (select i.number from invoices i where i.org_id = ${auditEvents.orgId} and i.id = ${targetUuid}),
    nullif(${auditEvents.targetLabel}, ''), ${auditEvents.targetId})
  when ${auditEvents.targetType} = 'order' then coalesce(
    (select 'Invoice ' || i.number from invoices i where i.org_id = ${auditEvents.orgId} and i.order_id = ${targetUuid}),
    'Order of ' || nullif(${auditEvents.targetLabel}, ''), 'Order')
  when ${auditEvents.targetType} = 'licensed_emails' and ${auditEvents.targetLabel} ~ '^[0-9]+$'
    then ${auditEvents.targetLabel} || (case when ${auditEvents.targetLabel} = '1' then ' licensed email' else ' licensed emails' end)
  when ${auditEvents.targetType} = 'organisation' and ${auditEvents.targetLabel} = ''
    then coalesce((select o.name from organisations o where o.id = ${auditEvents.orgId}), '')
  when ${auditEvents.targetType} = 'secure_message' and ${auditEvents.targetLabel} = ''
    then 'Secure message ' || left(${auditEvents.targetId}, 8)
  else ${auditEvents.targetLabel}
end)`;

/**
 * What the free-text search reads: the summary and the recorded target. The same expression as
 * the trigram index audit_events_text_trgm (db/schema/audit.ts), so a search is an index lookup.
 */
const auditSearchText = sql`(${auditEvents.summary} || ' ' || ${auditEvents.targetLabel})`;

/** "1,234 events", or "10,000+ events" when the count stopped at its cap. */
export function formatEventCount({ count: n, capped }: { count: number; capped: boolean }): string {
  return capped ? `${n.toLocaleString('en-US')}+ events` : plural(n, 'event');
}

/**
 * The WHERE shared by the list, the count and the export. Always scoped to the organisation;
 * dates are whole UTC days, converted in SQL so that any calendar day (even 9999-12-31) works.
 */
function filterConditions(orgId: string, filters: AuditFilters): SQL[] {
  const conditions: SQL[] = [eq(auditEvents.orgId, orgId)];
  if (filters.q) conditions.push(sql`${auditSearchText} ilike ${likePattern(filters.q)}`);
  if (filters.period) conditions.push(sql`${auditEvents.occurredAt} >= now() - make_interval(hours => ${periodHours(filters.period)})`);
  if (filters.category) conditions.push(inArray(auditEvents.action, actionsInCategory(filters.category)));
  if (filters.actor) conditions.push(eq(auditEvents.actorEmail, filters.actor));
  if (filters.from) conditions.push(sql`${auditEvents.occurredAt} >= (${filters.from}::date)::timestamp at time zone 'UTC'`);
  if (filters.to) conditions.push(sql`${auditEvents.occurredAt} < (${filters.to}::date + 1)::timestamp at time zone 'UTC'`);
  return conditions;
}

/**
 * One page, newest first, by keyset on (occurred_at, id): the cost of a page does not grow with
 * how deep it is, unlike OFFSET. The cursor asks for the events older than a position, or newer
 * (`lib/lists/page.ts`); `nextCursor` and `newerCursor` are the pages either side, when there are any.
 */
export async function listAuditEvents(
  db: DbOrTx,
  orgId: string,
  filters: AuditFilters,
  { limit }: { limit: number },
): Promise<{ rows: AuditEventRow[]; nextCursor: string | null; newerCursor: string | null }> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new AppError('invalid_input', 'Page size out of range.');
  const conditions = filterConditions(orgId, filters);
  const cursor = filters.cursor ? decodeAuditCursor(filters.cursor) : undefined;
  if (cursor === null) throw new AppError('invalid_input', 'That page link is not valid.');
  const direction = cursor?.newer ? 'newer' : 'older';
  if (cursor) {
    const position = sql`(${cursor.t}::timestamptz, ${cursor.id}::bigint)`;
    conditions.push(direction === 'newer' ? sql`(${auditEvents.occurredAt}, ${auditEvents.id}) > ${position}` : sql`(${auditEvents.occurredAt}, ${auditEvents.id}) < ${position}`);
  }
  const order = direction === 'newer' ? [asc(auditEvents.occurredAt), asc(auditEvents.id)] : [desc(auditEvents.occurredAt), desc(auditEvents.id)];
  const found = await db
    .select({
      id: auditEvents.id,
      occurredAt: auditEvents.occurredAt,
      actorType: auditEvents.actorType,
      actorEmail: auditEvents.actorEmail,
      action: auditEvents.action,
      targetLabel: auditTargetNameSql,
      summary: auditEvents.summary,
      clientAddress: auditEvents.clientAddress,
      // The exact stored time (microseconds) for the cursor; a JS Date holds only milliseconds.
      position: sql<string>`to_char(${auditEvents.occurredAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(auditEvents)
    .where(and(...conditions))
    .orderBy(...order)
    .limit(limit + 1);
  const position = cursor ? { direction: direction === 'newer' ? ('before' as const) : ('after' as const), cursor: { keys: [cursor.t, cursor.id], position: 1 } } : undefined;
  const page = cutPage(found, limit, position, (row) => [row.position, row.id]);
  if (!page) return listAuditEvents(db, orgId, { ...filters, cursor: undefined }, { limit });
  const at = (keys: readonly (string | number)[] | undefined, newer?: true) => (keys ? encodeAuditCursor({ t: String(keys[0]), id: Number(keys[1]), newer }) : null);
  return {
    rows: page.rows.map(({ position: _position, ...row }) => row),
    nextCursor: at(page.next?.keys),
    newerCursor: at(page.previous?.keys, true),
  };
}

/** One event of the organisation with every field, or null (another organisation's id included). */
export async function getAuditEvent(db: DbOrTx, orgId: string, id: number): Promise<AuditEventDetail | null> {
  if (!Number.isSafeInteger(id) || id < 1) return null;
  const [row] = await db
    .select({
      id: auditEvents.id,
      occurredAt: auditEvents.occurredAt,
      actorType: auditEvents.actorType,
      actorId: auditEvents.actorId,
      actorEmail: auditEvents.actorEmail,
      action: auditEvents.action,
      targetType: auditEvents.targetType,
      targetId: auditEvents.targetId,
      targetLabel: auditTargetNameSql,
      recordedTargetLabel: auditEvents.targetLabel,
      summary: auditEvents.summary,
      clientAddress: auditEvents.clientAddress,
      metadata: auditEvents.metadata,
    })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.id, id)));
  return row ?? null;
}

/**
 * How many events match, counting at most `cap + 1` rows so a large organisation's count costs
 * no more than a small one's. The cursor is ignored: this is the size of the whole result.
 */
export async function countAuditEvents(
  db: DbOrTx,
  orgId: string,
  filters: AuditFilters,
  cap = COUNT_CAP,
): Promise<{ count: number; capped: boolean }> {
  const matching = db
    .select({ one: sql`1`.as('one') })
    .from(auditEvents)
    .where(and(...filterConditions(orgId, filters)))
    .limit(cap + 1)
    .as('matching');
  const [row] = await db.select({ n: count() }).from(matching);
  const n = row?.n ?? 0;
  return n > cap ? { count: cap, capped: true } : { count: n, capped: false };
}

/**
 * The organisation's actors for the filter, alphabetically. A recursive "loose index scan" on
 * (org_id, actor_email, …): one index probe per actor instead of reading every event, so it
 * stays fast with millions of events and a handful of actors.
 */
export async function distinctActors(db: DbOrTx, orgId: string, limit = 200): Promise<string[]> {
  const rows = await db.execute<{ email: string | null }>(sql`
    with recursive actors(email) as (
      (select actor_email from audit_events where org_id = ${orgId} and actor_email > '' order by actor_email limit 1)
      union all
      select (
        select e.actor_email from audit_events e
        where e.org_id = ${orgId} and e.actor_email > actors.email
        order by e.actor_email limit 1
      )
      from actors where actors.email is not null
    )
    select email from actors where email is not null limit ${limit}
  `);
  return Array.from(rows, (row) => row.email).filter((email): email is string => typeof email === 'string');
}

/**
 * The export's CSV lines (EVENTS_CSV_HEADER's columns), newest first, as UTF-8 bytes, one
 * buffer per batch: PostgreSQL formats the lines (lib/csv/csv-sql.ts) and the bytes go to the
 * response as they came from the socket (`rawRow`), so a million-row export makes no object per
 * row and no string at all in the server's heap. Keyset batches with the same WHERE and order as
 * `listAuditEvents`.
 */
export async function* streamAuditEventsCsv(
  db: DbOrTx,
  orgId: string,
  filters: AuditFilters,
  batchSize = EXPORT_BATCH_ROWS,
): AsyncGenerator<Buffer, void, undefined> {
  let after = filters.cursor ? decodeAuditCursor(filters.cursor) : null;
  if (filters.cursor && !after) throw new AppError('invalid_input', 'That page link is not valid.');
  const line = csvRowSql([
    sql`to_char(${auditEvents.occurredAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    auditActorLabelSql,
    auditLabelSql,
    auditTargetNameSql,
    sql`${auditEvents.summary}`,
    sql`${auditEvents.clientAddress}`,
  ]);
  for (;;) {
    const conditions = filterConditions(orgId, filters);
    if (after) conditions.push(sql`(${auditEvents.occurredAt}, ${auditEvents.id}) < (${after.t}::timestamptz, ${after.id}::bigint)`);
    const batch = db
      .select({
        line: sql<string>`${line}`.as('line'),
        occurredAt: auditEvents.occurredAt,
        id: auditEvents.id,
      })
      .from(auditEvents)
      .where(and(...conditions))
      .orderBy(desc(auditEvents.occurredAt), desc(auditEvents.id))
      .limit(batchSize)
      .as('batch');
    const query = db
      .select({
        text: sql<string>`coalesce(string_agg(${batch.line}, '' order by ${batch.occurredAt} desc, ${batch.id} desc), '')`,
        rows: sql<number>`count(*)::int`,
        // Where the next batch starts: the last (oldest) row, its time to the microsecond.
        lastT: sql<string | null>`(array_agg(to_char(${batch.occurredAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') order by ${batch.occurredAt}, ${batch.id}))[1]`,
        lastId: sql<string | null>`(array_agg(${batch.id} order by ${batch.occurredAt}, ${batch.id}))[1]::text`,
      })
      .from(batch)
      .toSQL();
    const [text, rows, lastT, lastId] = await rawRow(db, query);
    if (!text || !rows || Number(rows.toString()) === 0) return;
    yield text;
    if (Number(rows.toString()) < batchSize || !lastT || !lastId) return;
    after = { t: lastT.toString(), id: Number(lastId.toString()) };
  }
}
