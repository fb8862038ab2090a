import 'server-only';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { getDb, type DbOrTx } from '@/db/client';
import { attachments, messageDrafts, messageRecipients } from '@/db/schema';
import { seal, unseal } from '@/lib/crypto/aead';
import { newUploadKey, openUploadKey } from '@/lib/crypto/keys';
import { AppError } from '@/lib/errors/app-error';
import { isUuid, uuidSchema } from '@/lib/ids';
import type { PortalSession } from '@/lib/portal/queries';
import { blobStore, type BlobStore } from '@/lib/storage/storage';
import { draftOf, signedDraftId } from './attachments';
import { sanitizeMessageHtml } from './sanitize';
import { EXPIRY_CHOICES, RESTRICTIONS } from './schemas';

/**
 * Drafts (issue #23): a message being written, saved by the composer as the user types
 * and when they leave, listed in Drafts to be continued or deleted. Recipients, subject and body
 * are sealed like a message's content (lib/crypto/envelope.ts), under a data key of the draft's
 * own; a draft has no organisation yet (an external user's is settled by its recipients on send),
 * so that key is wrapped by the server's upload key, as an unsent file's is (lib/crypto/keys.ts).
 * The plain text is never stored. The draft's id is its compose page's draft id: its files
 * (attachments.draft_id) stay with it, and sending it or deleting it takes them along.
 */

export const DRAFT_NOT_FOUND = 'That draft does not exist, or it is not yours.';

/** What the composer saves: anything half-written, so addresses are not checked until Send. */
export const saveDraftSchema = z.object({
  draftId: z.string().min(1).max(200),
  to: z.array(z.string().trim().max(254)).max(50, 'At most 50 recipients.').default([]),
  cc: z.array(z.string().trim().max(254)).max(50, 'At most 50 recipients.').default([]),
  subject: z.string().max(200, 'Keep the subject under 200 characters.').default(''),
  body: z.string().max(200_000, 'The message is too long.').default(''),
  readReceipt: z.boolean().default(false),
  restriction: z.enum(RESTRICTIONS).default('none'),
  expireDays: z.union([z.literal(EXPIRY_CHOICES[0]), z.literal(EXPIRY_CHOICES[1]), z.literal(EXPIRY_CHOICES[2]), z.null()]).default(null),
  inReplyTo: uuidSchema('Unknown message.').nullable().default(null),
});
export type SaveDraftInput = z.infer<typeof saveDraftSchema>;

export type DraftContent = { to: string[]; cc: string[]; subject: string; body: string };

function draftAad(userId: string, draftId: string): Buffer {
  return Buffer.from(`sealpost/draft/v1/${userId}/${draftId}`);
}

function sealDraft(key: Buffer, userId: string, draftId: string, content: DraftContent): Buffer {
  return seal(key, Buffer.from(JSON.stringify(content), 'utf8'), draftAad(userId, draftId));
}

function unsealDraft(key: Buffer, userId: string, draftId: string, sealed: Buffer): DraftContent {
  const parsed = JSON.parse(unseal(key, sealed, draftAad(userId, draftId), 'draft').toString('utf8')) as Partial<DraftContent>;
  return { to: parsed.to ?? [], cc: parsed.cc ?? [], subject: parsed.subject ?? '', body: parsed.body ?? '' };
}

type SealedRow = { id: string; dataKey: Buffer; keyWrap: 'upload' | 'upload-kms'; contentSealed: Buffer };

async function openDraftRow(userId: string, row: SealedRow): Promise<DraftContent> {
  const key = await openUploadKey(row.id, row.dataKey, row.keyWrap);
  return unsealDraft(key, userId, row.id, row.contentSealed);
}

/**
 * Saves (creates or replaces) the user's draft named by the compose page's signed draft id. The
 * body is sanitised as a sent message's is, so Drafts holds only what could be sent. Returns the
 * time it was saved.
 */
export async function saveDraft(input: SaveDraftInput & { user: Pick<PortalSession, 'id'>; now?: Date }): Promise<{ savedAt: Date }> {
  const now = input.now ?? new Date();
  const id = draftOf(input.user.id, input.draftId);
  if (!id) throw new AppError('invalid_input', 'This draft does not belong to you. Reload the page.');
  const content: DraftContent = { to: input.to, cc: input.cc, subject: input.subject, body: input.body.trim() === '' ? '' : sanitizeMessageHtml(input.body) };
  return getDb().transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: messageDrafts.id, userId: messageDrafts.userId, dataKey: messageDrafts.dataKey, keyWrap: messageDrafts.keyWrap })
      .from(messageDrafts)
      .where(eq(messageDrafts.id, id))
      .for('update');
    // A signed id is this user's alone; a row of another user under it cannot happen, but is never touched.
    if (existing && existing.userId !== input.user.id) throw new AppError('not_found', DRAFT_NOT_FOUND);
    // A reply's draft remembers what it answers, when the user received that message (any other id is dropped).
    const [answered] = input.inReplyTo
      ? await tx
          .select({ id: messageRecipients.messageId })
          .from(messageRecipients)
          .where(and(eq(messageRecipients.messageId, input.inReplyTo), eq(messageRecipients.userId, input.user.id)))
      : [];
    const options = { readReceipt: input.readReceipt, restriction: input.restriction, expireDays: input.expireDays, inReplyTo: answered?.id ?? null };
    if (existing) {
      const key = await openUploadKey(id, existing.dataKey, existing.keyWrap);
      await tx
        .update(messageDrafts)
        .set({ ...options, contentSealed: sealDraft(key, input.user.id, id, content), updatedAt: now })
        .where(and(eq(messageDrafts.id, id), eq(messageDrafts.userId, input.user.id)));
    } else {
      const key = await newUploadKey(id);
      await tx.insert(messageDrafts).values({
        id,
        userId: input.user.id,
        ...options,
        dataKey: key.wrapped,
        keyWrap: key.wrap,
        contentSealed: sealDraft(key.key, input.user.id, id, content),
        createdAt: now,
        updatedAt: now,
      });
    }
    return { savedAt: now };
  });
}

export type DraftSummary = { id: string; to: string[]; cc: string[]; subject: string; updatedAt: Date; attachmentCount: number };

/** The user's drafts, last saved first, each opened for its recipients and subject. */
export async function listDrafts(db: DbOrTx, user: Pick<PortalSession, 'id'>): Promise<DraftSummary[]> {
  const rows = await db
    .select({
      id: messageDrafts.id,
      dataKey: messageDrafts.dataKey,
      keyWrap: messageDrafts.keyWrap,
      contentSealed: messageDrafts.contentSealed,
      updatedAt: messageDrafts.updatedAt,
      attachmentCount: sql<number>`(select count(*)::int from attachments a where a.draft_id = message_drafts.id and a.uploaded_by = message_drafts.user_id and a.message_id is null)`,
    })
    .from(messageDrafts)
    .where(eq(messageDrafts.userId, user.id))
    .orderBy(desc(messageDrafts.updatedAt))
    .limit(200);
  return Promise.all(
    rows.map(async (row) => {
      const content = await openDraftRow(user.id, row);
      return { id: row.id, to: content.to, cc: content.cc, subject: content.subject, updatedAt: row.updatedAt, attachmentCount: Number(row.attachmentCount) };
    }),
  );
}

export async function countDrafts(db: DbOrTx, userId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(messageDrafts).where(eq(messageDrafts.userId, userId));
  return Number(row?.n ?? 0);
}

export type OpenedDraft = DraftContent &
  Pick<SaveDraftInput, 'readReceipt' | 'restriction' | 'expireDays' | 'inReplyTo'> & {
    /** The signed id the compose page continues it under (its uploads' draft id). */
    draftId: string;
    updatedAt: Date;
    attachments: { id: string; fileName: string; sizeBytes: number }[];
  };

/** One of the user's drafts, opened to be continued; anyone else's (or none) is "not found". */
export async function openDraft(input: { user: Pick<PortalSession, 'id'>; id: string }): Promise<OpenedDraft> {
  if (!isUuid(input.id)) throw new AppError('not_found', DRAFT_NOT_FOUND);
  const db = getDb();
  const [row] = await db
    .select({
      id: messageDrafts.id,
      dataKey: messageDrafts.dataKey,
      keyWrap: messageDrafts.keyWrap,
      contentSealed: messageDrafts.contentSealed,
      readReceipt: messageDrafts.readReceipt,
      restriction: messageDrafts.restriction,
      expireDays: messageDrafts.expireDays,
      inReplyTo: messageDrafts.inReplyTo,
      updatedAt: messageDrafts.updatedAt,
    })
    .from(messageDrafts)
    .where(and(eq(messageDrafts.id, input.id), eq(messageDrafts.userId, input.user.id)));
  if (!row) throw new AppError('not_found', DRAFT_NOT_FOUND);
  const content = await openDraftRow(input.user.id, row);
  const files = await db
    .select({ id: attachments.id, fileName: attachments.fileName, sizeBytes: attachments.sizeBytes })
    .from(attachments)
    .where(and(eq(attachments.draftId, row.id), eq(attachments.uploadedBy, input.user.id), isNull(attachments.messageId)))
    .orderBy(attachments.createdAt);
  const expireDays = row.expireDays === 1 || row.expireDays === 7 || row.expireDays === 30 ? row.expireDays : null;
  return {
    ...content,
    readReceipt: row.readReceipt,
    restriction: row.restriction,
    expireDays,
    inReplyTo: row.inReplyTo,
    draftId: signedDraftId(input.user.id, row.id),
    updatedAt: row.updatedAt,
    attachments: files,
  };
}

/** Deletes one of the user's drafts and the files uploaded for it: rows first, then the files. */
export async function deleteDraft(input: { user: Pick<PortalSession, 'id'>; id: string; store?: BlobStore }): Promise<void> {
  if (!isUuid(input.id)) throw new AppError('not_found', DRAFT_NOT_FOUND);
  const files = await getDb().transaction(async (tx) => {
    const [gone] = await tx
      .delete(messageDrafts)
      .where(and(eq(messageDrafts.id, input.id), eq(messageDrafts.userId, input.user.id)))
      .returning({ id: messageDrafts.id });
    if (!gone) throw new AppError('not_found', DRAFT_NOT_FOUND);
    return tx
      .delete(attachments)
      .where(and(eq(attachments.draftId, input.id), eq(attachments.uploadedBy, input.user.id), isNull(attachments.messageId)))
      .returning({ storageKey: attachments.storageKey });
  });
  const store = input.store ?? blobStore();
  for (const file of files) {
    await store.delete(file.storageKey).catch((e: unknown) => console.error('[drafts] could not remove a draft file', file.storageKey, e));
  }
}

/** Sending a draft removes it, in the send's own transaction (its files now belong to the message). */
export async function removeSentDraft(tx: DbOrTx, userId: string, signedId: string | null | undefined): Promise<void> {
  const id = draftOf(userId, signedId);
  if (!id) return;
  await tx.delete(messageDrafts).where(and(eq(messageDrafts.id, id), eq(messageDrafts.userId, userId)));
}
