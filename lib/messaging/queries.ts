import { and, asc, count, desc, eq, gte, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '@/db/client';
import { attachments, messageRecipients, messageSenderState, portalUsers, secureMessages } from '@/db/schema';
import { keysetPage, type PageDirection } from '@/lib/keyset';
import { likePattern } from '@/lib/like';
import { smsLockedOrgs, type SmsViewer } from '@/lib/portal/two-factor';
import { subjectColumns, withSubjects, type Opened, type SubjectRow } from './content';

export const INBOX_DAYS = 60;
export type MailboxCursor = { sentAt: string; id: string };

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

/** One page, and where the pages either side of it start (null: there is none). */
export type Paged<T> = { items: T[]; older: MailboxCursor | null; newer: MailboxCursor | null };
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

/** Where a mailbox page starts: older or newer than a message's (sent time, id). */
export type MailboxPosition = { cursor: MailboxCursor; direction: PageDirection };

/** The keyset condition and order for a list newest first by (sentAt, id): columns, or SQL names. */
function mailboxKeyset(sentAt: AnyPgColumn | SQL, id: AnyPgColumn | SQL, position: MailboxPosition | undefined) {
  const newer = position?.direction === 'newer';
  const where = position
    ? newer
      ? sql`(${sentAt}, ${id}) > (${position.cursor.sentAt}::timestamptz, ${position.cursor.id}::uuid)`
      : sql`(${sentAt}, ${id}) < (${position.cursor.sentAt}::timestamptz, ${position.cursor.id}::uuid)`
    : undefined;
  return { where, orderBy: newer ? [asc(sentAt), asc(id)] : [desc(sentAt), desc(id)] };
}

/** Inbox: messages to the user from the last 60 days, newest first, keyset-paginated both ways. */
export async function listInbox(db: DbOrTx, viewer: SmsViewer, options: { now: Date; limit: number; position?: MailboxPosition }): Promise<MailboxPage> {
  const userId = viewer.id;
  const since = new Date(options.now.getTime() - INBOX_DAYS * 86_400_000);
  const keyset = mailboxKeyset(messageRecipients.sentAt, messageRecipients.messageId, options.position);
  const rows = await db
    .select({ ...summaryColumns, readAt: messageRecipients.readAt })
    .from(messageRecipients)
    .innerJoin(secureMessages, eq(secureMessages.id, messageRecipients.messageId))
    .innerJoin(portalUsers, eq(portalUsers.id, secureMessages.senderId))
    .where(and(eq(messageRecipients.userId, userId), isNull(messageRecipients.deletedAt), gte(messageRecipients.sentAt, since), keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(options.limit + 1);
  const cut = page(rows, options);
  return cut ? withoutLockedContent(db, viewer, cut) : listInbox(db, viewer, { ...options, position: undefined });
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

const at = (row: { id: string; sentAt: Date } | null): MailboxCursor | null => (row ? { sentAt: row.sentAt.toISOString(), id: row.id } : null);

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
  const cut = keysetPage(found, options.limit, options.position?.direction ?? 'older', options.position !== undefined);
  if (!cut) return null;
  return { items: cut.rows, older: at(cut.older), newer: at(cut.newer) };
}

export async function listMessageAttachments(db: DbOrTx, messageId: string) {
  return db
    .select({ id: attachments.id, fileName: attachments.fileName, sizeBytes: attachments.sizeBytes })
    .from(attachments)
    .where(eq(attachments.messageId, messageId))
    .orderBy(attachments.createdAt);
}

/**
 * The words of a plain query as a prefix query (`invoi` finds "invoice", as search-as-you-type
 * does): every word must begin a word of the message. Null for a query written with the search
 * syntax (quotes, `or`, `-word`), which is read as written.
 */
export function prefixQuery(text: string): string | null {
  if (/["]|(^|\s)-|\sor\s/i.test(text)) return null;
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu);
  return words ? words.slice(0, 20).map((word) => `${word}:*`).join(' & ') : null;
}

/**
 * Search across all dates over subject, body (full-text, words by their beginning), sender and
 * recipients (contains), in the messages the user sent or received (and did not delete; a recalled
 * message is found by its sender only). Newest first, `limit` to a page, paged both ways like
 * Inbox and Sent. The subject and body of messages whose organisation asks this session for its
 * SMS step are not searched (a match would tell what they say): those are found by sender and
 * recipients only, and listed without their subject.
 */
export async function searchMessages(
  db: DbOrTx,
  viewer: SmsViewer,
  query: string,
  options: { limit?: number; position?: MailboxPosition } = {},
): Promise<Paged<SearchResult>> {
  const limit = options.limit ?? 50;
  const text = query.trim().slice(0, 200);
  if (!text) return { items: [], older: null, newer: null };
  const keyset = mailboxKeyset(sql`m.sent_at`, sql`m.id`, options.position);
  const like = likePattern(text);
  const prefix = prefixQuery(text);
  const userId = viewer.id;
  const lockedOrgIds = [...(await smsLockedOrgs(db, viewer)).keys()];
  const contentSearchable = lockedOrgIds.length > 0 ? sql`m.org_id not in (${sql.join(lockedOrgIds.map((id) => sql`${id}::uuid`), sql`, `)})` : sql`true`;
  const rows = await db.execute<{ id: string; org_id: string; subject: string | null; sent_at: Date; expires_at: Date | null; status: 'sent' | 'recalled'; restriction: 'none' | 'no_print' | 'no_print_no_reply'; sender_email: string; sender_name: string; read_at: Date | null; mine: boolean; has_attachments: boolean }>(sql`
    with visible as (
      -- A recalled message is gone for its recipients: its words must not find it (nor say it had them).
      select m.id, r.read_at, false as mine from secure_messages m
        join message_recipients r on r.message_id = m.id and r.user_id = ${userId} and r.deleted_at is null
        where m.status <> 'recalled'
      union all
      select m.id, null, true from secure_messages m
        left join message_sender_state s on s.message_id = m.id
        where m.sender_id = ${userId} and s.deleted_at is null
    )
    select m.id, m.org_id, m.subject, m.data_key, m.key_version, m.subject_sealed, m.content_destroyed_at, m.content_destroyed_reason, m.sent_at, m.expires_at, m.status, m.restriction, u.email as sender_email, u.display_name as sender_name, v.read_at, v.mine,
      exists (select 1 from attachments a where a.message_id = m.id) as has_attachments
    from visible v
    join secure_messages m on m.id = v.id
    join portal_users u on u.id = m.sender_id
    where ((${contentSearchable} and (m.search @@ websearch_to_tsquery('simple', ${text})
         or (${prefix}::text is not null and m.search @@ to_tsquery('simple', ${prefix}))))
       or u.email ilike ${like} or u.display_name ilike ${like}
       or exists (select 1 from message_recipients rr join portal_users ru on ru.id = rr.user_id where rr.message_id = m.id and (ru.email ilike ${like} or ru.display_name ilike ${like})))
      ${keyset.where ? sql`and ${keyset.where}` : sql``}
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
  return cut ? withoutLockedContent(db, viewer, cut) : searchMessages(db, viewer, query, { limit });
}
