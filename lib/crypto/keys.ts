import 'server-only';
import { hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { getDb, type DbOrTx } from '@/db/client';
import { organisationKeys } from '@/db/schema';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors/app-error';
import { seal, unseal } from './aead';

/**
 * Every organisation's keys. A key provider makes and opens them:
 * - the master key (default): SEALPOST_MASTER_KEY, 32 bytes; each key is derived from it by
 *   HKDF-SHA256 with the organisation, the key's kind and its version, so nothing secret is stored;
 * - AWS KMS when KMS_KEY_ID is set: GenerateDataKey makes the key, the database keeps only its
 *   CiphertextBlob, Decrypt opens it (bound to the organisation, kind and version by the
 *   encryption context).
 * An organisation has versioned key-encryption keys (`kek`: they wrap each message's data key,
 * lib/crypto/envelope.ts; `npm run keys -- rotate` adds a version) and one root (`root`) from
 * which purpose keys are derived (`organisationKey(orgId, 'search')`). Opened keys are kept in
 * memory for ten minutes.
 */

export const KEY_BYTES = 32;

export type KeyKind = 'kek' | 'root';
/** What a key is for: an organisation's key (`owner` its id), or an upload's (`owner` the attachment's id, or `server`). */
export type KeyContext = { owner: string; kind: KeyKind | 'upload'; version: number };
export type ProviderName = 'master' | 'kms';

export interface KeyProvider {
  readonly name: ProviderName;
  /** A new key for the context, and what to store to open it again (null: it is derived again). */
  createKey(context: KeyContext): Promise<{ key: Buffer; wrapped: Buffer | null; kmsKeyId: string | null }>;
  /** The key stored (or derived) for the context. */
  openKey(context: KeyContext, wrapped: Buffer | null): Promise<Buffer>;
}

/** What keys are derived for: a key for one purpose says nothing about another's. */
export type KeyPurpose = 'search' | 'attachment-names';

const KEK_SALT = Buffer.from('sealpost organisation keys v1');
const PURPOSE_SALT = Buffer.from('sealpost purpose keys v1');

function contextInfo(context: KeyContext): string {
  return `${context.kind}:${context.owner}:v${context.version}`;
}

export function masterKeyProvider(masterKey: Buffer): KeyProvider {
  if (masterKey.length !== KEY_BYTES) throw new Error('The master key must be 32 bytes.');
  const derive = (context: KeyContext) => Buffer.from(hkdfSync('sha256', masterKey, KEK_SALT, contextInfo(context), KEY_BYTES));
  return {
    name: 'master',
    async createKey(context) {
      return { key: derive(context), wrapped: null, kmsKeyId: null };
    },
    async openKey(context) {
      return derive(context);
    },
  };
}

export type KmsOptions = {
  keyId: string;
  region: string;
  endpoint?: string;
  /** Tests pass the stand-in's; otherwise the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
};

/** AWS KMS (@aws-sdk/client-kms, loaded on first use). */
export function kmsKeyProvider(options: KmsOptions): KeyProvider {
  type Kms = typeof import('@aws-sdk/client-kms');
  let loaded: Promise<{ sdk: Kms; client: InstanceType<Kms['KMSClient']> }> | undefined;
  const client = () =>
    (loaded ??= import('@aws-sdk/client-kms').then((sdk) => ({
      sdk,
      client: new sdk.KMSClient({ region: options.region, endpoint: options.endpoint, credentials: options.credentials, maxAttempts: 3 }),
    })));
  const encryptionContext = (context: KeyContext) => ({ owner: context.owner, kind: context.kind, version: String(context.version) });
  return {
    name: 'kms',
    async createKey(context) {
      const { sdk, client: kms } = await client();
      const out = await kms.send(new sdk.GenerateDataKeyCommand({ KeyId: options.keyId, KeySpec: 'AES_256', EncryptionContext: encryptionContext(context) }));
      if (!out.Plaintext || !out.CiphertextBlob || out.Plaintext.length !== KEY_BYTES) throw new AppError('unavailable', 'AWS KMS did not return a data key.');
      return { key: Buffer.from(out.Plaintext), wrapped: Buffer.from(out.CiphertextBlob), kmsKeyId: out.KeyId ?? options.keyId };
    },
    async openKey(context, wrapped) {
      if (!wrapped) throw new AppError('unavailable', 'This key was made by AWS KMS but its encrypted copy is missing.');
      const { sdk, client: kms } = await client();
      const out = await kms.send(new sdk.DecryptCommand({ CiphertextBlob: wrapped, KeyId: options.keyId, EncryptionContext: encryptionContext(context) }));
      if (!out.Plaintext || out.Plaintext.length !== KEY_BYTES) throw new AppError('unavailable', 'AWS KMS did not decrypt the key.');
      return Buffer.from(out.Plaintext);
    },
  };
}

/** Lets tests use their own providers (a KMS stand-in, a second master key). */
let override: { master?: KeyProvider | null; kms?: KeyProvider | null } = {};
export function setKeyProvidersForTests(providers: { master?: KeyProvider | null; kms?: KeyProvider | null }) {
  override = providers;
  clearKeyCache();
}

let configured: { master: KeyProvider | null; kms: KeyProvider | null; masterSource: string | undefined; kmsSource: string | undefined } | undefined;

function providers() {
  const e = env();
  const kmsSource = e.KMS_KEY_ID ? `${e.KMS_KEY_ID}|${e.KMS_REGION ?? e.S3_REGION}|${e.KMS_ENDPOINT ?? ''}` : undefined;
  if (!configured || configured.masterSource !== e.SEALPOST_MASTER_KEY || configured.kmsSource !== kmsSource) {
    configured = {
      masterSource: e.SEALPOST_MASTER_KEY,
      kmsSource,
      master: e.SEALPOST_MASTER_KEY ? masterKeyProvider(Buffer.from(e.SEALPOST_MASTER_KEY, 'base64')) : null,
      kms: e.KMS_KEY_ID ? kmsKeyProvider({ keyId: e.KMS_KEY_ID, region: e.KMS_REGION ?? e.S3_REGION, endpoint: e.KMS_ENDPOINT }) : null,
    };
  }
  return {
    master: override.master !== undefined ? override.master : configured.master,
    kms: override.kms !== undefined ? override.kms : configured.kms,
  };
}

/** The provider new keys come from: KMS when configured, else the master key. */
export function activeProvider(): KeyProvider {
  const { master, kms } = providers();
  const provider = kms ?? master;
  if (!provider) throw new AppError('unavailable', 'The server has no SEALPOST_MASTER_KEY (or KMS_KEY_ID), so it cannot encrypt or read secure messages.');
  return provider;
}

function providerFor(name: ProviderName): KeyProvider {
  const provider = providers()[name];
  if (!provider) {
    throw new AppError('unavailable', name === 'kms' ? 'These keys were made by AWS KMS, but KMS_KEY_ID is not set.' : 'These keys were derived from SEALPOST_MASTER_KEY, which is not set.');
  }
  return provider;
}

// ---------------------------------------------------------------------------------------------
// The cache of opened keys: by organisation, kind and version; the current version of each
// organisation's key-encryption key for a short while (rotation in another process is seen
// within CURRENT_TTL_MS; a data key wrapped meanwhile under the old version stays readable, and
// the next rotation rewraps it).

const OPENED_TTL_MS = 10 * 60_000;
const CURRENT_TTL_MS = 30_000;
const MAX_CACHED = 20_000;
const opened = new Map<string, { key: Buffer; until: number }>();
const current = new Map<string, { version: number; until: number }>();

export function clearKeyCache() {
  opened.clear();
  current.clear();
}

function remember(cacheKey: string, key: Buffer) {
  if (opened.size >= MAX_CACHED) opened.delete(opened.keys().next().value as string);
  opened.set(cacheKey, { key, until: Date.now() + OPENED_TTL_MS });
}

type KeyRow = typeof organisationKeys.$inferSelect;

async function openRow(row: Pick<KeyRow, 'orgId' | 'kind' | 'version' | 'provider' | 'wrappedKey'>): Promise<Buffer> {
  const cacheKey = `${row.orgId}:${row.kind}:${row.version}`;
  const hit = opened.get(cacheKey);
  if (hit && hit.until > Date.now()) return hit.key;
  const key = await providerFor(row.provider).openKey({ owner: row.orgId, kind: row.kind, version: row.version }, row.wrappedKey);
  remember(cacheKey, key);
  return key;
}

/** Makes version `version` of a key with the active provider; false when another process made it first. */
export async function createKeyVersion(db: DbOrTx, context: { orgId: string; kind: KeyKind; version: number }): Promise<boolean> {
  const provider = activeProvider();
  const made = await provider.createKey({ owner: context.orgId, kind: context.kind, version: context.version });
  const inserted = await db
    .insert(organisationKeys)
    .values({ orgId: context.orgId, kind: context.kind, version: context.version, provider: provider.name, wrappedKey: made.wrapped, kmsKeyId: made.kmsKeyId })
    .onConflictDoNothing()
    .returning({ version: organisationKeys.version });
  if (inserted.length > 0) remember(`${context.orgId}:${context.kind}:${context.version}`, made.key);
  return inserted.length > 0;
}

async function latestRow(db: DbOrTx, orgId: string, kind: KeyKind) {
  const [row] = await db
    .select()
    .from(organisationKeys)
    .where(and(eq(organisationKeys.orgId, orgId), eq(organisationKeys.kind, kind), isNull(organisationKeys.retiredAt)))
    .orderBy(desc(organisationKeys.version))
    .limit(1);
  return row;
}

/** The organisation's newest key of a kind, made (version 1) on first use. */
async function latestKey(db: DbOrTx, orgId: string, kind: KeyKind): Promise<{ version: number; key: Buffer }> {
  let row = await latestRow(db, orgId, kind);
  if (!row) {
    await createKeyVersion(db, { orgId, kind, version: 1 });
    row = await latestRow(db, orgId, kind);
    if (!row) throw new AppError('unavailable', 'The organisation has no usable key.');
  }
  return { version: row.version, key: await openRow(row) };
}

/** The key-encryption key new data keys are wrapped with: the organisation's current version. */
export async function currentKek(orgId: string, db: DbOrTx = getDb()): Promise<{ version: number; key: Buffer }> {
  const known = current.get(orgId);
  if (known && known.until > Date.now()) {
    const hit = opened.get(`${orgId}:kek:${known.version}`);
    if (hit && hit.until > Date.now()) return { version: known.version, key: hit.key };
  }
  const latest = await latestKey(db, orgId, 'kek');
  current.set(orgId, { version: latest.version, until: Date.now() + CURRENT_TTL_MS });
  return latest;
}

/** A given version of the organisation's key-encryption key (retired ones included: data keys rewrapped late still open). */
export async function kekVersion(orgId: string, version: number, db: DbOrTx = getDb()): Promise<Buffer> {
  const hit = opened.get(`${orgId}:kek:${version}`);
  if (hit && hit.until > Date.now()) return hit.key;
  const [row] = await db
    .select()
    .from(organisationKeys)
    .where(and(eq(organisationKeys.orgId, orgId), eq(organisationKeys.kind, 'kek'), eq(organisationKeys.version, version)));
  if (!row) throw new AppError('unavailable', 'The key this message was encrypted with does not exist.');
  return openRow(row);
}

/**
 * A key for one purpose (the keyed search index's HMACs, …), derived by HKDF from the
 * organisation's root key: stable across rotations of the key-encryption keys, different for
 * every organisation and purpose.
 */
export async function organisationKey(orgId: string, purpose: KeyPurpose, db: DbOrTx = getDb()): Promise<Buffer> {
  const cacheKey = `${orgId}:purpose:${purpose}`;
  const hit = opened.get(cacheKey);
  if (hit && hit.until > Date.now()) return hit.key;
  const root = await latestKey(db, orgId, 'root');
  const key = Buffer.from(hkdfSync('sha256', root.key, PURPOSE_SALT, `${purpose}:${orgId}`, KEY_BYTES));
  remember(cacheKey, key);
  return key;
}

// ---------------------------------------------------------------------------------------------
// Upload keys. A file is sealed as it is uploaded, before anyone knows which organisation's
// message it will belong to: its own random key is wrapped meanwhile by the server's upload key
// (master key: derived from it; KMS: the file key is a KMS data key and its CiphertextBlob is
// kept), then, when the message is sent, by the message's data key (lib/messaging/content.ts).

export type UploadWrap = 'upload' | 'upload-kms';

function uploadAad(attachmentId: string): Buffer {
  return Buffer.from(`sealpost/upload/v1/${attachmentId}`);
}

async function serverUploadKey(): Promise<Buffer> {
  const hit = opened.get('server:upload:1');
  if (hit && hit.until > Date.now()) return hit.key;
  const key = await providerFor('master').openKey({ owner: 'server', kind: 'upload', version: 1 }, null);
  remember('server:upload:1', key);
  return key;
}

/** A fresh key for a file being uploaded, and how it is kept until the message is sent. */
export async function newUploadKey(attachmentId: string): Promise<{ key: Buffer; wrapped: Buffer; wrap: UploadWrap }> {
  const provider = activeProvider();
  if (provider.name === 'kms') {
    const made = await provider.createKey({ owner: attachmentId, kind: 'upload', version: 1 });
    if (!made.wrapped) throw new AppError('unavailable', 'AWS KMS did not return a data key.');
    return { key: made.key, wrapped: made.wrapped, wrap: 'upload-kms' };
  }
  const key = randomBytes(KEY_BYTES);
  return { key, wrapped: seal(await serverUploadKey(), key, uploadAad(attachmentId)), wrap: 'upload' };
}

export async function openUploadKey(attachmentId: string, wrapped: Buffer, wrap: UploadWrap): Promise<Buffer> {
  if (wrap === 'upload-kms') return providerFor('kms').openKey({ owner: attachmentId, kind: 'upload', version: 1 }, wrapped);
  return unseal(await serverUploadKey(), wrapped, uploadAad(attachmentId), 'file key');
}

/**
 * Demo mode: the master key generated once into the data directory (like AUTH_SECRET), read back
 * on every start. The caller (scripts/start.ts, scripts/keys.ts) hands it to the app as
 * SEALPOST_MASTER_KEY.
 */
export function demoMasterKey(dataDir: string): string {
  const file = path.join(dataDir, 'master-key');
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, randomBytes(KEY_BYTES).toString('base64'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return fs.readFileSync(file, 'utf8').trim();
}
