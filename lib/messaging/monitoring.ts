import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { messageEvents, messageRecipients, policies, portalUsers, secureMessages } from '@/db/schema';
import { AppError } from '@/lib/errors/app-error';
import { keysetPage } from '@/lib/keyset';
import { likePattern } from '@/lib/like';
import { isUuid } from '@/lib/ids';
import { subjectColumns, withSubjects } from './content';
import { orgSearchKey, plainSearchWords, subjectCondition } from './search-index';

/**
 * Secure-message monitoring for administrators (/secure-messages): every message of the organisation, its
 * status and its log. Every query here is scoped by `orgId`; another organisation's message is
 * simply absent.
 *
 * A message shows exactly one status, and each status filter matches exactly the rows showing
 * that status, in this order of precedence:
 * - **Recalled**: recalled by an administrator (recipients can no longer open it);
 * - **Extended**: its expiry was extended (only allowed while unread) and it was not recalled;
 * - **Read**: at least one recipient has opened it. "Any recipient" rather than "every": what an
 *   administrator watching for a leak or deciding on a recall needs to know is whether the
 *   content has been seen at all;
 * - **Sent**: none of the above.
 * Extended comes before Read so that an extension stays visible after the message is opened.
 */
export const MONITOR_STATUSES = ['sent', 'read', 'recalled', 'extended'] as const;
export type MonitorStatus = (typeof MONITOR_STATUSES)[number];

export const MONITOR_STATUS_LABELS: Record<MonitorStatus, string> = {
  sent: 'Sent',
  read: 'Read',
  recalled: 'Recalled',
  extended: 'Extended',
};

export const MAX_MONITOR_PAGE_SIZE = 500;
export const MAX_SEARCH_LENGTH = 200;

/**
 * Keyset position: the page starts after the message sent at `t` (microseconds kept) with id `id`,
 * or, with `newer`, is the page of messages just newer than it (`lib/keyset.ts`).
 */
export type MonitorCursor = { t: string; id: string; newer?: true };

export type MonitorFilters = {
  statuses?: MonitorStatus[];
  search?: string;
  before?: MonitorCursor;
};

export type MonitoredMessage = {
  id: string;
  sentAt: Date;
  direction: 'outbound' | 'inbound';
  subject: string;
  from: string;
  /** Recipient addresses, To before CC, then alphabetically. */
  to: string[];
  /**
   * Each recipient's delivery route (NTA 7516), in the order of `to`: the secure portal, with an
   * SMS code to open it when the organisation has an enabled SMS two-factor policy and a phone
   * number for the recipient (lib/portal/two-factor.ts decides the same way when it is opened).
   */
  routes: { email: string; route: 'secure_portal' | 'secure_portal_sms' }[];
  status: MonitorStatus;
  policyName: string | null;
  /** The mail connector it came through when the SMTP gateway carried it; null for portal compose. */
  connectorName: string | null;
  expiresAt: Date | null;
  extendedAt: Date | null;
  recipientCount: number;
  readCount: number;
};

export type MessageLogEvent = {
  id: number;
  kind: 'sent' | 'notified' | 'opened' | 'replied' | 'recalled' | 'extended';
  actor: string;
  detail: string;
  occurredAt: Date;
};

export type MessageLog = {
  message: MonitoredMessage & {
    restriction: 'none' | 'no_print' | 'no_print_no_reply';
    readReceipt: boolean;
    recipients: { email: string; kind: 'to' | 'cc'; readAt: Date | null }[];
  };
  events: MessageLogEvent[];
};


/** `routes` from the recipients and those among them who open the message with an SMS code. */
function withRoutes<T extends { to: string[]; smsTo: string[] }>({ smsTo, ...row }: T): Omit<T, 'smsTo'> & Pick<MonitoredMessage, 'routes'> {
  const sms = new Set(smsTo);
  return { ...row, routes: row.to.map((email) => ({ email, route: sms.has(email) ? ('secure_portal_sms' as const) : ('secure_portal' as const) })) };
}

const anyRecipientRead = sql`exists (select 1 from message_recipients r where r.message_id = ${secureMessages.id} and r.read_at is not null)`;

/** The one status expression shared by the list, the filter and the log, so they never disagree. */
const statusExpression = sql<MonitorStatus>`case
  when ${secureMessages.status} = 'recalled' then 'recalled'
  when ${secureMessages.extendedAt} is not null then 'extended'
  when ${anyRecipientRead} then 'read'
  else 'sent' end`;

const summaryColumns = {
  ...subjectColumns,
  sentAt: secureMessages.sentAt,
  direction: secureMessages.direction,
  from: portalUsers.email,
  to: sql<string[]>`array(
    select u.email from message_recipients r join portal_users u on u.id = r.user_id
    where r.message_id = ${secureMessages.id}
    order by (r.kind = 'cc'), u.email)`,
  smsTo: sql<string[]>`array(
    select u.email from message_recipients r join portal_users u on u.id = r.user_id
    where r.message_id = ${secureMessages.id}
      and exists (select 1 from recipient_accounts ra where ra.org_id = ${secureMessages.orgId} and ra.email = u.email and ra.phone is not null)
      and exists (select 1 from policies p where p.org_id = ${secureMessages.orgId} and p.enabled and p.delivery = 'sms_two_factor'))`,
  status: statusExpression,
  policyName: policies.name,
  connectorName: sql<string | null>`(select c.name from mail_connectors c where c.id = ${secureMessages.connectorId} and c.org_id = ${secureMessages.orgId})`,
  expiresAt: secureMessages.expiresAt,
  extendedAt: secureMessages.extendedAt,
  recipientCount: sql<number>`(select count(*)::int from message_recipients r where r.message_id = ${secureMessages.id})`,
  readCount: sql<number>`(select count(*)::int from message_recipients r where r.message_id = ${secureMessages.id} and r.read_at is not null)`,
};

function filterConditions(orgId: string, filters: MonitorFilters, searchKey: Buffer | null): SQL[] {
  const conditions: SQL[] = [eq(secureMessages.orgId, orgId)];
  const statuses = [...new Set(filters.statuses ?? [])];
  // All four statuses together are every message: no condition needed.
  if (statuses.length > 0 && statuses.length < MONITOR_STATUSES.length) {
    conditions.push(sql`(${statusExpression}) in (${sql.join(
      statuses.map((s) => sql`${s}`),
      sql`, `,
    )})`);
  }
  const search = filters.search?.trim();
  if (search) {
    const pattern = likePattern(search.slice(0, MAX_SEARCH_LENGTH));
    // The subject through the keyed index (lib/messaging/search-index.ts): its words by their beginning.
    const subject = searchKey ? subjectCondition(searchKey, plainSearchWords(search.slice(0, MAX_SEARCH_LENGTH))) : null;
    conditions.push(sql`(
      ${subject ? sql`${secureMessages.id} in (select t.message_id from message_search_tokens t where t.org_id = ${orgId}::uuid and ${subject})` : sql`false`}
      or ${portalUsers.email} ilike ${pattern}
      or exists (
        select 1 from message_recipients r join portal_users u on u.id = r.user_id
        where r.message_id = ${secureMessages.id} and u.email ilike ${pattern}
      )
    )`);
  }
  if (filters.before) {
    const position = sql`(${filters.before.t}::timestamptz, ${filters.before.id}::uuid)`;
    conditions.push(
      filters.before.newer ? sql`(${secureMessages.sentAt}, ${secureMessages.id}) > ${position}` : sql`(${secureMessages.sentAt}, ${secureMessages.id}) < ${position}`,
    );
  }
  return conditions;
}

/**
 * One page of the organisation's secure messages, newest first, by keyset on (sent_at, id) so a
 * deep page costs what the first one does. `next` and `newer` are the positions of the pages
 * either side (older and newer), when there are any.
 */
export async function listMonitoredMessages(
  db: DbOrTx,
  orgId: string,
  options: MonitorFilters & { limit: number },
): Promise<{ rows: MonitoredMessage[]; next: MonitorCursor | null; newer: MonitorCursor | null }> {
  const { limit } = options;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MONITOR_PAGE_SIZE) throw new AppError('invalid_input', 'Page size out of range.');
  if (options.before && !isCursor(options.before)) throw new AppError('invalid_input', 'That page link is not valid.');
  const found = await db
    .select({
      ...summaryColumns,
      // The exact stored time for the cursor: a JS Date holds only milliseconds.
      position: sql<string>`to_char(${secureMessages.sentAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(secureMessages)
    .innerJoin(portalUsers, eq(portalUsers.id, secureMessages.senderId))
    .leftJoin(policies, and(eq(policies.id, secureMessages.policyId), eq(policies.orgId, secureMessages.orgId)))
    .where(and(...filterConditions(orgId, options, options.search?.trim() ? await orgSearchKey(db, orgId) : null)))
    .orderBy(...(options.before?.newer ? [asc(secureMessages.sentAt), asc(secureMessages.id)] : [desc(secureMessages.sentAt), desc(secureMessages.id)]))
    .limit(limit + 1);
  const page = keysetPage(found, limit, options.before?.newer ? 'newer' : 'older', options.before !== undefined);
  if (!page) return listMonitoredMessages(db, orgId, { ...options, before: undefined });
  return {
    // Subjects are sealed: opened here, page by page, each with its message's data key.
    rows: (await withSubjects(db, page.rows.map(({ position: _position, ...row }) => row))).map((row) => withRoutes(row)),
    next: page.older && { t: page.older.position, id: page.older.id },
    newer: page.newer && { t: page.newer.position, id: page.newer.id, newer: true },
  };
}

/** The message and its log (sent, notified, opened, replied, recalled, extended) in time order; null when it is not the organisation's. */
export async function getMessageLog(db: DbOrTx, orgId: string, messageId: string): Promise<MessageLog | null> {
  if (!isUuid(messageId)) return null;
  const [message] = await db
    .select({ ...summaryColumns, restriction: secureMessages.restriction, readReceipt: secureMessages.readReceipt })
    .from(secureMessages)
    .innerJoin(portalUsers, eq(portalUsers.id, secureMessages.senderId))
    .leftJoin(policies, and(eq(policies.id, secureMessages.policyId), eq(policies.orgId, secureMessages.orgId)))
    .where(and(eq(secureMessages.id, messageId), eq(secureMessages.orgId, orgId)));
  if (!message) return null;
  const [recipients, events] = await Promise.all([
    db
      .select({ email: portalUsers.email, kind: messageRecipients.kind, readAt: messageRecipients.readAt })
      .from(messageRecipients)
      .innerJoin(portalUsers, eq(portalUsers.id, messageRecipients.userId))
      .where(eq(messageRecipients.messageId, message.id))
      .orderBy(sql`(${messageRecipients.kind} = 'cc')`, asc(portalUsers.email)),
    db
      .select({ id: messageEvents.id, kind: messageEvents.kind, actor: messageEvents.actor, detail: messageEvents.detail, occurredAt: messageEvents.occurredAt })
      .from(messageEvents)
      .where(and(eq(messageEvents.messageId, message.id), eq(messageEvents.orgId, orgId)))
      .orderBy(asc(messageEvents.occurredAt), asc(messageEvents.id)),
  ]);
  const [opened] = await withSubjects(db, [message]);
  return { message: { ...withRoutes(opened), recipients }, events };
}

// ---------------------------------------------------------------------------------------------
// The page's URL: ?status=sent&status=read&q=…&cursor=…&message=<id>. Parsing never throws: a bad
// value is dropped and explained, so a hand-edited or stale link still shows a page.

export type MonitorParams = { statuses: MonitorStatus[]; search: string; cursor?: MonitorCursor; messageId?: string };
export type SearchParamsInput = URLSearchParams | Record<string, string | string[] | undefined>;

function isCursor(value: unknown): value is MonitorCursor {
  if (typeof value !== 'object' || value === null) return false;
  const { t, id, newer } = value as Record<string, unknown>;
  return (
    (newer === undefined || newer === true) &&
    typeof t === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(t) &&
    !Number.isNaN(Date.parse(t)) &&
    typeof id === 'string' &&
    isUuid(id)
  );
}

export function encodeMonitorCursor(cursor: MonitorCursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.t, id: cursor.id, ...(cursor.newer ? { newer: true } : {}) }), 'utf8').toString('base64url');
}

/** The cursor's position, or null for anything that is not one of ours. */
export function decodeMonitorCursor(raw: string): MonitorCursor | null {
  if (raw.length > 200 || !/^[A-Za-z0-9_-]+$/.test(raw)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    return isCursor(value) ? { t: value.t, id: value.id, ...(value.newer ? { newer: true as const } : {}) } : null;
  } catch {
    return null;
  }
}

function valuesOf(params: SearchParamsInput, key: string): string[] {
  const raw = params instanceof URLSearchParams ? params.getAll(key) : params[key];
  return (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((v) => v.trim()).filter((v) => v !== '');
}

export function parseMonitorParams(params: SearchParamsInput): { params: MonitorParams; errors: string[] } {
  const errors: string[] = [];
  const statuses: MonitorStatus[] = [];
  for (const value of valuesOf(params, 'status')) {
    const status = MONITOR_STATUSES.find((s) => s === value);
    if (!status) errors.push(`Unknown status "${value.slice(0, 40)}"; it was ignored.`);
    else if (!statuses.includes(status)) statuses.push(status);
  }
  let search = valuesOf(params, 'q')[0] ?? '';
  if (search.length > MAX_SEARCH_LENGTH) {
    errors.push(`The search was shortened to its first ${MAX_SEARCH_LENGTH} characters.`);
    search = search.slice(0, MAX_SEARCH_LENGTH);
  }
  const out: MonitorParams = { statuses: MONITOR_STATUSES.filter((s) => statuses.includes(s)), search };
  const rawCursor = valuesOf(params, 'cursor')[0];
  if (rawCursor !== undefined) {
    const cursor = decodeMonitorCursor(rawCursor);
    if (cursor) out.cursor = cursor;
    else errors.push('That page link is not valid; showing the newest messages.');
  }
  const messageId = valuesOf(params, 'message')[0];
  if (messageId !== undefined) out.messageId = messageId;
  return { params: out, errors };
}

/** The page's URL for these parameters, in a stable order. */
export function monitorHref(params: Partial<MonitorParams>, path = '/secure-messages'): string {
  const query = new URLSearchParams();
  for (const status of params.statuses ?? []) query.append('status', status);
  if (params.search) query.set('q', params.search);
  if (params.cursor) query.set('cursor', encodeMonitorCursor(params.cursor));
  if (params.messageId) query.set('message', params.messageId);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
