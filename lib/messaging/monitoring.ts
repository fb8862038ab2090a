import 'server-only';
import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { messageEvents, messageRecipients, policies, portalUsers, secureMessages } from '@/db/schema';
import { AppError } from '@/lib/errors/app-error';
import { countOrEstimate, type ListTotal } from '@/lib/lists/count';
import { cutPage, keysetQuery, timeCursorKey, timeKeyValue, type ListPage, type PagePosition } from '@/lib/lists/page';
import { likePattern } from '@/lib/like';
import { isUuid } from '@/lib/ids';
import { subjectColumns, withSubjects } from './content';
import { orgSearchKey, plainSearchWords, subjectCondition } from './search-index';

/**
 * Secure-message monitoring for administrators (/secure-messages): every message of the organisation, its
 * status and its log. Every query here is scoped by `orgId`; another organisation's message is
 * simply absent.
 *
 * A message's states do not hide each other: it is read (a recipient has opened it — "any
 * recipient" rather than "every": what an administrator watching for a leak or deciding on a recall
 * needs to know is whether the content has been seen at all) or unread, and, independently,
 * extended (its expiry was pushed back), expired (past its expiry) and recalled. Each is a filter
 * of its own, and the list shows their badges side by side.
 */
export { MONITOR_STATES, MONITOR_STATE_LABELS, messageStates, type MonitorState } from './monitor-states';

/** The states filtered on: each given one must hold (AND). */
export type MonitorStateFilter = { read?: 'read' | 'unread'; extended?: boolean; expired?: boolean; recalled?: boolean };

export const MAX_MONITOR_PAGE_SIZE = 500;
export const MAX_SEARCH_LENGTH = 200;

export type MonitorFilters = {
  states?: MonitorStateFilter;
  search?: string;
  position?: PagePosition;
  /** "Expired" is judged at this time (default: now). */
  now?: Date;
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
  /** Its states, each on its own (MONITOR_STATES). */
  read: boolean;
  extended: boolean;
  expired: boolean;
  recalled: boolean;
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

/** The state expressions shared by the list, its filters and the log, so they never disagree. */
const isRead = anyRecipientRead;
const isExtended = sql`${secureMessages.extendedAt} is not null`;
const isRecalled = sql`${secureMessages.status} = 'recalled'`;
const isExpired = (now: Date) => sql`coalesce(${secureMessages.expiresAt} <= ${now.toISOString()}::timestamptz, false)`;

function summaryColumns(now: Date) {
  return {
    ...baseColumns,
    read: sql<boolean>`${isRead}`,
    extended: sql<boolean>`${isExtended}`,
    expired: sql<boolean>`${isExpired(now)}`,
    recalled: sql<boolean>`${isRecalled}`,
  };
}

const baseColumns = {
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
  policyName: policies.name,
  connectorName: sql<string | null>`(select c.name from mail_connectors c where c.id = ${secureMessages.connectorId} and c.org_id = ${secureMessages.orgId})`,
  expiresAt: secureMessages.expiresAt,
  extendedAt: secureMessages.extendedAt,
  recipientCount: sql<number>`(select count(*)::int from message_recipients r where r.message_id = ${secureMessages.id})`,
  readCount: sql<number>`(select count(*)::int from message_recipients r where r.message_id = ${secureMessages.id} and r.read_at is not null)`,
};

function filterConditions(orgId: string, filters: MonitorFilters, searchKey: Buffer | null): SQL[] {
  const conditions: SQL[] = [eq(secureMessages.orgId, orgId)];
  const states = filters.states ?? {};
  if (states.read === 'read') conditions.push(isRead);
  if (states.read === 'unread') conditions.push(sql`not ${isRead}`);
  if (states.extended) conditions.push(isExtended);
  if (states.expired) conditions.push(isExpired(filters.now ?? new Date()));
  if (states.recalled) conditions.push(isRecalled);
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
  return conditions;
}

/**
 * One page of the organisation's secure messages, newest first, by keyset on (sent_at, id) in
 * both directions (lib/lists/page.ts) so a deep page costs what the first one does.
 */
export async function listMonitoredMessages(db: DbOrTx, orgId: string, options: MonitorFilters & { limit: number }): Promise<ListPage<MonitoredMessage>> {
  const { limit } = options;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MONITOR_PAGE_SIZE) throw new AppError('invalid_input', 'Page size out of range.');
  const now = options.now ?? new Date();
  const keyset = keysetQuery(secureMessages.sentAt, secureMessages.id, 'desc', options.position, timeKeyValue);
  const found = await db
    .select({ ...summaryColumns(now), position: timeCursorKey(secureMessages.sentAt) })
    .from(secureMessages)
    .innerJoin(portalUsers, eq(portalUsers.id, secureMessages.senderId))
    .leftJoin(policies, and(eq(policies.id, secureMessages.policyId), eq(policies.orgId, secureMessages.orgId)))
    .where(and(...filterConditions(orgId, { ...options, now }, options.search?.trim() ? await orgSearchKey(db, orgId) : null), keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(limit + 1);
  const page = cutPage(found, limit, options.position, (row) => [row.position, row.id]);
  if (!page) return listMonitoredMessages(db, orgId, { ...options, position: undefined });
  // Subjects are sealed: opened here, page by page, each with its message's data key.
  return { ...page, rows: (await withSubjects(db, page.rows.map(({ position: _position, ...row }) => row))).map((row) => withRoutes(row)) };
}

/** How many messages match the filters and search: exact when small, the planner's estimate when large. */
export async function countMonitoredMessages(db: DbOrTx, orgId: string, filters: MonitorFilters): Promise<ListTotal> {
  return countOrEstimate(
    db,
    db
      .select({ id: secureMessages.id })
      .from(secureMessages)
      .innerJoin(portalUsers, eq(portalUsers.id, secureMessages.senderId))
      .where(and(...filterConditions(orgId, filters, filters.search?.trim() ? await orgSearchKey(db, orgId) : null))),
  );
}

/** The ids of the first `cap` messages matching the filters and search, newest first, and whether there were more. */
export async function matchingMessageIds(db: DbOrTx, orgId: string, filters: MonitorFilters, cap: number): Promise<{ ids: string[]; capped: boolean }> {
  const rows = await db
    .select({ id: secureMessages.id })
    .from(secureMessages)
    .innerJoin(portalUsers, eq(portalUsers.id, secureMessages.senderId))
    .where(and(...filterConditions(orgId, filters, filters.search?.trim() ? await orgSearchKey(db, orgId) : null)))
    .orderBy(desc(secureMessages.sentAt), desc(secureMessages.id))
    .limit(cap + 1);
  return { ids: rows.slice(0, cap).map((r) => r.id), capped: rows.length > cap };
}

/** The message and its log (sent, notified, opened, replied, recalled, extended) in time order; null when it is not the organisation's. */
export async function getMessageLog(db: DbOrTx, orgId: string, messageId: string): Promise<MessageLog | null> {
  if (!isUuid(messageId)) return null;
  const [message] = await db
    .select({ ...summaryColumns(new Date()), restriction: secureMessages.restriction, readReceipt: secureMessages.readReceipt })
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

