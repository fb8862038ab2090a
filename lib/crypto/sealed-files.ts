import { Readable } from 'node:stream';
import { chunksOf } from '@/lib/storage/chunks';
import { newStorageKey, TooLargeError, type BlobStore } from '@/lib/storage/storage';
import { newUploadKey, openUploadKey, type UploadWrap } from './keys';
import { openSegments, sealedSize, sealSegments } from './segments';

/**
 * Files the server writes into the attachment store by itself (the SMTP gateway's raw copies of
 * the messages it accepts, the parts parsed out of them, DSNs, replies coming home): each sealed as
 * it streams in (lib/crypto/segments.ts) under a fresh key of its own, kept wrapped by the server's
 * upload key (keys.ts `newUploadKey`: derived from the master key, or a KMS data key), exactly as
 * a portal upload is before its message is sent. The store never sees a plain byte; size and hash
 * are the plain file's, counted on the way in.
 */

/** A sealed file's key as its row keeps it. */
export type FileKeyRef = { id: string; fileKey: Buffer | null; fileKeyWrap: UploadWrap | null };

export type SealedFile = {
  storageKey: string;
  /** The plain file's size and SHA-256 (hex). */
  sizeBytes: number;
  sha256: string;
  /** The file's key, wrapped by the upload key: what the row stores. */
  fileKey: Buffer;
  fileKeyWrap: UploadWrap;
  /** The file's key in the clear, for sealing what belongs with it (never stored). */
  key: Buffer;
};

function bytesOf(source: Readable | AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return source instanceof Readable ? chunksOf(source) : source;
}

/** What `coalesced` joins pieces up to: a 20 KB message is one write, a 1 MiB segment is not copied whole. */
const COALESCE_BYTES = 256 * 1024;

/**
 * A segment's header, ciphertext and tag come out as separate pieces: joined into writes of up to
 * COALESCE_BYTES, so a 20 KB message is one write to the store, not four (the gateway's throughput).
 */
async function* coalesced(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  const flush = () => {
    const out = parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
    parts = [];
    length = 0;
    return out;
  };
  for await (const chunk of source) {
    if (chunk.length >= COALESCE_BYTES) {
      // A large piece goes as it is, after what was gathered before it (a tag, a header): never copied.
      if (length > 0) yield flush();
      yield chunk;
      continue;
    }
    parts.push(chunk);
    length += chunk.length;
    if (length >= COALESCE_BYTES) yield flush();
  }
  if (length > 0) yield flush();
}

/**
 * Streams `source` sealed into a new blob, as the file `fileId` (the id of the row that will name
 * it: the seal is bound to it). TooLargeError, and nothing kept, past `maxBytes` plain bytes; any
 * error of the source likewise keeps nothing.
 */
export async function storeSealedFile(store: BlobStore, input: { fileId: string; source: Readable | AsyncIterable<Uint8Array>; maxBytes: number }): Promise<SealedFile> {
  const made = await newUploadKey(input.fileId);
  const storageKey = newStorageKey();
  let size = 0;
  let sha256 = '';
  const sealed = Readable.from(
    coalesced(
      sealSegments(bytesOf(input.source), made.key, input.fileId, {
        onPlain: (chunk) => {
          size += chunk.byteLength;
          if (size > input.maxBytes) throw new TooLargeError(input.maxBytes, size);
        },
        onDigest: (digest) => (sha256 = digest),
      }),
    ),
    // One joined write read ahead at most: memory stays flat whatever the size.
    { highWaterMark: 1 },
  );
  try {
    await store.put(storageKey, sealed, { maxBytes: sealedSize(input.maxBytes), hash: false });
  } finally {
    // A store that stops early (disk full, S3 down) lets go of the stream without ending it; ended
    // here, the sealing stops and its file is let go on the sealing thread (key and all).
    sealed.destroy();
  }
  return { storageKey, sizeBytes: size, sha256, fileKey: made.wrapped, fileKeyWrap: made.wrap, key: made.key };
}

/** The file's key in the clear; null for a file stored plain (before encryption at rest). */
export async function openFileKey(file: FileKeyRef): Promise<Buffer | null> {
  if (!file.fileKey || !file.fileKeyWrap) return null;
  return openUploadKey(file.id, file.fileKey, file.fileKeyWrap);
}

/**
 * The file's plain bytes. A sealed file is opened segment by segment (a changed or cut file errors
 * the stream, never ends it short); a file without a key is one stored before encryption at rest,
 * read as it is. `key` when the caller opened it already (openFileKey).
 */
export async function openSealedFile(store: BlobStore, file: FileKeyRef & { storageKey: string }, key?: Buffer | null): Promise<Readable> {
  const fileKey = key === undefined ? await openFileKey(file) : key;
  const raw = await store.get(file.storageKey);
  return fileKey ? Readable.from(openSegments(raw, fileKey, file.id), { objectMode: false }) : raw;
}

/** A copy of a file under a new id and a new key of its own (a blob belongs to one row). */
export async function copySealedFile(store: BlobStore, file: FileKeyRef & { storageKey: string; sizeBytes: number }, toId: string): Promise<SealedFile> {
  return storeSealedFile(store, { fileId: toId, source: await openSealedFile(store, file), maxBytes: file.sizeBytes });
}
