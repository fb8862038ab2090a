import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv, resetEnvCache } from '@/lib/env';
import { s3BlobStore, s3ConfigFromEnv, type S3StoreConfig } from './s3-store';
import { BlobNotFoundError, blobStore, InvalidStorageKeyError, newStorageKey, TooLargeError } from './storage';

/** The part of s3rver (which ships no types) that the tests use. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

const BUCKET = 'sealpost-test';
const MB = 1024 * 1024;
let directory = '';
let server: S3rverInstance | null = null;
let config: S3StoreConfig = { bucket: BUCKET, region: 'us-east-1' };
let admin: S3Client | null = null;

beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'sealpost-s3-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  config = {
    bucket: BUCKET,
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    // s3rver's fixed credentials.
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
  };
  admin = new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
});

afterAll(async () => {
  admin?.destroy();
  await server?.close();
  await rm(directory, { recursive: true, force: true });
});

function adminClient(): S3Client {
  if (admin === null) throw new Error('s3rver did not start');
  return admin;
}

async function keysInBucket(): Promise<string[]> {
  const listed = await adminClient().send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '');
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `count` chunks of `size` pseudo-random bytes, hashed as generated, counting how many were pulled. */
function source(count: number, size: number) {
  const pulled = { chunks: 0 };
  const hash = createHash('sha256');
  const seed = randomBytes(size);
  async function* generate() {
    for (let i = 0; i < count; i++) {
      pulled.chunks++;
      const chunk = Buffer.from(seed);
      chunk.writeUInt32BE(i, 0);
      hash.update(chunk);
      yield chunk;
    }
  }
  return { stream: Readable.from(generate()), pulled, digest: () => hash.digest('hex') };
}

async function hashOf(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    const bytes = chunk as Uint8Array;
    size += bytes.byteLength;
    hash.update(bytes);
  }
  return { size, sha256: hash.digest('hex') };
}

describe('S3 blob store (against s3rver)', () => {
  it('streams a 20 MB blob up in parts and reads the same bytes back', async () => {
    const store = s3BlobStore(config);
    const key = newStorageKey();
    const { stream, digest } = source(320, 64 * 1024); // 20 MB: three 8 MB-or-less parts
    const stored = await store.put(key, stream, { maxBytes: 20 * MB });
    expect(stored).toEqual({ size: 20 * MB, sha256: digest() });
    expect(await hashOf(await store.get(key))).toEqual(stored);
    expect(await keysInBucket()).toContain(key);
    await store.delete(key);
  }, 60_000);

  it('stores small blobs, web streams and empty blobs with one PUT', async () => {
    const store = s3BlobStore(config);
    const bytes = randomBytes(300_000);
    const webKey = newStorageKey();
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 5));
        controller.enqueue(bytes.subarray(5));
        controller.close();
      },
    });
    expect(await store.put(webKey, web, { maxBytes: bytes.length })).toEqual({ size: bytes.length, sha256: sha256(bytes) });
    expect(await hashOf(await store.get(webKey))).toEqual({ size: bytes.length, sha256: sha256(bytes) });

    const emptyKey = newStorageKey();
    expect(await store.put(emptyKey, Readable.from([]), { maxBytes: 0 })).toEqual({ size: 0, sha256: sha256(new Uint8Array(0)) });
    expect(await hashOf(await store.get(emptyKey))).toEqual({ size: 0, sha256: sha256(new Uint8Array(0)) });
    await store.delete(webKey);
    await store.delete(emptyKey);
  });

  it('too large, past a multipart upload already begun: TooLargeError, the rest never read, no object', async () => {
    const store = s3BlobStore(config);
    const before = await keysInBucket();
    const key = newStorageKey();
    const { stream, pulled } = source(1000, 64 * 1024); // 62.5 MB offered
    const error = await store.put(key, stream, { maxBytes: 10 * MB }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooLargeError);
    expect(error).toMatchObject({ maxBytes: 10 * MB, receivedBytes: 10 * MB + 64 * 1024 });
    expect(pulled.chunks).toBeLessThan(200);
    expect(await keysInBucket()).toEqual(before);
    await expect(store.get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
  }, 60_000);

  it('too large within a single part: TooLargeError and no object', async () => {
    const store = s3BlobStore(config);
    const before = await keysInBucket();
    const key = newStorageKey();
    await expect(store.put(key, Readable.from([Buffer.alloc(1000), Buffer.alloc(1000)]), { maxBytes: 1500 })).rejects.toBeInstanceOf(TooLargeError);
    expect(await keysInBucket()).toEqual(before);
  });

  it('a source that fails midway keeps nothing and reports its own error', async () => {
    const store = s3BlobStore(config);
    const before = await keysInBucket();
    async function* failing() {
      yield Buffer.alloc(100_000);
      throw new Error('client went away');
    }
    await expect(store.put(newStorageKey(), Readable.from(failing()), { maxBytes: 1_000_000 })).rejects.toThrow('client went away');
    expect(await keysInBucket()).toEqual(before);
  });

  it('refuses keys it did not make, before calling S3', async () => {
    const store = s3BlobStore(config);
    const before = await keysInBucket();
    for (const key of ['../../outside', 'ab/cd/abcd', `/tmp/${'a'.repeat(32)}`, '']) {
      await expect(store.put(key, Readable.from([Buffer.from('x')]), { maxBytes: 10 })).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(store.get(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
    }
    expect(await keysInBucket()).toEqual(before);
  });

  it('get of a missing key is BlobNotFoundError; delete removes and is idempotent', async () => {
    const store = s3BlobStore(config);
    const key = newStorageKey();
    await expect(store.get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
    await store.put(key, Readable.from([Buffer.from('hello')]), { maxBytes: 5 });
    expect(await keysInBucket()).toContain(key);
    await store.delete(key);
    await store.delete(key);
    expect(await keysInBucket()).not.toContain(key);
    await expect(store.get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
  });
});

describe('blobStore() configuration', () => {
  const names = ['S3_BUCKET', 'S3_REGION', 'S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_FORCE_PATH_STYLE'] as const;
  const saved = new Map(names.map((name) => [name, process.env[name]]));

  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetEnvCache();
  });

  it('reads the S3_* variables; no S3_BUCKET means the local store', () => {
    expect(s3ConfigFromEnv(parseEnv({}))).toBeNull();
    expect(s3ConfigFromEnv(parseEnv({ S3_BUCKET: '  ' }))).toBeNull();
    expect(s3ConfigFromEnv(parseEnv({ S3_BUCKET: 'b' }))).toEqual({
      bucket: 'b',
      region: 'us-east-1',
      endpoint: undefined,
      accessKeyId: undefined,
      secretAccessKey: undefined,
      forcePathStyle: false,
    });
    expect(
      s3ConfigFromEnv(parseEnv({ S3_BUCKET: 'b', S3_REGION: 'eu-west-3', S3_ENDPOINT: 'http://minio:9000', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's', S3_FORCE_PATH_STYLE: '1' })),
    ).toEqual({ bucket: 'b', region: 'eu-west-3', endpoint: 'http://minio:9000', accessKeyId: 'k', secretAccessKey: 's', forcePathStyle: true });
    expect(() => parseEnv({ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k' })).toThrow(/S3_SECRET_ACCESS_KEY must be set together/);
  });

  it('returns the S3 store when S3_BUCKET is set', async () => {
    process.env.S3_BUCKET = BUCKET;
    process.env.S3_REGION = config.region;
    process.env.S3_ENDPOINT = config.endpoint;
    process.env.S3_ACCESS_KEY_ID = 'S3RVER';
    process.env.S3_SECRET_ACCESS_KEY = 'S3RVER';
    process.env.S3_FORCE_PATH_STYLE = '1';
    resetEnvCache();
    const store = blobStore();
    expect(blobStore()).toBe(store); // one client per configuration, not per call
    const key = newStorageKey();
    await store.put(key, Readable.from([Buffer.from('via env')]), { maxBytes: 100 });
    const object = await adminClient().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(await object.Body?.transformToString()).toBe('via env');
    await store.delete(key);

    delete process.env.S3_BUCKET;
    resetEnvCache();
    expect(blobStore()).not.toBe(store);
  });
});
