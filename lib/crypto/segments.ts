import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { sealOnThread, type SealThreadFile } from './seal-worker';
import { SEGMENT_BYTES } from './segment-size';

/**
 * Files (attachments) encrypted as a stream of fixed-size authenticated segments, so a 50 MB file
 * is sealed and opened with a few segments in memory at most (sealing: about 8 MiB a file, three
 * segments on the sealing thread, three sealed ones waiting their turn, one being gathered;
 * opening: two). The layout:
 *
 *   header: magic ‖ nonce prefix (8 random bytes)
 *   segment i: AES-256-GCM(key, nonce = prefix ‖ i as uint32, plaintext of the format's segment
 *              size (the last one 0..size), AAD = header ‖ file id ‖ i ‖ final flag) ‖ tag (16)
 *
 * The magic names the segment size: "SPS1" 64 KiB (files sealed before December 2026, still
 * read), "SPS2" 1 MiB (every file sealed now): a sixteenth of the per-segment work (a cipher set
 * up, a tag, nonce and associated data built) for a 50 MB upload or download
 * (`npm run bench -- attachment`), memory still flat (two segments).
 *
 * The index in the nonce and the AAD refuses reordered or repeated segments; the final flag refuses
 * a file cut at a segment boundary (its new last segment was sealed as not final) and one with
 * segments added after the end; the file id refuses a file copied under another attachment.
 *
 * A file of more than one segment is sealed, and its plain bytes hashed, on a thread of its own
 * (seal-worker.ts), up to IN_FLIGHT segments at a time while the event loop reads the next ones.
 * A file of one segment (a 20 KB message from the gateway) is sealed in place, where the trip to
 * the thread would cost more than the cipher. Opening stays on the event loop: a download has
 * nothing to overlap it with.
 */

export { SEGMENT_BYTES };
const MAGIC = Buffer.from('SPS2');
/** Segment sizes by magic: what `openSegments` reads. */
const FORMATS = new Map([
  ['SPS1', 64 * 1024],
  ['SPS2', SEGMENT_BYTES],
]);
const PREFIX_BYTES = 8;
/** Segments on the sealing thread at once: memory stays at a few segments whatever the file's size. */
const IN_FLIGHT = 3;
const HEADER_BYTES = MAGIC.length + PREFIX_BYTES;
const TAG_BYTES = 16;

/** A sealed file that does not open: changed, truncated, reordered, or not this file's. */
export class BrokenFileError extends Error {
  constructor(reason: string) {
    super(`The stored file does not decrypt (${reason}): it was changed, cut short, or is not this attachment's.`);
    this.name = 'BrokenFileError';
  }
}

/** The stored size of a file of `plainBytes`. */
export function sealedSize(plainBytes: number): number {
  // Every segment full but the final one, which may be short or (for an empty file) empty.
  const segments = Math.max(1, Math.ceil(plainBytes / SEGMENT_BYTES));
  return HEADER_BYTES + plainBytes + segments * TAG_BYTES;
}

function nonce(prefix: Buffer, index: number): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, PREFIX_BYTES);
  return n;
}

function aad(header: Buffer, fileId: string, index: number, final: boolean): Buffer {
  const tail = Buffer.alloc(5);
  tail.writeUInt32BE(index, 0);
  tail[4] = final ? 1 : 0;
  return Buffer.concat([header, Buffer.from(fileId, 'utf8'), tail]);
}

/** The segment's ciphertext and its tag, as two buffers (no copy to join them). */
function sealSegment(key: Buffer, header: Buffer, fileId: string, index: number, final: boolean, plain: Buffer[]): Buffer[] {
  const cipher = createCipheriv('aes-256-gcm', key, nonce(header.subarray(MAGIC.length), index));
  cipher.setAAD(aad(header, fileId, index, final));
  const out = plain.map((part) => cipher.update(part));
  cipher.final();
  out.push(cipher.getAuthTag());
  return out;
}

/**
 * Opens one segment given as parts (ciphertext then tag, in any split), with Node's cipher on the
 * event loop: nothing of it is released before its tag is checked.
 */
function openSegment(key: Buffer, header: Buffer, fileId: string, index: number, final: boolean, parts: Buffer[]): Buffer[] {
  const total = parts.reduce((n, p) => n + p.length, 0);
  if (total < TAG_BYTES) throw new BrokenFileError('a segment is cut short');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce(header.subarray(MAGIC.length), index));
    decipher.setAAD(aad(header, fileId, index, final));
    const out: Buffer[] = [];
    const tag: Buffer[] = [];
    let left = total - TAG_BYTES;
    for (const part of parts) {
      const body = part.subarray(0, Math.min(part.length, left));
      if (body.length > 0) out.push(decipher.update(body));
      if (body.length < part.length) tag.push(part.subarray(body.length));
      left -= body.length;
    }
    decipher.setAuthTag(tag.length === 1 ? tag[0] : Buffer.concat(tag));
    decipher.final();
    return out;
  } catch {
    throw new BrokenFileError(final ? 'the last segment does not authenticate' : `segment ${index} does not authenticate`);
  }
}

/**
 * Segments in the order they were handed to the sealing thread, at most IN_FLIGHT of them at once.
 * A failure is kept until its turn, never an unhandled rejection meanwhile.
 */
class InOrder {
  private queue: Promise<Buffer[]>[] = [];

  add(work: Promise<Buffer[]>): void {
    work.catch(() => undefined);
    this.queue.push(work);
  }

  get full(): boolean {
    return this.queue.length >= IN_FLIGHT;
  }

  /** The oldest segment, once sealed. */
  async *next(): AsyncGenerator<Buffer> {
    const first = this.queue.shift();
    if (first) yield* await first;
  }

  get size(): number {
    return this.queue.length;
  }
}

/** Collects chunks until a segment's worth is there; hands out views of them, never copies. */
class Pending {
  private chunks: Buffer[] = [];
  length = 0;

  push(chunk: Uint8Array) {
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.length += chunk.byteLength;
  }

  /** The first `size` bytes, as views of the chunks they are in. */
  take(size: number): Buffer[] {
    const out: Buffer[] = [];
    let left = size;
    while (left > 0) {
      const first = this.chunks[0];
      if (first.length <= left) {
        out.push(first);
        this.chunks.shift();
        left -= first.length;
      } else {
        out.push(first.subarray(0, left));
        this.chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.length -= size;
    return out;
  }
}

export type SealWatch = {
  /** Sees every plaintext chunk as it passes (to count it; throwing stops the stream). */
  onPlain?: (chunk: Uint8Array) => void;
  /** Given the plain file's SHA-256 (hex) once the last segment is sealed. */
  onDigest?: (sha256: string) => void;
};

/** Seals a stream of plaintext chunks. */
export async function* sealSegments(source: AsyncIterable<Uint8Array>, key: Buffer, fileId: string, watch: SealWatch = {}): AsyncGenerator<Buffer> {
  const header = Buffer.concat([MAGIC, randomBytes(PREFIX_BYTES)]);
  yield header;
  const pending = new Pending();
  let index = 0;
  // The sealing thread, from the file's second segment on; hashes and seals every segment.
  let thread: SealThreadFile | null = null;
  const sealed = new InOrder();
  let digest: string | undefined;
  const onThread = (segment: number, final: boolean, parts: Buffer[]) => {
    if (segment > 0xffffffff) throw new RangeError('The file is too large to seal.');
    thread ??= sealOnThread(key, watch.onDigest !== undefined);
    sealed.add(
      thread.segment(segment, final, nonce(header.subarray(MAGIC.length), segment), aad(header, fileId, segment, final), parts).then((done) => {
        if (done.digest !== undefined) digest = done.digest;
        return done.sealed;
      }),
    );
  };
  try {
    for await (const chunk of source) {
      watch.onPlain?.(chunk);
      pending.push(chunk);
      // Strictly more than a segment: the last full segment may be the final one.
      while (pending.length > SEGMENT_BYTES) {
        onThread(index++, false, pending.take(SEGMENT_BYTES));
        if (sealed.full) yield* sealed.next();
      }
    }
    const last = pending.take(pending.length);
    if (thread) {
      onThread(index, true, last);
      while (sealed.size > 0) yield* sealed.next();
      if (watch.onDigest) {
        if (digest === undefined) throw new Error('The sealing thread gave no SHA-256 for the file.');
        watch.onDigest(digest);
      }
      return;
    }
    // One segment: sealed and hashed in place.
    yield* sealSegment(key, header, fileId, index, true, last);
    if (watch.onDigest) {
      const hash = createHash('sha256');
      for (const part of last) hash.update(part);
      watch.onDigest(hash.digest('hex'));
    }
  } finally {
    (thread as SealThreadFile | null)?.end();
  }
}

/** Opens a sealed stream; throws BrokenFileError at the first segment that does not authenticate, or when the file ends early. */
export async function* openSegments(source: AsyncIterable<Uint8Array>, key: Buffer, fileId: string): AsyncGenerator<Buffer> {
  const pending = new Pending();
  let header: Buffer | null = null;
  let index = 0;
  let sealedSegment = 0;
  for await (const chunk of source) {
    pending.push(chunk);
    if (!header) {
      if (pending.length < HEADER_BYTES) continue;
      header = Buffer.concat(pending.take(HEADER_BYTES));
      const size = FORMATS.get(header.subarray(0, MAGIC.length).toString('latin1'));
      if (!size) throw new BrokenFileError('not a sealed file');
      sealedSegment = size + TAG_BYTES;
    }
    while (pending.length > sealedSegment) yield* openSegment(key, header, fileId, index++, false, pending.take(sealedSegment));
  }
  if (!header) throw new BrokenFileError('the file is cut short');
  for (const part of openSegment(key, header, fileId, index, true, pending.take(pending.length))) if (part.length > 0) yield part;
}
