import 'server-only';
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { deliveryEvents } from '@/db/schema';
import { AppError } from '@/lib/errors/app-error';
import { plural } from '@/lib/format';
import { compileQuery, type BounceClass, type DeliveryEvent, type DeliveryMethod, type QueryNode } from './query-language';
import type { BounceReason } from './classify-bounce';
import type { DeliveryRoute } from './routes';
import { decodeDeliveryCursor, encodeDeliveryCursor, type DeliverySort, type SortDir } from './search-params';

/**
 * Delivery-event search: one organisation, a date range of whole UTC days, an optional
 * compiled query, any column sorted either way, KEYSET pages on (sort value, id). The tenant
 * filter and the date range are added here and only here: the query language never widens them.
 */

export type DeliveryEventRow = {
  id: number;
  occurredAt: Date;
  messageId: string;
  sender: string;
  recipient: string;
  event: DeliveryEvent;
  method: DeliveryMethod;
  remoteServer: string;
  smtpCode: number | null;
  enhancedCode: string;
  diagnostic: string;
  bounceClass: BounceClass | null;
  reason: BounceReason | null;
  reportedClass: BounceClass | null;
  dsnAction: string;
  source: string;
  tlsVersion: string;
  tlsVerified: boolean | null;
  /** How it travelled (routes.ts); null for what was never sent. */
  route: DeliveryRoute | null;
};

export type DeliverySearch = {
  /** UTC days, inclusive (YYYY-MM-DD). */
  from: string;
  to: string;
  query: QueryNode | null;
  /** Only events of this delivery route (the Route filter). */
  route?: DeliveryRoute;
  sort?: DeliverySort;
  dir?: SortDir;
  /** Opaque cursor from a previous page's `next`. */
  after?: string;
  limit?: number;
};

export const MAX_PAGE_SIZE = 5000;
export const COUNT_CAP = 10_000;
export const SEARCH_TIMEOUT = '5s';

const e = deliveryEvents;

/** The sort key of each column; smtp_code is nullable, so it sorts as 0 (keyset needs no NULLs). */
const sortKeys: Record<DeliverySort, SQL> = {
  time: sql`${e.occurredAt}`,
  message: sql`${e.messageId}`,
  sender: sql`${e.sender}`,
  recipient: sql`${e.recipient}`,
  event: sql`${e.event}`,
  method: sql`${e.method}`,
  // Never-sent events have no route; '' sorts them together (keyset needs no NULLs).
  route: sql`coalesce(${e.route}, '')`,
  server: sql`${e.remoteServer}`,
  code: sql`coalesce(${e.smtpCode}, 0)`,
  // Deliveries have no reason; '' sorts them together (keyset needs no NULLs).
  reason: sql`coalesce(${e.reason}, '')`,
};

function cursorValue(sort: DeliverySort, v: string | number): SQL {
  if (sort === 'time') return sql`${String(v)}::timestamptz`;
  if (sort === 'code') return sql`${Number(v)}::int`;
  return sql`${String(v)}::text`;
}

/** Tenant, date range and query: the WHERE of the page, the count and the export. */
function conditions(orgId: string, search: Pick<DeliverySearch, 'from' | 'to' | 'query' | 'route'>): SQL[] {
  const where: SQL[] = [
    eq(e.orgId, orgId),
    sql`${e.occurredAt} >= (${search.from}::date)::timestamp at time zone 'UTC'`,
    sql`${e.occurredAt} < (${search.to}::date + 1)::timestamp at time zone 'UTC'`,
  ];
  // compileQuery always parenthesises, so a top-level OR cannot escape the filters above.
  if (search.query) where.push(compileQuery(search.query));
  if (search.route) where.push(eq(e.route, search.route));
  return where;
}

function isTimeout(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    if (typeof current === 'object' && 'code' in current && current.code === '57014') return true;
    current = typeof current === 'object' && 'cause' in current ? current.cause : undefined;
  }
  return false;
}

/** Runs `fn` in a transaction whose statements stop after SEARCH_TIMEOUT; a timeout is a clear refusal. */
async function withTimeout<T>(db: DbOrTx, fn: (tx: DbOrTx) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      await tx.execute(sql.raw(`set local statement_timeout = '${SEARCH_TIMEOUT}'`));
      return fn(tx);
    });
  } catch (error) {
    if (isTimeout(error)) {
      throw new AppError('unavailable', 'The search took too long. Narrow the date range or make the query more specific.');
    }
    throw error;
  }
}

export async function searchDeliveryEvents(
  db: DbOrTx,
  orgId: string,
  search: DeliverySearch,
): Promise<{ rows: DeliveryEventRow[]; next: string | null; start: number }> {
  const sort = search.sort ?? 'time';
  const dir = search.dir ?? 'asc';
  const limit = search.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new AppError('invalid_input', 'Page size out of range.');
  const where = conditions(orgId, search);
  const key = sortKeys[sort];
  // The first row's position in the whole result (1-based), carried by the cursor: "51–100 of 1,234".
  let start = 1;
  if (search.after) {
    const after = decodeDeliveryCursor(search.after, sort, dir);
    if (!after) throw new AppError('invalid_input', 'That page link is not valid.');
    start = after.position + 1;
    const op = dir === 'asc' ? sql`>` : sql`<`;
    where.push(sql`(${key}, ${e.id}) ${op} (${cursorValue(sort, after.v)}, ${after.id}::bigint)`);
  }
  const order = dir === 'asc' ? sql`asc` : sql`desc`;
  const found = await withTimeout(db, (tx) =>
    tx
      .select({
        id: e.id,
        occurredAt: e.occurredAt,
        messageId: e.messageId,
        sender: e.sender,
        recipient: e.recipient,
        event: e.event,
        method: e.method,
        remoteServer: e.remoteServer,
        smtpCode: e.smtpCode,
        enhancedCode: e.enhancedCode,
        diagnostic: e.diagnostic,
        bounceClass: e.bounceClass,
        reason: e.reason,
        reportedClass: e.reportedClass,
        dsnAction: e.dsnAction,
        source: e.source,
        tlsVersion: e.tlsVersion,
        tlsVerified: e.tlsVerified,
        route: e.route,
        // The exact stored time (microseconds) for a time cursor; a JS Date holds milliseconds.
        position: sql<string>`to_char(${e.occurredAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      })
      .from(e)
      .where(and(...where))
      .orderBy(sql`${key} ${order}`, sql`${e.id} ${order}`)
      .limit(limit + 1),
  );
  const page = found.slice(0, limit);
  const last = page.at(-1);
  let next: string | null = null;
  if (found.length > limit && last) {
    const position: Record<DeliverySort, string | number> = {
      time: last.position,
      message: last.messageId,
      sender: last.sender,
      recipient: last.recipient,
      event: last.event,
      method: last.method,
      route: last.route ?? '',
      server: last.remoteServer,
      code: last.smtpCode ?? 0,
      reason: last.reason ?? '',
    };
    next = encodeDeliveryCursor(sort, dir, { v: position[sort], id: last.id }, start + page.length - 1);
  }
  return { rows: page.map(({ position: _position, ...row }) => row), next, start };
}

/** How many events match, counting at most `cap + 1` rows; "10,000+" when capped. */
export async function countDeliveryEvents(
  db: DbOrTx,
  orgId: string,
  search: Pick<DeliverySearch, 'from' | 'to' | 'query' | 'route'>,
  cap = COUNT_CAP,
): Promise<{ count: number; capped: boolean }> {
  const rows = await withTimeout(db, (tx) =>
    tx.execute<{ n: number }>(
      sql`select count(*)::int as n from (select 1 from ${e} where ${and(...conditions(orgId, search))} limit ${cap + 1}) as matching`,
    ),
  );
  const n = Number(Array.from(rows)[0]?.n ?? 0);
  return n > cap ? { count: cap, capped: true } : { count: n, capped: false };
}

/** "1,234 events", or "10,000+ events" when the count stopped at its cap. */
export function formatDeliveryCount({ count: n, capped }: { count: number; capped: boolean }): string {
  return capped ? `${n.toLocaleString('en-US')}+ events` : plural(n, 'event');
}

/** Every matching event in the chosen order, batch by batch from the same keyset query. */
export async function* streamDeliveryEvents(
  db: DbOrTx,
  orgId: string,
  search: Omit<DeliverySearch, 'limit'>,
  batchSize = 2000,
): AsyncGenerator<DeliveryEventRow[], void, undefined> {
  let after = search.after;
  for (;;) {
    const { rows, next } = await searchDeliveryEvents(db, orgId, { ...search, after, limit: batchSize });
    if (rows.length > 0) yield rows;
    if (!next) return;
    after = next;
  }
}
