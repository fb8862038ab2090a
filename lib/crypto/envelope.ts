import 'server-only';
import { randomBytes } from 'node:crypto';
import { getDb, type DbOrTx } from '@/db/client';
import { SealBrokenError, seal, unseal } from './aead';
import { currentKek, KEY_BYTES, kekVersion } from './keys';

export { SealBrokenError, seal, unseal };

/**
 * Envelope encryption of secure messages. Each message has a fresh 32-byte data key; its subject
 * and body are sealed with AES-256-GCM under it, and the data key is sealed (wrapped) under the
 * organisation's current key-encryption key (lib/crypto/keys.ts), whose version is stored with
 * it. Every seal's associated data names what it is, the message and the organisation (and, for
 * the wrapped key, the key version), so a ciphertext copied to another row, field or
 * organisation is refused instead of decrypted. Destroying the wrapped data key (recall,
 * deletion, retention) leaves nothing that opens the content.
 */

type Field = 'data-key' | 'subject' | 'body';
export type MessageRef = { id: string; orgId: string };

function aad(field: Field, message: MessageRef, version?: number): Buffer {
  return Buffer.from(`sealpost/message/v1/${field}/${message.orgId}/${message.id}${version === undefined ? '' : `/kek-v${version}`}`);
}

export function wrapDataKey(kek: Buffer, dataKey: Buffer, message: MessageRef, version: number): Buffer {
  return seal(kek, dataKey, aad('data-key', message, version));
}

export function unwrapDataKey(kek: Buffer, wrapped: Buffer, message: MessageRef, version: number): Buffer {
  const key = unseal(kek, wrapped, aad('data-key', message, version), 'message key');
  if (key.length !== KEY_BYTES) throw new SealBrokenError('message key');
  return key;
}

export type MessageContent = { subject: string; bodyHtml: string; bodyText: string };
export type SealedContent = { dataKey: Buffer; keyVersion: number; subjectSealed: Buffer; bodySealed: Buffer };

function encodeBody(html: string, text: string): Buffer {
  const h = Buffer.from(html, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(h.length);
  return Buffer.concat([length, h, Buffer.from(text, 'utf8')]);
}

function decodeBody(plain: Buffer): { bodyHtml: string; bodyText: string } {
  const length = plain.readUInt32BE(0);
  return { bodyHtml: plain.subarray(4, 4 + length).toString('utf8'), bodyText: plain.subarray(4 + length).toString('utf8') };
}

/** Seals a new message's content under a fresh data key, wrapped by the organisation's current key-encryption key. */
export async function sealMessageContent(message: MessageRef, content: MessageContent, db: DbOrTx = getDb(), dataKey: Buffer = randomBytes(KEY_BYTES)): Promise<SealedContent> {
  const kek = await currentKek(message.orgId, db);
  return sealWithKek(kek, message, content, dataKey);
}

export function sealWithKek(kek: { version: number; key: Buffer }, message: MessageRef, content: MessageContent, dataKey: Buffer = randomBytes(KEY_BYTES)): SealedContent {
  return {
    dataKey: wrapDataKey(kek.key, dataKey, message, kek.version),
    keyVersion: kek.version,
    subjectSealed: seal(dataKey, Buffer.from(content.subject, 'utf8'), aad('subject', message)),
    bodySealed: seal(dataKey, encodeBody(content.bodyHtml, content.bodyText), aad('body', message)),
  };
}

/**
 * A stored message's row, in any of its three states: sealed (data key and sealed columns),
 * plain (written before encryption at rest and not yet migrated), or destroyed (neither).
 */
export type StoredContent = {
  id: string;
  orgId: string;
  subject: string | null;
  bodyHtml?: string | null;
  bodyText?: string | null;
  dataKey: Buffer | null;
  keyVersion: number | null;
  subjectSealed: Buffer | null;
  bodySealed?: Buffer | null;
};

/** The message's data key; null when destroyed or for a plain row. */
export async function openDataKey(row: Pick<StoredContent, 'id' | 'orgId' | 'dataKey' | 'keyVersion'>, db: DbOrTx = getDb()): Promise<Buffer | null> {
  if (!row.dataKey || row.keyVersion === null) return null;
  const kek = await kekVersion(row.orgId, row.keyVersion, db);
  return unwrapDataKey(kek, row.dataKey, row, row.keyVersion);
}

/** Subject and body; null when the data key was destroyed. */
export async function openMessageContent(row: StoredContent, db: DbOrTx = getDb()): Promise<MessageContent | null> {
  if (row.subjectSealed && row.bodySealed) {
    const key = await openDataKey(row, db);
    if (!key) return null;
    return {
      subject: unseal(key, row.subjectSealed, aad('subject', row), 'subject').toString('utf8'),
      ...decodeBody(unseal(key, row.bodySealed, aad('body', row), 'message body')),
    };
  }
  if (row.subject !== null && row.bodyHtml != null && row.bodyText != null) return { subject: row.subject, bodyHtml: row.bodyHtml, bodyText: row.bodyText };
  return null;
}

/** What a list shows for a message whose content was destroyed. */
export const DESTROYED_SUBJECT = '(content deleted)';

/**
 * The subjects of a page of messages (lists: Inbox, Sent, search, monitoring), each opened with its
 * own data key; a destroyed message's subject is null.
 */
export async function openSubjects<T extends Omit<StoredContent, 'bodyHtml' | 'bodyText' | 'bodySealed'>>(rows: T[], db: DbOrTx = getDb()): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (const row of rows) {
    if (row.subjectSealed) {
      const key = await openDataKey(row, db);
      out.set(row.id, key ? unseal(key, row.subjectSealed, aad('subject', row), 'subject').toString('utf8') : null);
    } else {
      out.set(row.id, row.subject);
    }
  }
  return out;
}

function fileKeyAad(message: MessageRef, attachmentId: string): Buffer {
  return Buffer.from(`sealpost/message/v1/file-key/${message.orgId}/${message.id}/${attachmentId}`);
}

/** A file's key, wrapped by its message's data key. */
export function wrapFileKey(dataKey: Buffer, fileKey: Buffer, message: MessageRef, attachmentId: string): Buffer {
  return seal(dataKey, fileKey, fileKeyAad(message, attachmentId));
}

export function unwrapFileKey(dataKey: Buffer, wrapped: Buffer, message: MessageRef, attachmentId: string): Buffer {
  return unseal(dataKey, wrapped, fileKeyAad(message, attachmentId), 'file key');
}

/** Rewraps a data key under another key-encryption key version (rotation), without touching the content. */
export function rewrapDataKey(message: MessageRef, wrapped: Buffer, from: { version: number; key: Buffer }, to: { version: number; key: Buffer }): Buffer {
  return wrapDataKey(to.key, unwrapDataKey(from.key, wrapped, message, from.version), message, to.version);
}
