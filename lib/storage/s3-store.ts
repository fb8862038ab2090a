import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BlobNotFoundError, InvalidStorageKeyError, isStorageKey, TooLargeError, type BlobStore } from './storage';
import { chunksOf } from './chunks';
import { env, type Env } from '@/lib/env';

/** An S3-compatible bucket (AWS S3, MinIO, R2, …). */
export interface S3StoreConfig {
  bucket: string;
  region: string;
  /** For S3-compatible services and tests; AWS S3 itself needs none. */
  endpoint?: string;
  /** Both or neither: without them the SDK's default chain (instance role, AWS_* variables…) applies. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `host/bucket/key` rather than `bucket.host/key`: MinIO and most local fakes need it. */
  forcePathStyle?: boolean;
}

/** Each multipart part is buffered whole, so memory per upload is about (queueSize + 1) × partSize. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

type S3Settings = Pick<Env, 'S3_BUCKET' | 'S3_REGION' | 'S3_ENDPOINT' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'S3_FORCE_PATH_STYLE'>;

/**
 * The S3 configuration (lib/env.ts checks it, e.g. that both or neither of the keys are set), or
 * null when S3_BUCKET is unset and the local store applies.
 */
export function s3ConfigFromEnv(settings: S3Settings = env()): S3StoreConfig | null {
  if (!settings.S3_BUCKET) return null;
  return {
    bucket: settings.S3_BUCKET,
    region: settings.S3_REGION,
    endpoint: settings.S3_ENDPOINT,
    accessKeyId: settings.S3_ACCESS_KEY_ID,
    secretAccessKey: settings.S3_SECRET_ACCESS_KEY,
    forcePathStyle: settings.S3_FORCE_PATH_STYLE,
  };
}

let cached: { signature: string; store: BlobStore } | null = null;

/** One store (and so one client and connection pool) per configuration, not one per request. */
export function cachedS3BlobStore(config: S3StoreConfig): BlobStore {
  const signature = JSON.stringify(config);
  if (cached?.signature !== signature) cached = { signature, store: s3BlobStore(config) };
  return cached.store;
}


function isNotFound(e: unknown): boolean {
  if (e instanceof S3ServiceException) return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata.httpStatusCode === 404;
  return e instanceof Error && e.name === 'NoSuchKey';
}

function checkedKey(key: string): string {
  if (!isStorageKey(key)) throw new InvalidStorageKeyError();
  return key;
}

export function s3BlobStore(config: S3StoreConfig): BlobStore {
  const { bucket } = config;
  const client = new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle ?? false,
    credentials:
      config.accessKeyId !== undefined && config.secretAccessKey !== undefined
        ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
        : undefined,
    // S3-compatible services often reject the newer default checksum headers; AWS itself does not need them over TLS.
    ...(config.endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  });

  async function deleteObject(key: string): Promise<void> {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  return {
    async put(rawKey, stream, options) {
      const key = checkedKey(rawKey);
      const { maxBytes } = options;
      if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError('maxBytes must be a non-negative integer.');

      const hash = options.hash === false ? null : createHash('sha256');
      let size = 0;
      // A holder, not a `let`: it is set inside the Transform, where TypeScript's narrowing cannot see.
      const failure: { tooLarge: TooLargeError | null } = { tooLarge: null };
      // Counts and hashes on the way to the upload; the first byte past maxBytes errors it, which
      // stops the source being read and makes the Upload fail (and abort its multipart upload).
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          size += chunk.byteLength;
          if (size > maxBytes) {
            failure.tooLarge = new TooLargeError(maxBytes, size);
            callback(failure.tooLarge);
            return;
          }
          hash?.update(chunk);
          callback(null, chunk);
        },
      });

      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: meter, ContentType: 'application/octet-stream' },
        queueSize: QUEUE_SIZE,
        partSize: PART_SIZE,
        leavePartsOnError: false,
      });
      const uploading = upload.done();
      // An upload that fails (network, permissions) stops reading: release the feeder too.
      uploading.catch((e: unknown) => meter.destroy(e instanceof Error ? e : new Error(String(e))));
      // Destroying the Readable.from wrapper only returns chunksOf, which leaves the caller's stream alone.
      const feeding = pipeline(Readable.from(chunksOf(stream), { objectMode: false }), meter);

      const [fed, uploaded] = await Promise.allSettled([feeding, uploading]);
      if (fed.status === 'fulfilled' && uploaded.status === 'fulfilled' && failure.tooLarge === null) {
        return { size, sha256: hash ? hash.digest('hex') : '' };
      }
      if (uploaded.status === 'fulfilled') {
        // Should not happen (the upload cannot finish before its body does), but nothing that
        // failed may be kept.
        await deleteObject(key).catch(() => undefined);
      }
      // The Upload has already aborted its multipart upload (a failure to do so is left to the
      // bucket's lifecycle rule); the caller learns why the put failed, not why cleanup did.
      if (failure.tooLarge !== null) throw failure.tooLarge;
      throw uploaded.status === 'rejected' ? uploaded.reason : fed.status === 'rejected' ? fed.reason : new Error('Upload failed.');
    },

    async get(rawKey) {
      const key = checkedKey(rawKey);
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const body = response.Body;
        if (!(body instanceof Readable)) throw new Error('The S3 response body is not a Node stream.');
        return body;
      } catch (e) {
        if (isNotFound(e)) throw new BlobNotFoundError(key);
        throw e;
      }
    },

    async delete(rawKey) {
      // S3 answers 204 for a key that is already gone.
      await deleteObject(checkedKey(rawKey));
    },
  };
}
