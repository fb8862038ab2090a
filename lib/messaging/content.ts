import 'server-only';
import { randomBytes } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { attachments, secureMessages } from '@/db/schema';
import { KEY_BYTES, openUploadKey } from '@/lib/crypto/keys';
import { openSubjects, sealMessageContent, wrapFileKey, type MessageContent, type MessageRef } from '@/lib/crypto/envelope';

/**
 * How secure messages' content is stored (lib/crypto/envelope.ts): the columns a read selects to
 * open a subject or a whole message, and the sealing of a new one.
 */

/** What opening a subject needs (lists). */
export const subjectColumns = {
  id: secureMessages.id,
  orgId: secureMessages.orgId,
  subject: secureMessages.subject,
  dataKey: secureMessages.dataKey,
  keyVersion: secureMessages.keyVersion,
  subjectSealed: secureMessages.subjectSealed,
  contentDestroyedAt: secureMessages.contentDestroyedAt,
  contentDestroyedReason: secureMessages.contentDestroyedReason,
};

/** What opening the whole message needs (its page, print, reply). */
export const contentColumns = {
  ...subjectColumns,
  bodyHtml: secureMessages.bodyHtml,
  bodyText: secureMessages.bodyText,
  bodySealed: secureMessages.bodySealed,
};

/** A new message's sealed columns, and its data key (to wrap its files' keys with) — never stored plain. */
export async function newMessageSeal(tx: DbOrTx, message: MessageRef, content: MessageContent) {
  const dataKey = randomBytes(KEY_BYTES);
  const sealed = await sealMessageContent(message, content, tx, dataKey);
  return { columns: { ...sealed, subject: null, bodyHtml: null, bodyText: null }, dataKey };
}

/**
 * The message's files, sealed as they were uploaded under keys of their own, now have those keys
 * wrapped by the message's data key instead of the server's upload key.
 */
export async function bindAttachmentKeys(tx: DbOrTx, message: MessageRef, dataKey: Buffer): Promise<void> {
  const files = await tx
    .select({ id: attachments.id, fileKey: attachments.fileKey, fileKeyWrap: attachments.fileKeyWrap })
    .from(attachments)
    .where(and(eq(attachments.messageId, message.id), eq(attachments.sealed, true), inArray(attachments.fileKeyWrap, ['upload', 'upload-kms'])));
  for (const file of files) {
    if (!file.fileKey || (file.fileKeyWrap !== 'upload' && file.fileKeyWrap !== 'upload-kms')) continue;
    const fileKey = await openUploadKey(file.id, file.fileKey, file.fileKeyWrap);
    await tx
      .update(attachments)
      .set({ fileKey: wrapFileKey(dataKey, fileKey, message, file.id), fileKeyWrap: 'message' })
      .where(eq(attachments.id, file.id));
  }
}

/** What a list shows instead of the subject of a message whose data key was destroyed. */
export const GONE_SUBJECT = { recalled: '(recalled)', deleted: '(deleted)', expired: '(retention period ended)' } as const;

export type SubjectRow = {
  id: string;
  orgId: string;
  subject: string | null;
  dataKey: Buffer | null;
  keyVersion: number | null;
  subjectSealed: Buffer | null;
  contentDestroyedAt: Date | null;
  contentDestroyedReason: 'recalled' | 'deleted' | 'expired' | null;
};

/**
 * A page of list rows with their subjects opened (each with its own data key) and the key
 * columns dropped; a destroyed message shows why instead.
 */
export type Opened<T> = Omit<T, keyof SubjectRow> & { id: string; orgId: string; subject: string };

export async function withSubjects<T extends SubjectRow>(db: DbOrTx, rows: T[]): Promise<Opened<T>[]> {
  const opened = await openSubjects(rows, db);
  return rows.map((row) => {
    const { subject: _s, dataKey: _d, keyVersion: _k, subjectSealed: _ss, contentDestroyedAt, contentDestroyedReason, ...rest } = row;
    const subject = opened.get(row.id);
    const shown = contentDestroyedAt || subject == null ? GONE_SUBJECT[contentDestroyedReason ?? 'deleted'] : subject;
    return { ...rest, id: row.id, orgId: row.orgId, subject: shown } as Opened<T>;
  });
}
