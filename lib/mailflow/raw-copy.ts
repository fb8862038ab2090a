import 'server-only';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { gatewayMessages } from '@/db/schema';
import { seal, unseal } from '@/lib/crypto/aead';
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
};

export type RawCopyRow = FileKeyRef & { orgId: string; storageKey: string; subject: string | null; subjectSealed: Buffer | null };

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

/** The raw message's plain bytes, streamed: for parsing, DKIM signing, delivery, a DSN's headers. */
export function openRawCopy(store: BlobStore, row: FileKeyRef & { storageKey: string }, key?: Buffer | null): Promise<Readable> {
  return openSealedFile(store, row, key);
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
