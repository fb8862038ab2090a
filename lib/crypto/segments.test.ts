import { createCipheriv, randomBytes } from 'node:crypto';
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

/** A file in the first format (SPS1, 64 KiB segments), sealed as the code of before December 2026 did. */
function sealLegacy(plain: Buffer, id = FILE): Buffer {
  const LEGACY = 64 * 1024;
  const header = Buffer.concat([Buffer.from('SPS1'), randomBytes(8)]);
  const out: Buffer[] = [header];
  const count = Math.max(1, Math.ceil(plain.length / LEGACY));
  for (let i = 0; i < count; i++) {
    const nonce = Buffer.alloc(12);
    header.copy(nonce, 0, 4);
    nonce.writeUInt32BE(i, 8);
    const tail = Buffer.alloc(5);
    tail.writeUInt32BE(i, 0);
    tail[4] = i === count - 1 ? 1 : 0;
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.concat([header, Buffer.from(id, 'utf8'), tail]));
    out.push(cipher.update(plain.subarray(i * LEGACY, (i + 1) * LEGACY)), cipher.final(), cipher.getAuthTag());
  }
  return Buffer.concat(out);
}

describe('files sealed in the first format (64 KiB segments)', () => {
  it('still open, whatever the chunking, and refuse a cut or a changed byte', async () => {
    for (const size of [0, 5, 64 * 1024, 64 * 1024 + 1, 3 * 64 * 1024 + 7, SEGMENT_BYTES + 3]) {
      const plain = randomBytes(size);
      const sealed = sealLegacy(plain);
      expect((await openAll(sealed, FILE, 7_777)).equals(plain)).toBe(true);
      expect((await openAll(sealed, FILE, 1_000_000)).equals(plain)).toBe(true);
    }
    const sealed = sealLegacy(randomBytes(3 * 64 * 1024 + 7));
    await expect(openAll(sealed.subarray(0, 12 + 2 * (64 * 1024 + 16)))).rejects.toThrow(BrokenFileError);
    const flipped = Buffer.from(sealed);
    flipped[100] ^= 1;
    await expect(openAll(flipped)).rejects.toThrow(BrokenFileError);
  });

  it('new files are sealed in the current format: 1 MiB segments', async () => {
    const sealed = await sealAll(randomBytes(SEGMENT_BYTES + 1));
    expect(sealed.subarray(0, 4).toString()).toBe('SPS2');
    expect(sealed.length).toBe(12 + SEGMENT_BYTES + 16 + 1 + 16);
  });
});
