import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { Readable } from 'node:stream';
import { filesOnSealThread, stopSealThread } from './seal-worker';
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

  it('a segment sealed on the sealing thread is the same AES-256-GCM as Node\'s own cipher: what Node\'s cipher opens', async () => {
    const plain = randomBytes(SEGMENT_BYTES + 300_000);
    const sealed = await sealAll(plain);
    const header = sealed.subarray(0, 12);
    const first = sealed.subarray(12, 12 + SEGMENT_BYTES + 16);
    const nonceOf = (i: number) => Buffer.concat([header.subarray(4), Buffer.from([0, 0, 0, i])]);
    const aadOf = (i: number, final: boolean) => Buffer.concat([header, Buffer.from(FILE), Buffer.from([0, 0, 0, i, final ? 1 : 0])]);
    const decipher = createDecipheriv('aes-256-gcm', key, nonceOf(0));
    decipher.setAAD(aadOf(0, false));
    decipher.setAuthTag(first.subarray(SEGMENT_BYTES));
    expect(Buffer.concat([decipher.update(first.subarray(0, SEGMENT_BYTES)), decipher.final()]).equals(plain.subarray(0, SEGMENT_BYTES))).toBe(true);
  });

  it('a file sealed with many segments in flight comes out whole and in order', async () => {
    const plain = randomBytes(9 * SEGMENT_BYTES + 12_345);
    expect((await openAll(await sealAll(plain), FILE, 256 * 1024)).equals(plain)).toBe(true);
    // A bad segment in the middle: the ones before it come out, nothing after it.
    const sealed = await sealAll(plain);
    sealed[12 + 5 * (SEGMENT_BYTES + 16) + 7] ^= 1;
    const got: Buffer[] = [];
    await expect(
      (async () => {
        for await (const part of openSegments(pieces(sealed, 256 * 1024), key, FILE)) got.push(part);
      })(),
    ).rejects.toThrow('segment 5 does not authenticate');
    expect(Buffer.concat(got).equals(plain.subarray(0, 5 * SEGMENT_BYTES))).toBe(true);
  });

  it('hands over the plain file\'s SHA-256, for a file sealed in place and one sealed on the thread', async () => {
    for (const size of [0, 20_000, SEGMENT_BYTES, SEGMENT_BYTES + 1, 4 * SEGMENT_BYTES + 3]) {
      const plain = randomBytes(size);
      let digest = '';
      let counted = 0;
      const sealed = await collect(sealSegments(pieces(plain, 64 * 1024), key, FILE, { onPlain: (c) => (counted += c.length), onDigest: (d) => (digest = d) }));
      expect(digest).toBe(createHash('sha256').update(plain).digest('hex'));
      expect(counted).toBe(size);
      expect((await openAll(sealed)).equals(plain)).toBe(true);
    }
  });

  it('a stream that fails part way stops the sealing, and the next file seals as usual', async () => {
    async function* failing() {
      yield randomBytes(3 * SEGMENT_BYTES);
      throw new Error('the client went away');
    }
    await expect(collect(sealSegments(failing(), key, FILE))).rejects.toThrow('the client went away');
    const plain = randomBytes(2 * SEGMENT_BYTES + 9);
    expect((await openAll(await sealAll(plain))).equals(plain)).toBe(true);
  });

  it('a sealing thread that dies fails the file being sealed, and the next file gets a new thread', async () => {
    let stopped = false;
    async function* slow() {
      for (let i = 0; i < 8; i++) {
        if (i === 3 && !stopped) {
          stopped = true;
          await stopSealThread();
        }
        yield randomBytes(SEGMENT_BYTES);
      }
    }
    await expect(collect(sealSegments(slow(), key, FILE))).rejects.toThrow(/sealing thread stopped/);
    const plain = randomBytes(3 * SEGMENT_BYTES + 5);
    expect((await openAll(await sealAll(plain))).equals(plain)).toBe(true);
  });

  it('a reader that stops early lets go of the file on the sealing thread', async () => {
    const stream = Readable.from(sealSegments(pieces(randomBytes(8 * SEGMENT_BYTES), 64 * 1024), key, FILE));
    let read = 0;
    for await (const chunk of stream) {
      read += (chunk as Buffer).length;
      if (read > 2 * SEGMENT_BYTES) break;
    }
    await vi.waitFor(() => expect(filesOnSealThread()).toBe(0), { timeout: 2_000 });
  });

  it('files sealed at the same time stay apart', async () => {
    const plains = [randomBytes(3 * SEGMENT_BYTES + 1), randomBytes(2 * SEGMENT_BYTES + 7), randomBytes(5 * SEGMENT_BYTES)];
    const ids = ['0b6f1f0e-6a57-4c43-9d1c-000000000001', '0b6f1f0e-6a57-4c43-9d1c-000000000002', '0b6f1f0e-6a57-4c43-9d1c-000000000003'];
    const sealed = await Promise.all(plains.map((p, i) => sealAll(p, ids[i])));
    for (const [i, p] of plains.entries()) expect((await openAll(sealed[i], ids[i])).equals(p)).toBe(true);
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
