import 'server-only';
import { createHmac, hkdfSync, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '@/db/client';
import { attachments, messageRecipients, secureMessages } from '@/db/schema';
import { AppError } from '@/lib/errors/app-error';
import type { PortalSession } from '@/lib/portal/queries';
import { SMS_STEP_REQUIRED, smsLockedOrgs, type SmsViewer } from '@/lib/portal/two-factor';
import { BlobNotFoundError, blobStore, TooLargeError, type BlobStore } from '@/lib/storage/storage';
import { trimMatching } from '@/lib/trim';
import { chunksOf } from '@/lib/storage/chunks';
import { openDataKey, unwrapFileKey } from '@/lib/crypto/envelope';
import { openUploadKey } from '@/lib/crypto/keys';
import { openSealedFile, storeSealedFile, type SealedFile } from '@/lib/crypto/sealed-files';
import { isUuid } from '@/lib/ids';
import { env } from '@/lib/env';

/** Attachments total at most 50 MB per message. MB here is MiB, as file managers count. */
export const MAX_MESSAGE_ATTACHMENT_BYTES = 50 * 1024 * 1024;
/**
 * Uploads of one user not yet sent, all messages being written together: four messages' worth.
 * Each compose page has its own 50 MB, and a page is opened at will, so without this a user could
 * fill the disk 50 MB at a time; with it, what one user can park is bounded.
 */
export const MAX_UNSENT_ATTACHMENT_BYTES = 4 * MAX_MESSAGE_ATTACHMENT_BYTES;
const MAX_FILE_NAME_CHARS = 200;
/** Longer "extensions" are part of the name, not a type hint worth keeping whole. */
const MAX_EXTENSION_CHARS = 20;
export const ATTACHMENT_NOT_FOUND = 'That attachment does not exist, or it is not yours to open.';
export const EMPTY_FILE = 'The file is empty.';
const DRAFT_UNKNOWN = 'This upload does not belong to a message being written. Reload the page and attach the file again.';

type User = Pick<PortalSession, 'id'>;

/**
 * Refused because the message's attachments would pass 50 MB. An AppError (so it reaches the
 * user as is) that route handlers answer with 413; `invalid_input` is its nearest shared code.
 */
export class AttachmentsTooLargeError extends AppError {
  readonly status = 413;

  constructor(message: string) {
    super('invalid_input', message, { file: [message] });
    this.name = 'AttachmentsTooLargeError';
  }
}

const MiB = 1024 * 1024;

/** Rounded up to a tenth, so 50 MB and one byte reads "50.1 MB", never a confusing "50.0 MB". */
function formatMb(bytes: number): string {
  const tenths = Math.ceil((bytes / MiB) * 10) / 10;
  return Number.isInteger(tenths) ? String(tenths) : tenths.toFixed(1);
}

function tooLarge(total: number | null): AttachmentsTooLargeError {
  const limit = formatMb(MAX_MESSAGE_ATTACHMENT_BYTES);
  const would = total === null ? `more than ${limit} MB` : `${formatMb(total)} MB`;
  return new AttachmentsTooLargeError(`Attachments can total at most ${limit} MB per message; this file would make ${would}.`);
}

/** Refused because the user's unsent uploads, all messages being written together, would pass their limit. */
function tooMuchUnsent(total: number | null): AttachmentsTooLargeError {
  const limit = formatMb(MAX_UNSENT_ATTACHMENT_BYTES);
  const would = total === null ? `more than ${limit} MB` : `${formatMb(total)} MB`;
  return new AttachmentsTooLargeError(
    `Files not yet sent can total at most ${limit} MB across all the messages you are writing; this file would make ${would}. ` +
      `Send or discard your other messages first (files of messages never sent are thrown away after ${UNSENT_UPLOAD_HOURS} hours).`,
  );
}

/** Device names Windows refuses as file names, whatever the extension. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/**
 * A name safe to store and to offer on download: the last path segment only (both `/` and `\`,
 * so `C:\evil\x.exe` is `x.exe`), without control or invisible format characters (CR/LF header
 * injection, right-to-left overrides that disguise `exe` as `txt`), without characters Windows
 * refuses, at most 200 characters with the extension kept. "attachment" when nothing is left.
 */
export function safeFileName(raw: string): string {
  let name = raw.normalize('NFC');
  name = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  name = name
    // Cc: C0/C1 controls incl. CR, LF, NUL, DEL; Cf: bidi overrides, zero-width characters;
    // Cs: lone surrogates, which would make the name impossible to encode for the download header.
    .replace(/[\p{Cc}\p{Cf}\p{Cs}]/gu, '')
    .replace(/[<>:"|?*]/g, '_')
    .replace(/\s+/gu, ' ');
  // Leading dots would hide the file once saved, and `..` must never survive as a name; Windows
  // drops trailing dots and spaces anyway. Not `/^[\s.]+|[\s.]+$/`: quadratic on a long run of
  // dots inside the name.
  name = trimMatching(name, /[\s.]/u);
  if (WINDOWS_RESERVED.test(name)) name = `_${name}`;

  // Code points, not UTF-16 units, so an emoji is never cut in half.
  const chars = Array.from(name);
  if (chars.length > MAX_FILE_NAME_CHARS) {
    const dot = name.lastIndexOf('.');
    const extension = dot > 0 ? Array.from(name.slice(dot)) : [];
    const keep = extension.length > 1 && extension.length <= MAX_EXTENSION_CHARS ? extension : [];
    name = chars.slice(0, MAX_FILE_NAME_CHARS - keep.length).join('').trimEnd() + keep.join('');
  }
  return name === '' ? 'attachment' : name;
}

/**
 * The download header (RFC 6266 with RFC 8187 encoding): a plain-ASCII fallback for old clients,
 * and the exact UTF-8 name for the others.
 */
export function contentDisposition(fileName: string): string {
  const ascii =
    fileName
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      // Printable ASCII only; no quote or backslash (they would end or escape the quoted string), and
      // no % (some clients percent-decode the plain filename).
      .replace(/[^\x20-\x7e]|["\\%]/g, '_')
      .trim() || 'attachment';
  // encodeURIComponent leaves ' ( ) * ! unescaped, but RFC 8187's attr-char does not allow them.
  const encoded = encodeURIComponent(fileName).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** The type as declared, reduced to its essence (`type/subtype`); anything odd is just bytes. */
function safeContentType(raw: string | null | undefined): string {
  const essence = (raw ?? '').split(';')[0].trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(essence) ? essence : 'application/octet-stream';
}

/**
 * Bytes this user has uploaded and not yet sent: for the message being written as `draftId`, and
 * for all their messages being written together (one index range: attachments_unsent_idx).
 */
async function unsentBytes(db: DbOrTx, userId: string, draftId: string): Promise<{ draft: number; all: number }> {
  const [row] = await db
    .select({
      draft: sql<string>`coalesce(sum(${attachments.sizeBytes}) filter (where ${attachments.draftId} = ${draftId}), 0)`,
      all: sql<string>`coalesce(sum(${attachments.sizeBytes}), 0)`,
    })
    .from(attachments)
    .where(and(eq(attachments.uploadedBy, userId), isNull(attachments.messageId)));
  return { draft: Number(row?.draft ?? 0), all: Number(row?.all ?? 0) };
}

/** The key that signs draft ids, derived from AUTH_SECRET (as the session tokens are signed by it). */
function draftKey(): Buffer {
  const secret = env().AUTH_SECRET;
  if (!secret) throw new AppError('unavailable', 'The server has no AUTH_SECRET, so it cannot accept attachments.');
  return Buffer.from(hkdfSync('sha256', secret, 'sealpost', 'attachment-draft-id', 32));
}

function draftSignature(userId: string, draft: string): string {
  return createHmac('sha256', draftKey()).update(`${userId}:${draft}`).digest('base64url');
}

/**
 * A new draft id for a compose page, issued by the server and bound to its user: a random UUID
 * (what the uploads are filed under) and a MAC of it with the user's id. Nothing is written: a
 * page opened and left costs nothing, and the id cannot be made up or borrowed from another user.
 */
export function issueDraftId(userId: string): string {
  return signedDraftId(userId, randomUUID());
}

/** The signed form of one of this user's drafts, for the compose page that continues it (lib/messaging/drafts.ts). */
export function signedDraftId(userId: string, draft: string): string {
  return `${draft}.${draftSignature(userId, draft)}`;
}

/** The draft a draft id names when the server issued it to this user; null for anything else. */
export function draftOf(userId: string, draftId: string | null | undefined): string | null {
  if (typeof draftId !== 'string') return null;
  const match = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/.exec(draftId);
  if (!match) return null;
  const [, draft, signature] = match;
  const expected = Buffer.from(draftSignature(userId, draft));
  return timingSafeEqual(expected, Buffer.from(signature)) ? draft : null;
}

export type UploadedAttachment = { id: string; fileName: string; sizeBytes: number; sha256: string };

/**
 * Stores one file for the message the user is writing (`draftId`, as `issueDraftId` gave it to
 * this user; any other is refused before a byte is read). That draft's uploads and this file may
 * total at most 50 MB, and all the user's unsent uploads at most 200 MB: refused before reading a
 * byte when the declared size already says so, and while streaming otherwise (the store stops at
 * the smaller remaining allowance). Never buffered whole. Both allowances are checked again under
 * a per-user lock before the row is written, so uploads racing each other cannot pass a limit
 * together.
 */
export async function uploadAttachment(input: {
  user: User;
  draftId: string;
  fileName: string | null | undefined;
  contentType?: string | null;
  body: Readable | ReadableStream<Uint8Array> | null;
  /** From Content-Length or X-File-Size; null when the client did not say. */
  declaredSize?: number | null;
  store?: BlobStore;
}): Promise<UploadedAttachment> {
  if (!input.fileName || input.fileName.trim() === '') throw new AppError('invalid_input', 'The file needs a name.', { file: ['The file needs a name.'] });
  const fileName = safeFileName(input.fileName);
  const contentType = safeContentType(input.contentType);
  const declared = input.declaredSize ?? null;
  if (declared === 0 || input.body === null) throw new AppError('invalid_input', EMPTY_FILE, { file: [EMPTY_FILE] });
  const draftId = draftOf(input.user.id, input.draftId);
  if (!draftId) throw new AppError('invalid_input', DRAFT_UNKNOWN);

  const db = getDb();
  const store = input.store ?? blobStore();
  const used = await unsentBytes(db, input.user.id, draftId);
  const messageRemaining = Math.max(0, MAX_MESSAGE_ATTACHMENT_BYTES - used.draft);
  const userRemaining = Math.max(0, MAX_UNSENT_ATTACHMENT_BYTES - used.all);
  if (declared !== null && declared > messageRemaining) throw tooLarge(used.draft + declared);
  if (declared !== null && declared > userRemaining) throw tooMuchUnsent(used.all + declared);

  // Sealed as it streams (lib/crypto/sealed-files.ts), under a key of its own: the store never sees
  // a plain byte. Size and hash are the file's, counted on the way in.
  const id = randomUUID();
  let sealed: SealedFile;
  try {
    sealed = await storeSealedFile(store, { fileId: id, source: chunksOf(input.body), maxBytes: Math.min(messageRemaining, userRemaining) });
  } catch (e) {
    // The store counted past the allowance and kept nothing; the file's full size is unknown.
    if (e instanceof TooLargeError) throw messageRemaining <= userRemaining ? tooLarge(null) : tooMuchUnsent(null);
    throw e;
  }
  const { storageKey, sizeBytes, sha256 } = sealed;

  try {
    if (sizeBytes === 0) throw new AppError('invalid_input', EMPTY_FILE, { file: [EMPTY_FILE] });
    const [row] = await db.transaction(async (tx) => {
      // One upload per user at a time from here to commit: the sums read below cannot change
      // under us, so concurrent uploads that each fit alone cannot pass a limit together.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`attachments:${input.user.id}`}, 0))`);
      const now = await unsentBytes(tx, input.user.id, draftId);
      if (now.draft + sizeBytes > MAX_MESSAGE_ATTACHMENT_BYTES) throw tooLarge(now.draft + sizeBytes);
      if (now.all + sizeBytes > MAX_UNSENT_ATTACHMENT_BYTES) throw tooMuchUnsent(now.all + sizeBytes);
      return tx
        .insert(attachments)
        .values({ id, uploadedBy: input.user.id, draftId, fileName, contentType, sizeBytes, sha256, storageKey, fileKey: sealed.fileKey, fileKeyWrap: sealed.fileKeyWrap, sealed: true })
        .returning({ id: attachments.id, fileName: attachments.fileName, sizeBytes: attachments.sizeBytes, sha256: attachments.sha256 });
    });
    return row;
  } catch (e) {
    // No row, no file: a refused or failed upload leaves nothing behind.
    await store.delete(storageKey).catch((cleanup: unknown) => console.error('[attachments] could not remove an unused blob', storageKey, cleanup));
    throw e;
  }
}

/** Removes one of the user's own uploads from the message they are writing (not once sent). */
export async function removeDraftAttachment(input: { user: User; id: string; store?: BlobStore }): Promise<void> {
  if (!isUuid(input.id)) throw new AppError('not_found', ATTACHMENT_NOT_FOUND);
  const [row] = await getDb()
    .delete(attachments)
    .where(and(eq(attachments.id, input.id), eq(attachments.uploadedBy, input.user.id), isNull(attachments.messageId)))
    .returning({ storageKey: attachments.storageKey });
  if (!row) throw new AppError('not_found', ATTACHMENT_NOT_FOUND);
  // Row first, file second: a failure in between leaves an unreferenced file, never a row without one.
  await (input.store ?? blobStore()).delete(row.storageKey);
}

/** How long an upload may wait for its message to be sent before it is thrown away. */
export const UNSENT_UPLOAD_HOURS = 48;

/**
 * Deletes uploads whose message was never sent (a compose page closed without a saved draft) once
 * they are `UNSENT_UPLOAD_HOURS` old: rows first, then their files. Returns how many went. The
 * files of a saved draft (Drafts) stay with it until it is sent or deleted.
 */
export async function removeAbandonedUploads(now: Date, store: BlobStore = blobStore()): Promise<number> {
  const cutoff = new Date(now.getTime() - UNSENT_UPLOAD_HOURS * 3_600_000);
  const rows = await getDb()
    .delete(attachments)
    .where(
      and(
        isNull(attachments.messageId),
        lt(attachments.createdAt, cutoff),
        sql`not exists (select 1 from message_drafts d where d.id = attachments.draft_id and d.user_id = attachments.uploaded_by)`,
      ),
    )
    .returning({ storageKey: attachments.storageKey });
  for (const row of rows) {
    await store.delete(row.storageKey).catch((e: unknown) => console.error('[attachments] could not remove an abandoned upload', row.storageKey, e));
  }
  return rows.length;
}

export type AttachmentForDownload = { id: string; fileName: string; contentType: string; sizeBytes: number; sha256: string };

/**
 * An attachment's metadata and bytes, for the people who may read it: its uploader while it is
 * not yet sent; once sent, the message's sender, and its recipients whose copy is not deleted
 * unless the message was recalled. Everyone else — and every other id — gets the same
 * "not found", so ids reveal nothing.
 */
export async function openAttachment(input: { user: User & SmsViewer; id: string; store?: BlobStore }): Promise<{ attachment: AttachmentForDownload; stream: Readable }> {
  if (!isUuid(input.id)) throw new AppError('not_found', ATTACHMENT_NOT_FOUND);
  const [row] = await getDb()
    .select({
      id: attachments.id,
      fileName: attachments.fileName,
      contentType: attachments.contentType,
      sizeBytes: attachments.sizeBytes,
      sha256: attachments.sha256,
      storageKey: attachments.storageKey,
      messageId: attachments.messageId,
      uploadedBy: attachments.uploadedBy,
      senderId: secureMessages.senderId,
      messageStatus: secureMessages.status,
      orgId: secureMessages.orgId,
      recipientId: messageRecipients.userId,
      recipientDeletedAt: messageRecipients.deletedAt,
      fileKey: attachments.fileKey,
      fileKeyWrap: attachments.fileKeyWrap,
      sealed: attachments.sealed,
      dataKey: secureMessages.dataKey,
      keyVersion: secureMessages.keyVersion,
    })
    .from(attachments)
    .leftJoin(secureMessages, eq(secureMessages.id, attachments.messageId))
    .leftJoin(messageRecipients, and(eq(messageRecipients.messageId, attachments.messageId), eq(messageRecipients.userId, input.user.id)))
    .where(eq(attachments.id, input.id));
  if (!row) throw new AppError('not_found', ATTACHMENT_NOT_FOUND);

  const draftOfUploader = row.messageId === null && row.uploadedBy === input.user.id;
  const sender = row.messageId !== null && row.senderId === input.user.id;
  const recipient = row.messageId !== null && row.recipientId === input.user.id && row.recipientDeletedAt === null && row.messageStatus !== 'recalled';
  if (!draftOfUploader && !sender && !recipient) throw new AppError('not_found', ATTACHMENT_NOT_FOUND);
  // A file of a sent message is part of it: locked, like its body, behind its organisation's SMS step.
  if (row.orgId && (await smsLockedOrgs(getDb(), input.user, [row.orgId])).has(row.orgId)) throw new AppError('forbidden', SMS_STEP_REQUIRED);

  // Its key: its own, under the upload key while unsent, under its message's data key once sent.
  // Gone with that key (recall, deletion, retention): the file is gone too.
  let fileKey: Buffer | null = null;
  if (row.sealed) {
    if (!row.fileKey || !row.fileKeyWrap) throw new AppError('not_found', ATTACHMENT_NOT_FOUND);
    if (row.fileKeyWrap === 'message') {
      const dataKey = row.messageId && row.orgId ? await openDataKey({ id: row.messageId, orgId: row.orgId, dataKey: row.dataKey, keyVersion: row.keyVersion }) : null;
      if (!dataKey || !row.messageId || !row.orgId) throw new AppError('not_found', ATTACHMENT_NOT_FOUND);
      fileKey = unwrapFileKey(dataKey, row.fileKey, { id: row.messageId, orgId: row.orgId }, row.id);
    } else {
      fileKey = await openUploadKey(row.id, row.fileKey, row.fileKeyWrap);
    }
  }
  const store = input.store ?? blobStore();
  let stream: Readable;
  try {
    // A file that does not authenticate (changed, cut short, another's) errors the stream at that
    // segment: the download breaks rather than ends short.
    stream = await openSealedFile(store, { id: row.id, storageKey: row.storageKey, fileKey: null, fileKeyWrap: null }, fileKey);
  } catch (e) {
    if (!(e instanceof BlobNotFoundError)) throw e;
    // A row whose file is gone is our fault, not the user's: logged for us, "not found" for them.
    console.error('[attachments] file missing for attachment', row.id, row.storageKey);
    throw new AppError('not_found', ATTACHMENT_NOT_FOUND);
  }
  const { id, fileName, contentType, sizeBytes, sha256 } = row;
  return { attachment: { id, fileName, contentType, sizeBytes, sha256 }, stream };
}
