import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentsRoot, BlobNotFoundError, InvalidStorageKeyError, isStorageKey, localBlobStore, newStorageKey, TooLargeError } from './storage';
import { resetEnvCache } from '@/lib/env';

let dataDir = '';
let root = '';
const previousDataDir = process.env.SEALPOST_DATA_DIR;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'sealpost-storage-'));
  process.env.SEALPOST_DATA_DIR = dataDir;
  resetEnvCache();
  root = attachmentsRoot();
});

afterAll(async () => {
  if (previousDataDir === undefined) delete process.env.SEALPOST_DATA_DIR;
  else process.env.SEALPOST_DATA_DIR = previousDataDir;
  resetEnvCache();
  await rm(dataDir, { recursive: true, force: true });
});

/** Every file under `dir`, temporary ones included, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `count` chunks of `size` bytes, counting how many the consumer actually pulled. */
function countingSource(count: number, size: number) {
  const pulled = { chunks: 0 };
  async function* generate() {
    for (let i = 0; i < count; i++) {
      pulled.chunks++;
      yield Buffer.alloc(size, i % 256);
    }
  }
  return { stream: Readable.from(generate()), pulled };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

describe('storage keys', () => {
  it('are 32 random hex characters in a two-level fan-out', () => {
    const keys = Array.from({ length: 200 }, () => newStorageKey());
    for (const key of keys) {
      expect(key).toMatch(/^([0-9a-f]{2})\/([0-9a-f]{2})\/\1\2[0-9a-f]{28}$/);
      expect(isStorageKey(key)).toBe(true);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('anything but the exact shape is refused', () => {
    const hex = '0123456789abcdef0123456789abcdef';
    const refused = [
      '',
      hex,
      `ab/cd/${hex}`, // the fan-out does not match the name
      `AB/CD/${hex.toUpperCase()}`,
      `ab/cd/${hex.slice(0, 31)}`,
      `ab/cd/${hex}0`,
      `ab/cd/${hex}\n`,
      `ab\\cd\\${hex}`,
      `/ab/cd/${hex}`,
      `../../etc/passwd`,
      `ab/../../${hex}`,
      `ab/cd/../${hex}`,
      `ab/cd/${hex}/..`,
      `ab/cd/${hex}\0`,
      `ab%2fcd%2f${hex}`,
      'ab/cd/abcd..........................',
    ];
    for (const key of refused) expect(isStorageKey(key), JSON.stringify(key)).toBe(false);
    expect(isStorageKey(`01/23/${hex}`)).toBe(true);
    expect(isStorageKey(null)).toBe(false);
  });

  it('the root is SEALPOST_DATA_DIR/attachments', () => {
    expect(root).toBe(path.join(dataDir, 'attachments'));
  });
});

describe('local blob store', () => {
  it('stores a Readable and a web stream, hashing and counting, 0700 directories and 0600 files', async () => {
    const store = localBlobStore(root);
    const bytes = randomBytes(300_000);

    const key = newStorageKey();
    const fromNode = await store.put(key, Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), { maxBytes: bytes.length });
    expect(fromNode).toEqual({ size: bytes.length, sha256: sha256(bytes) });
    expect(sha256(await readAll(await store.get(key)))).toBe(sha256(bytes));

    const webKey = newStorageKey();
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 5));
        controller.enqueue(bytes.subarray(5));
        controller.close();
      },
    });
    expect(await store.put(webKey, web, { maxBytes: bytes.length + 10 })).toEqual({ size: bytes.length, sha256: sha256(bytes) });
    expect(Buffer.compare(await readAll(await store.get(webKey)), bytes)).toBe(0);

    expect((await stat(root)).mode & 0o777).toBe(0o700);
    const file = path.join(root, ...key.split('/'));
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file)).toEqual(bytes);
  });

  it('a file of exactly maxBytes passes; an empty stream stores an empty blob', async () => {
    const store = localBlobStore(root);
    const key = newStorageKey();
    expect((await store.put(key, Readable.from([Buffer.alloc(1024)]), { maxBytes: 1024 })).size).toBe(1024);
    const empty = newStorageKey();
    expect(await store.put(empty, Readable.from([]), { maxBytes: 10 })).toEqual({ size: 0, sha256: sha256(new Uint8Array(0)) });
  });

  it('refuses keys it did not make, before touching the disk', async () => {
    const store = localBlobStore(root);
    const before = await filesUnder(dataDir);
    for (const key of ['../../outside', '../attachments-evil/x', `/tmp/${'a'.repeat(32)}`, 'ab/cd/abcd']) {
      await expect(store.put(key, Readable.from([Buffer.from('x')]), { maxBytes: 10 })).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(store.get(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
    }
    expect(await filesUnder(dataDir)).toEqual(before);
    expect(existsSync(path.join(dataDir, 'outside'))).toBe(false);
  });

  it('stops as soon as the count passes maxBytes: TooLargeError, nothing kept, the rest never read', async () => {
    const store = localBlobStore(root);
    const before = await filesUnder(root);
    const { stream, pulled } = countingSource(1000, 64 * 1024);
    const key = newStorageKey();
    const error = await store.put(key, stream, { maxBytes: 10 * 64 * 1024 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooLargeError);
    expect(error).toMatchObject({ maxBytes: 10 * 64 * 1024, receivedBytes: 11 * 64 * 1024 });
    // One chunk past the limit is how the store learns it; Readable.from reads at most a little ahead.
    expect(pulled.chunks).toBeLessThan(30);
    expect(await filesUnder(root)).toEqual(before);
    await expect(store.get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('a source that fails midway leaves no temporary file', async () => {
    const store = localBlobStore(root);
    const before = await filesUnder(root);
    async function* failing() {
      yield Buffer.alloc(100_000);
      throw new Error('client went away');
    }
    await expect(store.put(newStorageKey(), Readable.from(failing()), { maxBytes: 1_000_000 })).rejects.toThrow('client went away');
    expect(await filesUnder(root)).toEqual(before);
  });

  it('the blob appears under its name only once complete', async () => {
    const store = localBlobStore(root);
    const key = newStorageKey();
    const file = path.join(root, ...key.split('/'));
    const seenWhileWriting: boolean[] = [];
    async function* slow() {
      for (let i = 0; i < 3; i++) {
        yield Buffer.alloc(10_000, i);
        await new Promise((resolve) => setTimeout(resolve, 5));
        seenWhileWriting.push(existsSync(file));
      }
    }
    await store.put(key, Readable.from(slow()), { maxBytes: 100_000 });
    expect(seenWhileWriting).toEqual([false, false, false]);
    expect(existsSync(file)).toBe(true);
  });

  it('get of a missing blob is BlobNotFoundError; delete is idempotent', async () => {
    const store = localBlobStore(root);
    const key = newStorageKey();
    await expect(store.get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
    await store.put(key, Readable.from([Buffer.from('hello')]), { maxBytes: 5 });
    await store.delete(key);
    await store.delete(key);
    await expect(store.get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
  });
});
