import 'server-only';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { gatewayMessages } from '@/db/schema';
import { seal, unseal } from '@/lib/crypto/aead';
import { DESTROYED_SUBJECT } from '@/lib/crypto/envelope';
import { openFileKey, openSealedFile, storeSealedFile, type FileKeyRef, type SealedFile } from '@/lib/crypto/sealed-files';
import { errorFields, log } from '@/lib/log';
import type { BlobStore } from '@/lib/storage/storage';

/**
 * A gateway message's raw copy (the RFC 5322 message as accepted, a DSN, a reply coming home) and
 * its Subject, encrypted at rest like portal mail (issue #19): the copy is sealed in segments under
 * a fresh key of its own as it streams into the store (lib/crypto/sealed-files.ts, the key wrapped
 * by the server's upload key: master key or KMS), and the Subject is sealed under the same key with
 * associated data naming the organisation and the row, so a subject copied to another row does not
 * open. Every reader of a raw copy goes through `openRawCopy`, which also reads the plain copies of
 * messages accepted before this (rows without a key), so messages in flight over an upgrade go on.
 *
 * A raw copy lives only as long as it is needed: removed from the store once every recipient's
 * delivery is final (`removeRawCopyIfFinal`, in the transaction that makes the last one final; the
 * hourly clean-up catches the rest), and destroyed with the secure message it became
 * (`destroyGatewayCopies`, called by key destruction: its key and sealed Subject gone in the
 * transaction of the recall, deletion or retention end, the file removed after commit), so a
 * recalled message is unreadable in the gateway's store and its backups too. The row stays, with
 * the envelope, recipients and statuses the mail-flow page and the delivery log show.
 */

/** What opening a gateway message's raw copy and Subject needs. */
export const rawCopyColumns = {
  id: gatewayMessages.id,
  orgId: gatewayMessages.orgId,
  storageKey: gatewayMessages.storageKey,
  sizeBytes: gatewayMessages.sizeBytes,
  fileKey: gatewayMessages.fileKey,
  fileKeyWrap: gatewayMessages.fileKeyWrap,
  subject: gatewayMessages.subject,
  subjectSealed: gatewayMessages.subjectSealed,
  rawCopyRemovedAt: gatewayMessages.rawCopyRemovedAt,
  contentDestroyedAt: gatewayMessages.contentDestroyedAt,
};

/** Whether the raw copy is gone from the store (deliveries final) and whether its key is destroyed too. */
export type RawCopyState = { rawCopyRemovedAt?: Date | null; contentDestroyedAt?: Date | null };

export type RawCopyRow = FileKeyRef & RawCopyState & { orgId: string; storageKey: string; subject: string | null; subjectSealed: Buffer | null };

/** The raw copy was removed (every delivery final) or destroyed (its secure message recalled, deleted, past retention). */
export class RawCopyGoneError extends Error {
  constructor(id: string) {
    super(`The raw copy of gateway message ${id} was removed: its deliveries are over, or its content was destroyed.`);
    this.name = 'RawCopyGoneError';
  }
}

function subjectAad(row: { id: string; orgId: string }): Buffer {
  return Buffer.from(`sealpost/gateway/v1/subject/${row.orgId}/${row.id}`);
}

/** The Subject as the row stores it, sealed under the raw copy's key (`key`, in the clear). */
export function sealGatewaySubject(key: Buffer, row: { id: string; orgId: string }, subject: string): Buffer {
  return seal(key, Buffer.from(subject.slice(0, 998), 'utf8'), subjectAad(row));
}

/** The raw copy's key in the clear; null for a copy stored plain before encryption at rest. */
export function openRawCopyKey(row: FileKeyRef): Promise<Buffer | null> {
  return openFileKey(row);
}

/** The Subject: opened with the raw copy's key (`key` when the caller has it), or the plain one of an older row. */
export async function openGatewaySubject(row: RawCopyRow, key?: Buffer | null): Promise<string> {
  if (row.contentDestroyedAt) return DESTROYED_SUBJECT;
  if (!row.subjectSealed) return row.subject ?? '';
  const opened = key === undefined ? await openRawCopyKey(row) : key;
  if (!opened) return row.subject ?? '';
  return unseal(opened, row.subjectSealed, subjectAad(row), 'subject').toString('utf8');
}

/** What a list shows for a Subject whose key cannot be had (KMS unreachable or not configured, a changed row). */
export const UNREADABLE_SUBJECT = '(subject could not be decrypted)';

/**
 * The Subjects of a page of rows (the mail-flow page), opened together. One that does not open is
 * logged and shown as such: the rest of the page still lists what the gateway did.
 */
export async function openGatewaySubjects<T extends RawCopyRow>(rows: T[]): Promise<(Omit<T, 'fileKey' | 'fileKeyWrap' | 'subjectSealed'> & { subject: string })[]> {
  return Promise.all(
    rows.map(async (row) => {
      const { fileKey: _k, fileKeyWrap: _w, subjectSealed: _s, ...rest } = row;
      const subject = await openGatewaySubject(row).catch((error: unknown) => {
        log('mailflow').warn({ orgId: row.orgId, gatewayMessageId: row.id, ...errorFields(error, false) }, 'a gateway message subject could not be opened');
        return UNREADABLE_SUBJECT;
      });
      return { ...rest, subject };
    }),
  );
}

/**
 * The raw message's plain bytes, streamed: for parsing, DKIM signing, delivery, a DSN's headers.
 * RawCopyGoneError once removed or destroyed (a row without a key is then not a plain copy).
 */
export async function openRawCopy(store: BlobStore, row: FileKeyRef & RawCopyState & { storageKey: string }, key?: Buffer | null): Promise<Readable> {
  if (row.rawCopyRemovedAt || row.contentDestroyedAt) throw new RawCopyGoneError(row.id);
  return openSealedFile(store, row, key);
}

/** The statuses after which nothing more is sent for a recipient, so nothing reads the raw copy for it. */
const WAITING = sql`('pending', 'queued_for_delivery', 'deferred')`;

/**
 * In the transaction that records a recipient's delivery: when no recipient of the message is left
 * waiting (each delivered to the portal, sent, bounced for good or failed), the raw copy is marked
 * removed. Returns its storage key, for the caller to delete from the store after commit (a store
 * cannot roll back), or null while some recipient still waits (or it was removed already).
 */
export async function removeRawCopyIfFinal(tx: DbOrTx, input: { id: string; orgId: string; now: Date }): Promise<string | null> {
  const rows = await tx.execute<{ storage_key: string }>(sql`
    update gateway_messages g set raw_copy_removed_at = ${input.now.toISOString()}::timestamptz
    where g.id = ${input.id}::uuid and g.org_id = ${input.orgId}::uuid and g.raw_copy_removed_at is null
      and not exists (select 1 from gateway_recipients r where r.gateway_message_id = g.id and r.org_id = g.org_id and r.status in ${WAITING})
    returning g.storage_key`);
  return rows[0]?.storage_key ?? null;
}

/**
 * Key destruction of gateway mail (lib/messaging/destroy-content.ts), in its transaction: the gateway
 * messages that became the secure message `messageId`, its copy home (a reply coming home), and the
 * DSNs quoting their header sections lose their raw copy's key and sealed Subject; their recipients
 * still waiting for SMTP are not sent (the delivery job records them as dropped). Returns the
 * storage keys of their raw copies, for the caller to remove after commit.
 */
export async function destroyGatewayCopies(tx: DbOrTx, input: { orgId: string; messageId: string; reason: 'recalled' | 'deleted' | 'expired'; now: Date }): Promise<string[]> {
  const rows = await tx.execute<{ storage_key: string; kept: boolean }>(sql`
    with source as (
      select g.id from gateway_messages g
      where g.org_id = ${input.orgId}::uuid and (
        g.reply_home_of = ${input.messageId}::uuid
        or g.id in (select r.gateway_message_id from gateway_recipients r where r.secure_message_id = ${input.messageId}::uuid and r.org_id = ${input.orgId}::uuid))
    ), destroyed as (
      select id from source
      union
      select g.id from gateway_messages g where g.org_id = ${input.orgId}::uuid and g.report_of in (select id from source)
    ), old as (
      select g.id, g.raw_copy_removed_at is null as kept from gateway_messages g, destroyed d where g.id = d.id and g.content_destroyed_at is null for update of g
    )
    update gateway_messages g
    set file_key = null, file_key_wrap = null, subject_sealed = null, subject = null,
      content_destroyed_at = ${input.now.toISOString()}::timestamptz, content_destroyed_reason = ${input.reason},
      raw_copy_removed_at = coalesce(g.raw_copy_removed_at, ${input.now.toISOString()}::timestamptz)
    from old where g.id = old.id
    returning g.storage_key, old.kept`);
  return rows.filter((r) => r.kept).map((r) => r.storage_key);
}

/** A new raw copy: its row's id (made here: the seal is bound to it) and the columns the row stores. */
export type NewRawCopy = {
  id: string;
  columns: Pick<SealedFile, 'storageKey' | 'sizeBytes' | 'sha256' | 'fileKey' | 'fileKeyWrap'>;
  key: Buffer;
};

/** Streams a raw message sealed into the store, for the row `id` (a new one when not given). TooLargeError past `maxBytes`. */
export async function storeRawCopy(store: BlobStore, input: { id?: string; source: Readable | AsyncIterable<Uint8Array>; maxBytes: number }): Promise<NewRawCopy> {
  const id = input.id ?? randomUUID();
  const { key, ...columns } = await storeSealedFile(store, { fileId: id, source: input.source, maxBytes: input.maxBytes });
  return { id, columns, key };
}

/** What a new row of a raw copy stores: the copy's columns, and its sealed Subject (no plain one). */
export function rawCopyValues(copy: NewRawCopy, orgId: string, subject: string) {
  return { id: copy.id, ...copy.columns, subject: null, subjectSealed: sealGatewaySubject(copy.key, { id: copy.id, orgId }, subject) };
}
