import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { cachedS3BlobStore, s3ConfigFromEnv } from './s3-store';
import { chunksOf } from './chunks';
import { env } from '@/lib/env';

/**
 * Where uploaded files live. Bytes in, bytes out: the store knows nothing about users, messages
 * or file names — the database row says who may read a blob, the store only keeps it.
 */
export interface BlobStore {
  /**
   * Streams `stream` into `key`, hashing and counting as it goes. Throws TooLargeError (and keeps
   * nothing) as soon as more than `maxBytes` arrive; the blob appears under `key` only complete.
   * `hash: false` skips the SHA-256 (`sha256` is then ''): a sealed file's writer hashes the plain
   * bytes itself, and a second hash of the ciphertext was a tenth of a 50 MB upload's time.
   */
  put(key: string, stream: Readable | ReadableStream<Uint8Array>, options: PutOptions): Promise<{ size: number; sha256: string }>;
  /** The blob's bytes; BlobNotFoundError when there is none under `key`. */
  get(key: string): Promise<Readable>;
  /** Removes the blob; nothing happens when it is already gone. */
  delete(key: string): Promise<void>;
}

export type PutOptions = { maxBytes: number; hash?: boolean };

/** More bytes arrived than the caller allowed; nothing was kept. */
export class TooLargeError extends Error {
  readonly maxBytes: number;
  /** How many bytes had arrived when the store gave up: at least `maxBytes + 1`, not the full size. */
  readonly receivedBytes: number;

  constructor(maxBytes: number, receivedBytes: number) {
    super(`The stream passed ${maxBytes} bytes.`);
    this.name = 'TooLargeError';
    this.maxBytes = maxBytes;
    this.receivedBytes = receivedBytes;
  }
}

/** A key that the server did not generate (or a tampered one): refused before touching the disk. */
export class InvalidStorageKeyError extends Error {
  constructor() {
    super('Invalid storage key.');
    this.name = 'InvalidStorageKeyError';
  }
}

export class BlobNotFoundError extends Error {
  constructor(key: string) {
    super(`No blob under ${key}.`);
    this.name = 'BlobNotFoundError';
  }
}

/**
 * `ab/cd/abcd…`: 32 random hex characters, fanned out in two levels so no directory holds more
 * than a few thousand files even with millions of attachments.
 */
const KEY_SHAPE = /^([0-9a-f]{2})\/([0-9a-f]{2})\/\1\2[0-9a-f]{28}$/;

export function newStorageKey(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}`;
}

export function isStorageKey(key: unknown): key is string {
  return typeof key === 'string' && KEY_SHAPE.test(key);
}

/**
 * Every path the store touches goes through here. Only the exact server-made shape passes, so
 * `..`, absolute paths, backslashes, NUL bytes and encoded tricks never reach the file system.
 */
function pathFor(root: string, key: string): string {
  if (!isStorageKey(key)) throw new InvalidStorageKeyError();
  return path.join(root, ...key.split('/'));
}

/** SEALPOST_DATA_DIR/attachments (.data/attachments under the working directory by default). */
export function attachmentsRoot(): string {
  return path.resolve(env().SEALPOST_DATA_DIR, 'attachments');
}

/** The store the app uses: the S3 bucket when S3_BUCKET is set, else the local disk. */
export function blobStore(): BlobStore {
  const s3 = s3ConfigFromEnv();
  return s3 ? cachedS3BlobStore(s3) : localBlobStore(attachmentsRoot());
}


async function removeIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** How much a local store reads at a time (a sealed file's segments are 1 MiB and 16 bytes, 64 KiB in files sealed before December 2026). */
const READ_CHUNK_BYTES = 256 * 1024;
/** How much a local store gathers before it writes. */
const WRITE_BATCH_BYTES = 256 * 1024;

/**
 * Blobs as files under `root` (created 0700: attachments are readable by the app's user only).
 * An upload goes to a temporary file in the blob's own directory — the same file system, so the
 * final rename is atomic and a reader never sees half a file.
 */
export function localBlobStore(root: string = attachmentsRoot()): BlobStore {
  // turbopackIgnore: the root is a setting read at run time, not a folder of the project to bundle.
  const absoluteRoot = path.resolve(/*turbopackIgnore: true*/ root);
  return localStores.get(absoluteRoot) ?? remember(absoluteRoot, makeLocalBlobStore(absoluteRoot));
}

/** One store per root in a process, so the directories it made are remembered across calls (blobStore() is called per job). */
const localStores = new Map<string, BlobStore>();
function remember(root: string, store: BlobStore): BlobStore {
  localStores.set(root, store);
  return store;
}

function makeLocalBlobStore(absoluteRoot: string): BlobStore {
  /**
   * Directories this store has made or found: a put into one of them skips the mkdir (a system
   * call each, and 256 × 256 of them at most). Only a hint: when one was removed meanwhile (by
   * hand, or a test wiping the root), opening the temporary file fails with ENOENT and the put
   * makes the directory again and retries once.
   */
  const madeDirs = new Set<string>();

  return {
    async put(key, stream, options) {
      const target = pathFor(absoluteRoot, key);
      if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 0) throw new RangeError('maxBytes must be a non-negative integer.');
      const dir = path.dirname(target);
      // Dot-prefixed and never the key shape, so a leftover from a crash cannot be served as a blob.
      const temp = path.join(dir, `.upload-${randomBytes(8).toString('hex')}.tmp`);
      const makeDir = async () => {
        // The mode applies to every directory created on the way, the root included.
        await mkdir(dir, { recursive: true, mode: 0o700 });
        madeDirs.add(dir);
      };
      if (!madeDirs.has(dir)) await makeDir();
      let file: FileHandle;
      try {
        file = await open(temp, 'wx', 0o600);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        madeDirs.delete(dir);
        await makeDir();
        file = await open(temp, 'wx', 0o600);
      }
      const hash = options.hash === false ? null : createHash('sha256');
      let size = 0;
      let closed = false;
      // Chunks are written together once WRITE_BATCH_BYTES are there (one writev, one trip to the
      // thread pool instead of one per chunk: a sealed file comes as a segment and its 16-byte tag).
      let batch: Uint8Array[] = [];
      let batched = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        await file.writev(batch);
        batch = [];
        batched = 0;
      };
      try {
        for await (const chunk of chunksOf(stream)) {
          size += chunk.byteLength;
          // Checked before writing, so a file that is too large never has more than maxBytes on disk.
          if (size > options.maxBytes) throw new TooLargeError(options.maxBytes, size);
          hash?.update(chunk);
          batch.push(chunk);
          batched += chunk.byteLength;
          // Awaiting each write is the back-pressure: the next chunk is pulled only once the batch
          // is on its way to disk, so memory holds one batch, whatever the file's size.
          if (batched >= WRITE_BATCH_BYTES) await flush();
        }
        await flush();
        // Data on disk before the name appears, so a crash never leaves a complete-looking blob with missing bytes.
        await file.datasync();
        await file.close();
        closed = true;
        await rename(temp, target);
        return { size, sha256: hash ? hash.digest('hex') : '' };
      } catch (e) {
        if (!closed) await file.close().catch(() => undefined);
        await removeIfPresent(temp);
        throw e;
      }
    },

    async get(key) {
      const file = pathFor(absoluteRoot, key);
      try {
        // Opened here, not lazily by the stream, so a missing blob is an error now rather than a
        // broken response body after the headers are sent.
        const handle = await open(file, 'r');
        return handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(key);
        throw e;
      }
    },

    async delete(key) {
      await removeIfPresent(pathFor(absoluteRoot, key));
    },
  };
}
