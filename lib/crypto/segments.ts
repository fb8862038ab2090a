import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Files (attachments) encrypted as a stream of fixed-size authenticated segments, so a 50 MB file
 * is sealed and opened with two segments in memory at most. The layout:
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
 */

/** The segment size of the files sealed now (format SPS2). */
export const SEGMENT_BYTES = 1024 * 1024;
const MAGIC = Buffer.from('SPS2');
/** Segment sizes by magic: what `openSegments` reads. */
const FORMATS = new Map([
  ['SPS1', 64 * 1024],
  ['SPS2', SEGMENT_BYTES],
]);
const PREFIX_BYTES = 8;
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
  if (index > 0xffffffff) throw new RangeError('The file is too large to seal.');
  const cipher = createCipheriv('aes-256-gcm', key, nonce(header.subarray(MAGIC.length), index));
  cipher.setAAD(aad(header, fileId, index, final));
  const out = plain.map((part) => cipher.update(part));
  cipher.final();
  out.push(cipher.getAuthTag());
  return out;
}

/**
 * Opens one segment given as parts (ciphertext then tag, in any split). Nothing of it is released
 * before its tag is checked.
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

/**
 * Seals a stream of plaintext chunks. `onPlain` sees every plaintext chunk as it passes (to count
 * and hash it; throwing stops the stream).
 */
export async function* sealSegments(source: AsyncIterable<Uint8Array>, key: Buffer, fileId: string, onPlain?: (chunk: Uint8Array) => void): AsyncGenerator<Buffer> {
  const header = Buffer.concat([MAGIC, randomBytes(PREFIX_BYTES)]);
  yield header;
  const pending = new Pending();
  let index = 0;
  for await (const chunk of source) {
    onPlain?.(chunk);
    pending.push(chunk);
    // Strictly more than a segment: the last full segment may be the final one.
    while (pending.length > SEGMENT_BYTES) yield* sealSegment(key, header, fileId, index++, false, pending.take(SEGMENT_BYTES));
  }
  yield* sealSegment(key, header, fileId, index, true, pending.take(pending.length));
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
