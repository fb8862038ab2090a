import 'server-only';
import { and, asc, count, desc, eq, gte, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '@/db/client';
import { attachments, messageRecipients, messageSenderState, portalUsers, secureMessages } from '@/db/schema';
import type { Cursor } from '@/lib/lists/cursor';
import { cutPage, type PagePosition } from '@/lib/lists/page';
import { likePattern } from '@/lib/like';
import { smsLockedOrgs, type SmsViewer } from '@/lib/portal/two-factor';
import { subjectColumns, withSubjects, type Opened, type SubjectRow } from './content';
import { orgSearchKey, parseSearch, partyOrgIds, planCondition } from './search-index';

export const INBOX_DAYS = 60;

type Message = typeof secureMessages.$inferSelect;
/**
 * A row of Inbox or Sent; `readAt` is the reader's own (always null in Sent). `locked`: its
 * organisation asks this session for its SMS step first, so the subject is left out (empty).
 */
export type MailboxSummary = Pick<Message, 'id' | 'orgId' | 'sentAt' | 'expiresAt' | 'status' | 'restriction'> & {
  /** Opened from its seal for this page; "(recalled)" and the like once its data key is destroyed. */
  subject: string;
  senderEmail: string;
  senderName: string;
  hasAttachments: boolean;
  readAt: Date | null;
  locked: boolean;
};

/** A search result: a message of Inbox or Sent (`mine`: sent by the user). */
export type SearchResult = MailboxSummary & { mine: boolean };

/**
 * One page, and where the pages either side of it start (null: there is none): `older` is the next
 * page's cursor ("after" it), `newer` the previous page's ("before" it); `start` the first row's
 * position (lib/lists/page.ts).
 */
export type Paged<T> = { items: T[]; older: Cursor | null; newer: Cursor | null; start: number };
export type MailboxPage = Paged<MailboxSummary>;

const summaryColumns = {
  ...subjectColumns,
  sentAt: secureMessages.sentAt,
  expiresAt: secureMessages.expiresAt,
  status: secureMessages.status,
  restriction: secureMessages.restriction,
  senderEmail: portalUsers.email,
  senderName: portalUsers.displayName,
  hasAttachments: sql<boolean>`exists (select 1 from attachments a where a.message_id = ${secureMessages.id})`,
};

/** Where a mailbox page starts: after (older than) or before (newer than) a message's (sent time, id). */
export type MailboxPosition = PagePosition;

/** The keyset condition and order for a list newest first by (sentAt, id): columns, or SQL names. */
function mailboxKeyset(sentAt: AnyPgColumn | SQL, id: AnyPgColumn | SQL, position: MailboxPosition | undefined) {
  const newer = position?.direction === 'before';
  const [t, key] = position?.cursor.keys ?? [];
  const where = position
    ? newer
      ? sql`(${sentAt}, ${id}) > (${String(t)}::timestamptz, ${String(key)}::uuid)`
      : sql`(${sentAt}, ${id}) < (${String(t)}::timestamptz, ${String(key)}::uuid)`
    : undefined;
  return { where, orderBy: newer ? [asc(sentAt), asc(id)] : [desc(sentAt), desc(id)] };
}

/**
 * Inbox: messages to the user from the last 60 days, newest first, keyset-paginated both ways, a
 * conversation (a message and its replies, `thread_id`) as one row: its newest message the user
 * received, with how many messages of it the user has (received or sent) and how many are unread.
 */
export async function listInbox(db: DbOrTx, viewer: SmsViewer, options: { now: Date; limit: number; position?: MailboxPosition }): Promise<Paged<InboxSummary>> {
  const userId = viewer.id;
  const since = new Date(options.now.getTime() - INBOX_DAYS * 86_400_000);
  const keyset = mailboxKeyset(messageRecipients.sentAt, messageRecipients.messageId, options.position);
  // The newest of its conversation in the inbox, or not part of one (rows from before conversations).
  const newestOfThread = sql`(${messageRecipients.threadId} is null or not exists (
    select 1 from message_recipients r2
    where r2.user_id = ${messageRecipients.userId} and r2.thread_id = ${messageRecipients.threadId} and r2.deleted_at is null
      and r2.sent_at >= ${since.toISOString()}::timestamptz and (r2.sent_at, r2.message_id) > (${messageRecipients.sentAt}, ${messageRecipients.messageId})))`;
  const rows = await db
    .select({ ...summaryColumns, readAt: messageRecipients.readAt, threadId: messageRecipients.threadId })
    .from(messageRecipients)
    .innerJoin(secureMessages, eq(secureMessages.id, messageRecipients.messageId))
    .innerJoin(portalUsers, eq(portalUsers.id, secureMessages.senderId))
    .where(and(eq(messageRecipients.userId, userId), isNull(messageRecipients.deletedAt), gte(messageRecipients.sentAt, since), keyset.where, newestOfThread))
    .orderBy(...keyset.orderBy)
    .limit(options.limit + 1);
  const cut = page(rows, options);
  if (!cut) return listInbox(db, viewer, { ...options, position: undefined });
  const shown = await withoutLockedContent(db, viewer, cut);
  const threads = await conversationCounts(
    db,
    userId,
    shown.items.flatMap((m) => (m.threadId ? [m.threadId] : [])),
  );
  return {
    ...shown,
    items: shown.items.map(({ threadId, ...m }) => {
      const counts = threadId ? threads.get(threadId) : undefined;
      return { ...m, threadId: threadId ?? m.id, conversation: counts ?? { messages: 1, unread: m.readAt ? 0 : 1 } };
    }),
  };
}

/** An inbox row: a conversation's newest message, and how many messages (and unread ones) the conversation has for the user. */
export type InboxSummary = MailboxSummary & { threadId: string; conversation: { messages: number; unread: number } };

/**
 * For each conversation, how many of its messages the user has (received and not deleted, or sent
 * and not deleted) and how many of those received are unread (recalled ones are not counted unread).
 */
export async function conversationCounts(db: DbOrTx, userId: string, threadIds: string[]): Promise<Map<string, { messages: number; unread: number }>> {
  const out = new Map<string, { messages: number; unread: number }>();
  if (threadIds.length === 0) return out;
  const ids = sql.join(
    [...new Set(threadIds)].map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  const rows = (await db.execute<{ thread_id: string; messages: number; unread: number }>(sql`
    select t.thread_id, count(*)::int as messages, (count(*) filter (where t.unread))::int as unread from (
      select r.thread_id, (r.read_at is null and m.status = 'sent') as unread
        from message_recipients r join secure_messages m on m.id = r.message_id
        where r.user_id = ${userId} and r.deleted_at is null and r.thread_id in (${ids})
      union all
      select m.thread_id, false
        from secure_messages m left join message_sender_state ss on ss.message_id = m.id
        where m.sender_id = ${userId} and ss.deleted_at is null and m.thread_id in (${ids})
    ) t group by t.thread_id`)) as unknown as { thread_id: string; messages: number; unread: number }[];
  for (const row of rows) out.set(row.thread_id, { messages: Number(row.messages), unread: Number(row.unread) });
  return out;
}

/**
 * The messages of a conversation the user has (received and not deleted, or sent and not
 * deleted), oldest first: the message page lists them. Subjects are not opened here: the list
 * shows who wrote and when.
 */
export async function listConversation(db: DbOrTx, userId: string, threadId: string) {
  const rows = (await db.execute<{ id: string; sent_at: Date | string; sender_email: string; sender_name: string; mine: boolean; read_at: Date | string | null }>(sql`
    select m.id, m.sent_at, u.email as sender_email, u.display_name as sender_name, m.sender_id = ${userId} as mine, r.read_at
    from secure_messages m
    join portal_users u on u.id = m.sender_id
    left join message_recipients r on r.message_id = m.id and r.user_id = ${userId}
    left join message_sender_state ss on ss.message_id = m.id
    where (m.thread_id = ${threadId}::uuid or m.id = ${threadId}::uuid)
      and ((r.user_id is not null and r.deleted_at is null) or (m.sender_id = ${userId} and ss.deleted_at is null))
    order by m.sent_at, m.id
    limit 200`)) as unknown as { id: string; sent_at: Date | string; sender_email: string; sender_name: string; mine: boolean; read_at: Date | string | null }[];
  return rows.map((r) => ({ id: r.id, sentAt: new Date(r.sent_at), senderEmail: r.sender_email, senderName: r.sender_name, mine: r.mine, readAt: r.read_at ? new Date(r.read_at) : null }));
}

export async function countUnread(db: DbOrTx, userId: string, now: Date) {
  const since = new Date(now.getTime() - INBOX_DAYS * 86_400_000);
  const [row] = await db
    .select({ n: count() })
    .from(messageRecipients)
    .innerJoin(secureMessages, eq(secureMessages.id, messageRecipients.messageId))
    .where(
      and(
        eq(messageRecipients.userId, userId),
        isNull(messageRecipients.deletedAt),
        isNull(messageRecipients.readAt),
        gte(messageRecipients.sentAt, since),
        eq(secureMessages.status, 'sent'),
      ),
    );
  return row?.n ?? 0;
}

/** Sent: the user's own messages, newest first, keyset-paginated both ways. */
export async function listSent(db: DbOrTx, viewer: SmsViewer, options: { limit: number; position?: MailboxPosition }): Promise<MailboxPage> {
  const userId = viewer.id;
  const keyset = mailboxKeyset(secureMessages.sentAt, secureMessages.id, options.position);
  const rows = await db
    .select({ ...summaryColumns, readAt: sql<Date | null>`null` })
    .from(secureMessages)
    .innerJoin(portalUsers, eq(portalUsers.id, secureMessages.senderId))
    .leftJoin(messageSenderState, eq(messageSenderState.messageId, secureMessages.id))
    .where(and(eq(secureMessages.senderId, userId), isNull(messageSenderState.deletedAt), keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(options.limit + 1);
  const cut = page(rows, options);
  return cut ? withoutLockedContent(db, viewer, cut) : listSent(db, viewer, { ...options, position: undefined });
}

/** Recipients' addresses of several messages at once, for list rows. */
export async function recipientsOf(db: DbOrTx, messageIds: string[]) {
  if (messageIds.length === 0) return new Map<string, { email: string; kind: 'to' | 'cc'; readAt: Date | null }[]>();
  const rows = await db
    .select({ messageId: messageRecipients.messageId, email: portalUsers.email, kind: messageRecipients.kind, readAt: messageRecipients.readAt })
    .from(messageRecipients)
    .innerJoin(portalUsers, eq(portalUsers.id, messageRecipients.userId))
    .where(inArray(messageRecipients.messageId, messageIds));
  const out = new Map<string, { email: string; kind: 'to' | 'cc'; readAt: Date | null }[]>();
  for (const row of rows) out.set(row.messageId, [...(out.get(row.messageId) ?? []), { email: row.email, kind: row.kind, readAt: row.readAt }]);
  return out;
}

/**
 * Leaves out the subject of every row whose organisation asks this session for its SMS step
 * (lib/portal/two-factor.ts): a list shows who wrote and when, never what, until the code is entered.
 */
async function withoutLockedContent<T extends SubjectRow>(db: DbOrTx, viewer: SmsViewer, paged: Paged<T>): Promise<Paged<Opened<T> & { locked: boolean }>> {
  const locked = await smsLockedOrgs(db, viewer, [...new Set(paged.items.map((m) => m.orgId))]);
  // Only the subjects this session may see are opened.
  const open = await withSubjects(db, paged.items.filter((m) => !locked.has(m.orgId)));
  const opened = new Map(open.map((m) => [m.id, m]));
  const items = paged.items.map((m) => {
    const shown = opened.get(m.id);
    if (shown) return { ...shown, locked: false };
    const { subject: _s, dataKey: _d, keyVersion: _k, subjectSealed: _ss, contentDestroyedAt: _c, contentDestroyedReason: _r, ...rest } = m;
    return { ...rest, subject: '', locked: true } as Opened<T> & { locked: boolean };
  });
  return { ...paged, items };
}

/** The page `found` holds (fetched with `limit + 1` rows); null for a short "newer" page: the caller fetches the newest page instead. */
function page<T extends { id: string; sentAt: Date }>(found: T[], options: { limit: number; position?: MailboxPosition }): Paged<T> | null {
  const cut = cutPage(found, options.limit, options.position, (row) => [row.sentAt.toISOString(), row.id]);
  if (!cut) return null;
  return { items: cut.rows, older: cut.next, newer: cut.previous, start: cut.start };
}

export async function listMessageAttachments(db: DbOrTx, messageId: string) {
  return db
    .select({ id: attachments.id, fileName: attachments.fileName, sizeBytes: attachments.sizeBytes })
    .from(attachments)
    .where(eq(attachments.messageId, messageId))
    .orderBy(attachments.createdAt);
}

/**
 * When a query's subject, body and people matches number at most this many (in all of the
 * database), the page is found from them; past it, by walking the user's messages newest first
 * until the page is full (then matches are common, so the walk is short).
 */
const FEW_MATCHES = 5_000;

/**
 * The condition on a row `t` of message_search_tokens that its message's subject or body match a
 * portal query, through the keyed index (lib/messaging/search-index.ts); null when nothing can match.
 * The query's tokens are computed under the search key of each organisation the user has
 * messages with — except those asking this session for their SMS step, whose subjects and bodies
 * are not searched (a match would tell what they say).
 */
async function contentMatches(db: DbOrTx, viewer: SmsViewer, text: string): Promise<SQL | null> {
  const plan = parseSearch(text);
  if (plan.length === 0) return null;
  const [orgIds, locked] = await Promise.all([partyOrgIds(db, viewer.id), smsLockedOrgs(db, viewer)]);
  const searchable = orgIds.filter((id) => !locked.has(id));
  const conditions: SQL[] = [];
  for (const orgId of searchable) {
    const condition = planCondition(await orgSearchKey(db, orgId), plan);
    if (condition) conditions.push(sql`(t.org_id = ${orgId}::uuid and ${condition})`);
  }
  if (conditions.length === 0) return null;
  return sql`(${sql.join(conditions, sql` or `)})`;
}

/**
 * Search across all dates over subject, body (words by their beginning, through the keyed index),
 * sender and recipients (contains), in the messages the user sent or received (and did not delete;
 * a recalled message is found by its sender only, by people: its words are gone with its key).
 * Newest first, `limit` to a page, paged both ways like Inbox and Sent. The subject and body of
 * messages whose organisation asks this session for its SMS step are not searched: those are found
 * by sender and recipients only, and listed without their subject.
 */
export async function searchMessages(
  db: DbOrTx,
  viewer: SmsViewer,
  query: string,
  /** `fewMatches`: the FEW_MATCHES threshold (tests take both ways with it). */
  options: { limit?: number; position?: MailboxPosition; fewMatches?: number } = {},
): Promise<Paged<SearchResult>> {
  const limit = options.limit ?? 50;
  const fewMatches = options.fewMatches ?? FEW_MATCHES;
  const text = query.trim().slice(0, 200);
  if (!text) return { items: [], older: null, newer: null, start: 1 };
  const keyset = mailboxKeyset(sql`m.sent_at`, sql`m.id`, options.position);
  const like = likePattern(text);
  const userId = viewer.id;
  const content = await contentMatches(db, viewer, text);
  const people = sql`select p.id from portal_users p where p.email ilike ${like} or p.display_name ilike ${like}`;
  // Every message matching, in all of the database: by its words, its sender, its recipients.
  const matching = sql`
    ${content ? sql`select t.message_id as id from message_search_tokens t where ${content} union all` : sql``}
    select s.id from secure_messages s where s.sender_id in (${people})
    union all
    select rr.message_id from message_recipients rr where rr.user_id in (${people})`;
  // Two small queries: PostgreSQL's parallel workers (planned from rough estimates of how many
  // messages match) would cost more to start than the queries take.
  return db.transaction(async (tx) => {
  await tx.execute(sql`set local max_parallel_workers_per_gather = 0`);
  const [{ n: matchCount }] = (await tx.execute<{ n: number }>(sql`select count(*)::int as n from (select 1 from (${matching}) x limit ${fewMatches + 1}) c`)) as unknown as { n: number }[];
  const few = matchCount <= fewMatches;
  // Few: the user's own among them. Many: the user's messages newest first, each tested (a
  // scalar subquery: a semi-join would read every match before the first page).
  const matches = (id: SQL) =>
    few
      ? sql`${id} in (select id from few)`
      : sql`(${content ? sql`coalesce((select true from message_search_tokens t where t.message_id = ${id} and ${content} limit 1), false) or ` : sql``}
          exists (select 1 from secure_messages s where s.id = ${id} and s.sender_id in (select id from people))
          or exists (select 1 from message_recipients rr where rr.message_id = ${id} and rr.user_id in (select id from people)))`;
  const inbox = mailboxKeyset(sql`r.sent_at`, sql`r.message_id`, options.position);
  const sent = mailboxKeyset(sql`m.sent_at`, sql`m.id`, options.position);
  const rows = await tx.execute<{ id: string; org_id: string; subject: string | null; data_key: Buffer | null; key_version: number | null; subject_sealed: Buffer | null; content_destroyed_at: Date | string | null; content_destroyed_reason: 'recalled' | 'deleted' | 'expired' | null; sent_at: Date; expires_at: Date | null; status: 'sent' | 'recalled'; restriction: 'none' | 'no_print' | 'no_print_no_reply'; sender_email: string; sender_name: string; read_at: Date | null; mine: boolean; has_attachments: boolean }>(sql`
    with people as materialized (${people}),
    few as materialized (${few ? matching : sql`select null::uuid as id where false`}),
    visible as (
      (-- A recalled message is gone for its recipients: nothing must find it (nor say it matched).
      select r.message_id as id, r.sent_at, r.read_at, false as mine from message_recipients r
        join secure_messages m on m.id = r.message_id
        where r.user_id = ${userId} and r.deleted_at is null and m.status <> 'recalled'
          and ${matches(sql`r.message_id`)} ${inbox.where ? sql`and ${inbox.where}` : sql``}
        order by ${sql.join(inbox.orderBy, sql`, `)}
        limit ${limit + 1})
      union all
      (select m.id, m.sent_at, null, true from secure_messages m
        left join message_sender_state ss on ss.message_id = m.id
        where m.sender_id = ${userId} and ss.deleted_at is null
          and ${matches(sql`m.id`)} ${sent.where ? sql`and ${sent.where}` : sql``}
        order by ${sql.join(sent.orderBy, sql`, `)}
        limit ${limit + 1})
    )
    select m.id, m.org_id, m.subject, m.data_key, m.key_version, m.subject_sealed, m.content_destroyed_at, m.content_destroyed_reason, m.sent_at, m.expires_at, m.status, m.restriction, u.email as sender_email, u.display_name as sender_name, v.read_at, v.mine,
      exists (select 1 from attachments a where a.message_id = m.id) as has_attachments
    from visible v
    join secure_messages m on m.id = v.id
    join portal_users u on u.id = m.sender_id
    order by ${sql.join(keyset.orderBy, sql`, `)}
    limit ${limit + 1}`);
  const found: (Omit<SearchResult, 'locked' | 'subject'> & SubjectRow)[] = (rows as unknown as { id: string; org_id: string; subject: string | null; data_key: Buffer | null; key_version: number | null; subject_sealed: Buffer | null; content_destroyed_at: Date | string | null; content_destroyed_reason: 'recalled' | 'deleted' | 'expired' | null; sent_at: Date | string; expires_at: Date | string | null; status: 'sent' | 'recalled'; restriction: 'none' | 'no_print' | 'no_print_no_reply'; sender_email: string; sender_name: string; read_at: Date | string | null; mine: boolean; has_attachments: boolean }[]).map((r) => ({
    id: r.id,
    orgId: r.org_id,
    subject: r.subject,
    dataKey: r.data_key,
    keyVersion: r.key_version,
    subjectSealed: r.subject_sealed,
    contentDestroyedAt: r.content_destroyed_at ? new Date(r.content_destroyed_at) : null,
    contentDestroyedReason: r.content_destroyed_reason,
    sentAt: new Date(r.sent_at),
    expiresAt: r.expires_at ? new Date(r.expires_at) : null,
    status: r.status,
    restriction: r.restriction,
    senderEmail: r.sender_email,
    senderName: r.sender_name,
    readAt: r.read_at ? new Date(r.read_at) : null,
    mine: r.mine,
    hasAttachments: r.has_attachments,
  }));
  const cut = page(found, { limit, position: options.position });
  return cut ? withoutLockedContent(tx, viewer, cut) : searchMessages(tx, viewer, query, { limit, fewMatches });
  });
}
