import 'server-only';
import { desc, lt, and, eq, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { outboxMessages } from '@/db/schema';

/**
 * The demo outbox (every organisation's mail: it is shown only in demo mode, while the outbox
 * is the transport). Newest first, keyset by (created_at, id).
 */
export async function listOutboxMessages(db: DbOrTx, options: { limit: number; before?: { createdAt: Date; id: string } }) {
  const cursor = options.before
    ? or(
        lt(outboxMessages.createdAt, options.before.createdAt),
        and(eq(outboxMessages.createdAt, options.before.createdAt), lt(outboxMessages.id, options.before.id)),
      )
    : undefined;
  return db
    .select({
      id: outboxMessages.id,
      channel: outboxMessages.channel,
      kind: outboxMessages.kind,
      recipient: outboxMessages.recipient,
      subject: outboxMessages.subject,
      bodyText: outboxMessages.bodyText,
      status: outboxMessages.status,
      createdAt: outboxMessages.createdAt,
      sentAt: outboxMessages.sentAt,
      /**
       * Attached files: name and size (null while a PDF is still to be made by the delivery job).
       * The outer row is named in full: a column interpolated here renders as a bare "id", which
       * inside the subquery would be the attachment's own id.
       */
      attachments: sql<{ filename: string; size: number | null }[]>`(select coalesce(json_agg(json_build_object('filename', a.filename, 'size', octet_length(a.content)) order by a.created_at, a.id), '[]'::json) from outbox_attachments a where a.message_id = "outbox_messages"."id")`,
    })
    .from(outboxMessages)
    .where(cursor)
    .orderBy(desc(outboxMessages.createdAt), desc(outboxMessages.id))
    .limit(options.limit);
}
