import 'server-only';
import { and, eq, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { getDb, type Tx } from '@/db/client';
import { attachments, organisations, secureMessages } from '@/db/schema';
import { recordAuditEvent, type AuditActor } from '@/lib/audit/record';
import { errorFields, log } from '@/lib/log';
import { destroyGatewayCopies } from '@/lib/mailflow/raw-copy';
import { blobStore, type BlobStore } from '@/lib/storage/storage';
import { deleteSearchTokens } from './search-index';

/**
 * Key destruction (a message is unrecoverable once its key is gone): a recalled message, one deleted by every party, and one past its
 * organisation's retention period lose their data key — and with it their sealed subject, body
 * and files' keys — in the transaction that records why. What stays is the metadata monitoring and
 * the delivery log show (who, when, status, policy, sizes). Mail that came through the SMTP gateway
 * goes the same way: the raw copy it was accepted as (and its copy home, and a DSN quoting its
 * headers) loses its key and sealed Subject in the same transaction (lib/mailflow/raw-copy.ts
 * `destroyGatewayCopies`). The files themselves are then removed from the attachment store (after
 * commit: a store cannot roll back).
 */

export type DestroyReason = 'recalled' | 'deleted' | 'expired';

/** Destroys the message's keys and sealed content; returns its files' storage keys (to remove after commit), or null when already destroyed. */
export async function destroyMessageContent(tx: Tx, messageId: string, reason: DestroyReason, now: Date): Promise<string[] | null> {
  const [destroyed] = await tx
    .update(secureMessages)
    .set({
      dataKey: null,
      subjectSealed: null,
      bodySealed: null,
      subject: null,
      bodyHtml: null,
      bodyText: null,
      contentDestroyedAt: now,
      contentDestroyedReason: reason,
    })
    .where(and(eq(secureMessages.id, messageId), isNull(secureMessages.contentDestroyedAt)))
    .returning({ id: secureMessages.id, orgId: secureMessages.orgId });
  if (!destroyed) return null;
  // Its words no longer find it, for anyone: the content they point at is gone with its key.
  await deleteSearchTokens(tx, messageId);
  const files = await tx.update(attachments).set({ fileKey: null }).where(eq(attachments.messageId, messageId)).returning({ storageKey: attachments.storageKey });
  const rawCopies = await destroyGatewayCopies(tx, { orgId: destroyed.orgId, messageId, reason, now });
  return [...files.map((f) => f.storageKey), ...rawCopies];
}

/** Removes destroyed messages' files from the store; a failure is logged (the files cannot be opened anyway: their keys are gone). */
export async function removeFiles(storageKeys: string[], store: BlobStore = blobStore()): Promise<void> {
  for (const key of storageKeys) {
    await store.delete(key).catch((error: unknown) => log('keys').error({ ...errorFields(error), storageKey: key }, 'could not remove the file of a destroyed message'));
  }
}

/**
 * When every party (the sender and each recipient) has deleted their copy, the message's key is
 * destroyed, in the caller's transaction, with its audit event. Returns the storage keys to remove.
 */
export async function destroyIfDeletedByAll(tx: Tx, messageId: string, actor: AuditActor, now: Date): Promise<string[]> {
  const [row] = await tx.execute<{ org_id: string; all_deleted: boolean }>(sql`
    select m.org_id,
      coalesce((select s.deleted_at is not null from message_sender_state s where s.message_id = m.id), false)
      and not exists (select 1 from message_recipients r where r.message_id = m.id and r.deleted_at is null) as all_deleted
    from secure_messages m where m.id = ${messageId} and m.content_destroyed_at is null
    for no key update of m`);
  if (!row?.all_deleted) return [];
  const files = await destroyMessageContent(tx, messageId, 'deleted', now);
  if (!files) return [];
  await recordAuditEvent(tx, {
    orgId: row.org_id,
    actor,
    action: 'secure_messages.content_destroyed',
    summary: 'Destroyed the key of a secure message deleted by its sender and every recipient',
    target: { type: 'secure_message', id: messageId },
    metadata: { reason: 'deleted', files: files.length },
    now,
  });
  return files;
}

/**
 * The retention job: in each organisation with a retention period, messages sent before it lose
 * their key, a batch at a time, each batch in one transaction with one audit event per message.
 */
export async function destroyExpiredContent(now: Date, options: { batch?: number; store?: BlobStore } = {}): Promise<number> {
  const db = getDb();
  const batch = options.batch ?? 500;
  const orgs = await db.select({ id: organisations.id, days: organisations.messageRetentionDays }).from(organisations).where(isNotNull(organisations.messageRetentionDays));
  let total = 0;
  for (const org of orgs) {
    const cutoff = new Date(now.getTime() - (org.days ?? 0) * 86_400_000);
    for (;;) {
      const files: string[] = [];
      const done = await db.transaction(async (tx) => {
        const due = await tx
          .select({ id: secureMessages.id })
          .from(secureMessages)
          .where(and(eq(secureMessages.orgId, org.id), lt(secureMessages.sentAt, cutoff), isNull(secureMessages.contentDestroyedAt)))
          .limit(batch)
          .for('no key update', { skipLocked: true });
        for (const message of due) {
          const removed = await destroyMessageContent(tx, message.id, 'expired', now);
          if (!removed) continue;
          files.push(...removed);
          await recordAuditEvent(tx, {
            orgId: org.id,
            actor: { type: 'system' },
            action: 'secure_messages.content_destroyed',
            summary: `Destroyed the key of a secure message past the organisation's retention period (${org.days} days)`,
            target: { type: 'secure_message', id: message.id },
            metadata: { reason: 'expired', retentionDays: org.days, files: removed.length },
            now,
          });
        }
        return due.length;
      });
      total += done;
      await removeFiles(files, options.store);
      if (done < batch) break;
    }
  }
  return total;
}
