import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BrokenFileError, openSegments, SEGMENT_BYTES, sealedSize, sealSegments } from './segments';

const key = randomBytes(32);
const FILE = '0b6f1f0e-6a57-4c43-9d1c-8d7a8b8f5d11';

async function* pieces(bytes: Buffer, size = 10_000) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const chunk of source) out.push(chunk);
  return Buffer.concat(out);
}

const sealAll = (plain: Buffer, id = FILE) => collect(sealSegments(pieces(plain), key, id));
const openAll = (sealed: Buffer, id = FILE, size?: number) => collect(openSegments(pieces(sealed, size), key, id));

describe('segmented file encryption', () => {
  it('reads back every size intact, at the size it says, whatever the chunking', async () => {
    for (const size of [0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 3 * SEGMENT_BYTES + 5]) {
      const plain = randomBytes(size);
      const sealed = await sealAll(plain);
      expect(sealed.length).toBe(sealedSize(size));
      expect((await openAll(sealed, FILE, 7_777)).equals(plain)).toBe(true);
      expect((await openAll(sealed, FILE, 1_000_000)).equals(plain)).toBe(true);
    }
  });

  it('never stores the plaintext', async () => {
    const plain = Buffer.from('CANARY-'.repeat(30_000));
    const sealed = await sealAll(plain);
    expect(sealed.includes(Buffer.from('CANARY-'))).toBe(false);
  });

  it('refuses a changed byte, a file cut at a segment boundary or mid-segment, reordered segments, extra bytes, and another file id', async () => {
    const plain = randomBytes(3 * SEGMENT_BYTES + 100);
    const sealed = await sealAll(plain);
    const header = 12;
    const segment = SEGMENT_BYTES + 16;
    const flipped = Buffer.from(sealed);
    flipped[header + segment + 5] ^= 1;
    await expect(openAll(flipped)).rejects.toBeInstanceOf(BrokenFileError);
    // Cut after two whole segments: what is left authenticates segment by segment, but the last is not final.
    await expect(openAll(sealed.subarray(0, header + 2 * segment))).rejects.toThrow(BrokenFileError);
    await expect(openAll(sealed.subarray(0, sealed.length - 10))).rejects.toThrow(BrokenFileError);
    await expect(openAll(sealed.subarray(0, 5))).rejects.toThrow(BrokenFileError);
    const swapped = Buffer.concat([sealed.subarray(0, header), sealed.subarray(header + segment, header + 2 * segment), sealed.subarray(header, header + segment), sealed.subarray(header + 2 * segment)]);
    await expect(openAll(swapped)).rejects.toThrow(BrokenFileError);
    await expect(openAll(Buffer.concat([sealed, randomBytes(20)]))).rejects.toThrow(BrokenFileError);
    await expect(openAll(sealed, '5d0e2f51-0000-4c43-9d1c-8d7a8b8f5d11')).rejects.toThrow(BrokenFileError);
  });

  it('a truncated file yields nothing of its unauthenticated tail', async () => {
    const plain = randomBytes(2 * SEGMENT_BYTES + 10);
    const sealed = await sealAll(plain);
    const got: Buffer[] = [];
    await expect(
      (async () => {
        for await (const part of openSegments(pieces(sealed.subarray(0, sealed.length - 3)), key, FILE)) got.push(part);
      })(),
    ).rejects.toThrow(BrokenFileError);
    expect(Buffer.concat(got).equals(plain.subarray(0, 2 * SEGMENT_BYTES))).toBe(true);
  });
});
