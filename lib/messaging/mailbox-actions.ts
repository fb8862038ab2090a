import 'server-only';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { getDb, type DbOrTx, type Tx } from '@/db/client';
import { messageRecipients, messageSenderState, portalUsers, secureMessages } from '@/db/schema';
import { AppError } from '@/lib/errors/app-error';
import type { PortalSession } from '@/lib/portal/queries';
import { NOT_FOUND } from './open-message';
import { destroyIfDeletedByAll, removeFiles } from './destroy-content';
import type { PortalPreferences } from '@/db/schema';
import { isUuid } from '@/lib/ids';
import { isTimeZone } from './format';
import { runBulk, type BulkOutcome } from '@/lib/lists/bulk';

/** Mark as read / unread: only the user's own copy; anyone else's id is not found. */
export async function markMessage(input: { user: PortalSession; id: string; read: boolean; now?: Date }) {
  await markMessageIn(getDb(), input.user, input.id, input.read, input.now ?? new Date());
}

async function markMessageIn(tx: DbOrTx, user: PortalSession, id: string, read: boolean, now: Date) {
  if (!isUuid(id)) throw new AppError('not_found', NOT_FOUND);
  const [row] = await tx
    .update(messageRecipients)
    .set({ readAt: read ? now : null })
    .where(and(eq(messageRecipients.messageId, id), eq(messageRecipients.userId, user.id), isNull(messageRecipients.deletedAt)))
    .returning({ id: messageRecipients.messageId });
  if (!row) throw new AppError('not_found', NOT_FOUND);
}

/** Delete removes the message from the user's own folder (a recipient's or the sender's copy). */
export async function deleteMessage(input: { user: PortalSession; id: string; now?: Date }) {
  const now = input.now ?? new Date();
  // The last party to delete destroys the message's key, in the same transaction (lib/messaging/destroy-content.ts).
  const { folder, files } = await getDb().transaction((tx) => deleteMessageIn(tx, input.user, input.id, now));
  await removeFiles(files);
  return { folder };
}

async function deleteMessageIn(tx: Tx, user: PortalSession, id: string, now: Date) {
  if (!isUuid(id)) throw new AppError('not_found', NOT_FOUND);
  const actor = { type: 'portal_user' as const, id: user.id, email: user.email };
  const [asRecipient] = await tx
    .update(messageRecipients)
    .set({ deletedAt: now })
    .where(and(eq(messageRecipients.messageId, id), eq(messageRecipients.userId, user.id), isNull(messageRecipients.deletedAt)))
    .returning({ id: messageRecipients.messageId });
  if (asRecipient) return { folder: 'inbox' as const, files: await destroyIfDeletedByAll(tx, id, actor, now) };
  const [mine] = await tx.select({ id: secureMessages.id }).from(secureMessages).where(and(eq(secureMessages.id, id), eq(secureMessages.senderId, user.id)));
  if (!mine) throw new AppError('not_found', NOT_FOUND);
  await tx
    .insert(messageSenderState)
    .values({ messageId: id, deletedAt: now })
    .onConflictDoUpdate({ target: messageSenderState.messageId, set: { deletedAt: now } });
  return { folder: 'sent' as const, files: await destroyIfDeletedByAll(tx, id, actor, now) };
}

/**
 * Inbox bulk actions: mark the ticked messages read or unread, or delete them, each as the single
 * action does it, one transaction per batch; one that is not the user's is reported, not done.
 */
export async function markMessages(input: { user: PortalSession; ids: string[]; read: boolean; now?: Date }): Promise<BulkOutcome> {
  const now = input.now ?? new Date();
  return runBulk([...new Set(input.ids)], {
    transaction: (body) => getDb().transaction(body),
    step: (tx, id) => markMessageIn(tx, input.user, id, input.read, now),
    labelOf: (id) => id,
  });
}

export async function deleteMessages(input: { user: PortalSession; ids: string[]; now?: Date }): Promise<BulkOutcome> {
  const now = input.now ?? new Date();
  let files: string[] = [];
  return runBulk([...new Set(input.ids)], {
    transaction: async (body) => {
      files = [];
      const result = await getDb().transaction(body);
      await removeFiles(files);
      return result;
    },
    step: async (tx, id) => {
      files.push(...(await deleteMessageIn(tx, input.user, id, now)).files);
    },
    labelOf: (id) => id,
  });
}

export async function savePreferences(input: { user: PortalSession; preferences: PortalPreferences }) {
  await getDb().update(portalUsers).set({ preferences: input.preferences }).where(eq(portalUsers.id, input.user.id));
}

/**
 * A new user's times start in their device's zone rather than UTC: the portal sends the browser's
 * zone once, and it is kept only if the user has never chosen one (a later choice on the
 * preferences page always wins; a second device does not overwrite it). Returns whether it was kept.
 */
export async function adoptDeviceTimeZone(input: { user: PortalSession; timeZone: string }): Promise<boolean> {
  if (!isTimeZone(input.timeZone)) throw new AppError('invalid_input', 'Unknown time zone.');
  const rows = await getDb()
    .update(portalUsers)
    .set({ preferences: sql`jsonb_set(coalesce(${portalUsers.preferences}, '{}'::jsonb), '{timeZone}', to_jsonb(${input.timeZone}::text))` })
    .where(and(eq(portalUsers.id, input.user.id), sql`not (coalesce(${portalUsers.preferences}, '{}'::jsonb) ? 'timeZone')`))
    .returning({ id: portalUsers.id });
  return rows.length > 0;
}
