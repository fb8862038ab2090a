import 'server-only';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { and, asc, eq, gt, isNotNull, isNull, max, ne, sql } from 'drizzle-orm';
import { getDb, type Db } from '@/db/client';
import { attachments, gatewayMessages, organisationKeys, secureMessages } from '@/db/schema';
import { plural } from '@/lib/format';
import { recordAuditEvent } from '@/lib/audit/record';
import { destroyMessageContent } from '@/lib/messaging/destroy-content';
import { chunksOf } from '@/lib/storage/chunks';
import { BlobNotFoundError, blobStore, newStorageKey, type BlobStore } from '@/lib/storage/storage';
import { KEY_BYTES, clearKeyCache, createKeyVersion, currentKek, kekVersion, newUploadKey } from './keys';
import { openDataKey, sealWithKek, unwrapDataKey, wrapDataKey, wrapFileKey } from './envelope';
import { errorFields, log } from '@/lib/log';
import { sealedSize, sealSegments } from './segments';
import { sealGatewaySubject } from '@/lib/mailflow/raw-copy';

/**
 * Key maintenance, run by `npm run keys -- migrate | rotate` (scripts/keys.ts), and `migrate` also
 * in the background at every start: both work in batches, each its own transaction, so the app
 * goes on serving, and an interrupted run is resumed by running it again.
 */

export type Progress = (line: string) => void;

// ---------------------------------------------------------------------------------------------
// Migration: rows and files stored before encryption at rest.

/** Plain messages, files and gateway messages (raw copy and Subject) left to seal. */
export async function plainCounts(db: Db = getDb()): Promise<{ messages: number; files: number; gatewayMessages: number }> {
  const [m] = await db.select({ n: sql<number>`count(*)::int` }).from(secureMessages).where(isNotNull(secureMessages.subject));
  const [f] = await db.select({ n: sql<number>`count(*)::int` }).from(attachments).where(eq(attachments.sealed, false));
  const [g] = await db.select({ n: sql<number>`count(*)::int` }).from(gatewayMessages).where(and(isNull(gatewayMessages.fileKey), isNull(gatewayMessages.contentDestroyedAt)));
  return { messages: m?.n ?? 0, files: f?.n ?? 0, gatewayMessages: g?.n ?? 0 };
}

export type MigrationResult = { messages: number; files: number; gatewayMessages: number };

/** A gateway message nothing reads the raw copy of any more: processed (or failed), no recipient waiting for SMTP. */
const gatewayWorkOver = sql`${gatewayMessages.status} <> 'received' and not exists (
  select 1 from gateway_recipients r
  where r.gateway_message_id = ${gatewayMessages.id} and r.status in ('pending', 'queued_for_delivery', 'deferred'))`;

/**
 * Seals every plain message (a recalled one loses its content instead), a batch at a time, then
 * every plain file: read from the store, written sealed under a new storage key, the row switched
 * over in one transaction, the plain file removed after commit. Then the gateway's plain raw
 * copies and Subjects (messages accepted before encryption at rest), once their work is over
 * (processed, nothing waiting for SMTP delivery): the copy is removed (nothing reads it any more:
 * lib/mailflow/raw-copy.ts) and the Subject sealed under a key of its own; a copy a job is reading
 * is never taken from under it: the ones still in flight are done by a later run (every ten
 * minutes, and at start).
 */
export async function migratePlainContent(options: { batch?: number; progress?: Progress; store?: BlobStore } = {}): Promise<MigrationResult> {
  const db = getDb();
  const batch = options.batch ?? 500;
  const progress = options.progress ?? (() => {});
  const store = options.store ?? blobStore();
  const left = await plainCounts(db);
  if (left.messages + left.files + left.gatewayMessages === 0) return { messages: 0, files: 0, gatewayMessages: 0 };
  if (left.messages + left.files > 0) progress(`Encrypting ${left.messages} stored messages and ${left.files} files …`);
  const perOrg = new Map<string, MigrationResult>();
  const count = (orgId: string, kind: keyof MigrationResult) => {
    const c = perOrg.get(orgId) ?? { messages: 0, files: 0, gatewayMessages: 0 };
    c[kind] += 1;
    perOrg.set(orgId, c);
  };

  let messages = 0;
  for (;;) {
    const done = await db.transaction(async (tx) => {
      const rows = await tx
        .select({ id: secureMessages.id, orgId: secureMessages.orgId, status: secureMessages.status, subject: secureMessages.subject, bodyHtml: secureMessages.bodyHtml, bodyText: secureMessages.bodyText })
        .from(secureMessages)
        .where(isNotNull(secureMessages.subject))
        .orderBy(asc(secureMessages.id))
        .limit(batch)
        .for('no key update', { skipLocked: true });
      for (const row of rows) {
        if (row.status === 'recalled') {
          // Recalled before its content could be destroyed: it is now.
          await destroyMessageContent(tx, row.id, 'recalled', new Date());
        } else {
          const kek = await currentKek(row.orgId, tx);
          const sealed = sealWithKek(kek, row, { subject: row.subject ?? '', bodyHtml: row.bodyHtml ?? '', bodyText: row.bodyText ?? '' });
          await tx
            .update(secureMessages)
            .set({ ...sealed, subject: null, bodyHtml: null, bodyText: null })
            .where(eq(secureMessages.id, row.id));
        }
        count(row.orgId, 'messages');
      }
      return rows.length;
    });
    messages += done;
    if (done > 0) progress(`  messages: ${messages} of ${left.messages}`);
    if (done < batch) break;
  }

  let files = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const [file] = await db
      .select({ id: attachments.id })
      .from(attachments)
      .where(and(eq(attachments.sealed, false), gt(attachments.id, after)))
      .orderBy(asc(attachments.id))
      .limit(1);
    if (!file) break;
    after = file.id;
    // One file that cannot be sealed (its message's key version is gone) must not stop the rest.
    const sealed = await sealPlainFile(file.id, store).catch((error: unknown) => {
      log('keys').warn({ attachmentId: file.id, ...errorFields(error, false) }, 'a stored file could not be encrypted; skipped');
      return null;
    });
    if (sealed) {
      files += 1;
      count(sealed.orgId ?? '', 'files');
      if (files % 20 === 0 || files === left.files) progress(`  files: ${files} of ${left.files}`);
    }
  }

  let relayed = 0;
  if (left.gatewayMessages > 0) {
    after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const [row] = await db
        .select({ id: gatewayMessages.id })
        .from(gatewayMessages)
        .where(and(isNull(gatewayMessages.fileKey), isNull(gatewayMessages.contentDestroyedAt), gt(gatewayMessages.id, after), gatewayWorkOver))
        .orderBy(asc(gatewayMessages.id))
        .limit(1);
      if (!row) break;
      after = row.id;
      const sealed = await sealPlainGatewayCopy(row.id, store).catch((error: unknown) => {
        log('keys').warn({ gatewayMessageId: row.id, ...errorFields(error, false) }, 'a gateway message\'s stored copy could not be encrypted; skipped');
        return null;
      });
      if (sealed) {
        relayed += 1;
        count(sealed.orgId, 'gatewayMessages');
        if (relayed === 1) progress(`Encrypting the stored copies and subjects of up to ${left.gatewayMessages} gateway messages …`);
        if (relayed % 20 === 0) progress(`  gateway messages: ${relayed}`);
      }
    }
  }

  for (const [orgId, c] of perOrg) {
    if (!orgId) continue;
    await recordAuditEvent(db, {
      orgId,
      actor: { type: 'system' },
      action: 'keys.migrated',
      summary: `Encrypted ${[plural(c.messages, 'stored secure message'), plural(c.files, 'file'), plural(c.gatewayMessages, 'gateway message')].filter((part) => !part.startsWith('0 ')).join(', ') || 'nothing'} (written before encryption at rest)`,
      metadata: c,
    });
  }
  if (messages + files + relayed > 0) progress(`Encrypted ${messages} messages, ${files} files and ${relayed} gateway messages.`);
  return { messages, files, gatewayMessages: relayed };
}

/**
 * Seals one gateway message's plain Subject under a key of its own (kept wrapped by the upload key,
 * as a raw copy's) and removes its plain raw copy, whose work is over (removed already when its last
 * delivery was recorded by this release). Null when another process got to it first or its work
 * is not over after all.
 */
async function sealPlainGatewayCopy(id: string, store: BlobStore): Promise<{ orgId: string } | null> {
  const db = getDb();
  const result = await db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: gatewayMessages.id, orgId: gatewayMessages.orgId, storageKey: gatewayMessages.storageKey, subject: gatewayMessages.subject, rawCopyRemovedAt: gatewayMessages.rawCopyRemovedAt })
      .from(gatewayMessages)
      .where(and(eq(gatewayMessages.id, id), isNull(gatewayMessages.fileKey), isNull(gatewayMessages.contentDestroyedAt), gatewayWorkOver))
      .for('update', { skipLocked: true });
    if (!row) return null;
    const made = await newUploadKey(row.id);
    await tx
      .update(gatewayMessages)
      .set({
        fileKey: made.wrapped,
        fileKeyWrap: made.wrap,
        subject: null,
        subjectSealed: sealGatewaySubject(made.key, row, row.subject ?? ''),
        rawCopyRemovedAt: row.rawCopyRemovedAt ?? new Date(),
      })
      .where(eq(gatewayMessages.id, row.id));
    return { orgId: row.orgId, oldKey: row.rawCopyRemovedAt ? null : row.storageKey };
  });
  if (!result) return null;
  if (result.oldKey) await store.delete(result.oldKey);
  return { orgId: result.orgId };
}

/** Seals one plain file; null when another process got to it first, or its row is gone. */
async function sealPlainFile(id: string, store: BlobStore): Promise<{ orgId: string | null } | null> {
  const db = getDb();
  const newKey = newStorageKey();
  const result = await db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: attachments.id, storageKey: attachments.storageKey, sizeBytes: attachments.sizeBytes, messageId: attachments.messageId })
      .from(attachments)
      .where(and(eq(attachments.id, id), eq(attachments.sealed, false)))
      .for('update', { skipLocked: true });
    if (!row) return null;
    const [message] = row.messageId
      ? await tx
          .select({ id: secureMessages.id, orgId: secureMessages.orgId, dataKey: secureMessages.dataKey, keyVersion: secureMessages.keyVersion, destroyed: secureMessages.contentDestroyedAt })
          .from(secureMessages)
          .where(eq(secureMessages.id, row.messageId))
      : [];
    const dataKey = message ? await openDataKey(message, tx) : null;
    if (message && !dataKey) {
      // Its message's content is destroyed (or not sealed yet: then the next run seals the file).
      if (!message.destroyed) return null;
      await tx.update(attachments).set({ sealed: true, fileKey: null, fileKeyWrap: null }).where(eq(attachments.id, row.id));
      return { orgId: message.orgId, oldKey: row.storageKey };
    }
    const upload = message ? null : await newUploadKey(row.id);
    const fileKey = upload ? upload.key : randomBytes(KEY_BYTES);
    let source: Readable;
    try {
      source = await store.get(row.storageKey);
    } catch (error) {
      if (!(error instanceof BlobNotFoundError)) throw error;
      return null;
    }
    let size = 0;
    const sealed = Readable.from(sealSegments(chunksOf(source), fileKey, row.id, { onPlain: (chunk) => (size += chunk.byteLength) }));
    try {
      await store.put(newKey, sealed, { maxBytes: sealedSize(row.sizeBytes), hash: false });
    } finally {
      // Ended whatever the store did, so the sealing thread lets go of the file (storeSealedFile does the same).
      sealed.destroy();
      source.destroy();
    }
    if (size !== row.sizeBytes) throw new Error(`Attachment ${row.id}: the stored file has ${size} bytes, its row says ${row.sizeBytes}.`);
    await tx
      .update(attachments)
      .set({
        storageKey: newKey,
        sealed: true,
        fileKey: message && dataKey ? wrapFileKey(dataKey, fileKey, message, row.id) : upload?.wrapped,
        fileKeyWrap: message ? 'message' : upload?.wrap,
      })
      .where(eq(attachments.id, row.id));
    return { orgId: message?.orgId ?? null, oldKey: row.storageKey };
  }).catch(async (error: unknown) => {
    await store.delete(newKey).catch(() => undefined);
    throw error;
  });
  if (!result) {
    await store.delete(newKey).catch(() => undefined);
    return null;
  }
  await store.delete(result.oldKey);
  return { orgId: result.orgId };
}

// ---------------------------------------------------------------------------------------------
// Rotation.

export type RotationResult = { organisations: number; rewrapped: number; retired: number; seconds: number };

/**
 * For each organisation: a new version of its key-encryption key (or, when a rotation was
 * interrupted, the newest one again), every data key under an older version rewrapped under it in
 * batches (keyset by id; the content is not touched), then every older version no data key uses
 * any more retired. Audit events for each rotation and retirement.
 */
export async function rotateKeys(options: { batch?: number; progress?: Progress; orgId?: string } = {}): Promise<RotationResult> {
  const db = getDb();
  const batch = options.batch ?? 5000;
  const progress = options.progress ?? (() => {});
  const started = performance.now();
  const orgs = await db
    .select({ orgId: organisationKeys.orgId, latest: max(organisationKeys.version) })
    .from(organisationKeys)
    .where(and(eq(organisationKeys.kind, 'kek'), options.orgId ? eq(organisationKeys.orgId, options.orgId) : undefined))
    .groupBy(organisationKeys.orgId);
  let rewrapped = 0;
  let retired = 0;
  for (const org of orgs) {
    const latest = org.latest ?? 1;
    const [behind] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(secureMessages)
      .where(and(eq(secureMessages.orgId, org.orgId), isNotNull(secureMessages.dataKey), ne(secureMessages.keyVersion, latest)));
    let target = latest;
    if ((behind?.n ?? 0) === 0) {
      target = latest + 1;
      await createKeyVersion(db, { orgId: org.orgId, kind: 'kek', version: target });
    } else {
      progress(`Organisation ${org.orgId}: resuming the rotation to version ${target} (${behind?.n} data keys left).`);
    }
    clearKeyCache();
    const to = { version: target, key: await kekVersion(org.orgId, target) };
    let count = 0;
    // Twice: a message written meanwhile by a process that still had the old version cached is caught by the second pass.
    for (let pass = 0; pass < 2; pass++) {
      let after = '00000000-0000-0000-0000-000000000000';
      for (;;) {
        const rows = await db
          .select({ id: secureMessages.id, dataKey: secureMessages.dataKey, keyVersion: secureMessages.keyVersion })
          .from(secureMessages)
          .where(and(eq(secureMessages.orgId, org.orgId), isNotNull(secureMessages.dataKey), ne(secureMessages.keyVersion, target), gt(secureMessages.id, after)))
          .orderBy(asc(secureMessages.id))
          .limit(batch);
        if (rows.length === 0) break;
        after = rows[rows.length - 1].id;
        const ids: string[] = [];
        const keys: string[] = [];
        const versions: number[] = [];
        for (const row of rows) {
          if (!row.dataKey || row.keyVersion === null) continue;
          const ref = { id: row.id, orgId: org.orgId };
          const from = await kekVersion(org.orgId, row.keyVersion);
          ids.push(row.id);
          keys.push(wrapDataKey(to.key, unwrapDataKey(from, row.dataKey, ref, row.keyVersion), ref, target).toString('hex'));
          versions.push(row.keyVersion);
        }
        // Only where the row still has the key read: one destroyed (recall) or rotated meanwhile is left as it is.
        const updated = await db.execute(sql`
          update secure_messages m set data_key = v.k, key_version = ${target}
          from (select unnest(${`{${ids.join(',')}}`}::uuid[]) as id, decode(unnest(${`{${keys.join(',')}}`}::text[]), 'hex') as k, unnest(${`{${versions.join(',')}}`}::int[]) as old) v
          where m.id = v.id and m.key_version = v.old and m.data_key is not null`);
        count += updated.count ?? ids.length;
        progress(`  ${org.orgId}: ${count} data keys rewrapped under version ${target}`);
      }
    }
    rewrapped += count;
    await recordAuditEvent(db, {
      orgId: org.orgId,
      actor: { type: 'system' },
      action: 'keys.rotated',
      summary: `Rotated the key-encryption key to version ${target}: ${count} message keys rewrapped`,
      metadata: { version: target, rewrapped: count },
    });
    const retiredNow = await db.execute<{ version: number }>(sql`
      update organisation_keys k set retired_at = now()
      where k.org_id = ${org.orgId} and k.kind = 'kek' and k.version < ${target} and k.retired_at is null
        and not exists (select 1 from secure_messages m where m.org_id = k.org_id and m.key_version = k.version and m.data_key is not null)
      returning k.version`);
    for (const row of retiredNow) {
      retired += 1;
      await recordAuditEvent(db, {
        orgId: org.orgId,
        actor: { type: 'system' },
        action: 'keys.retired',
        summary: `Retired version ${row.version} of the key-encryption key: no message key uses it any more`,
        metadata: { version: row.version },
      });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  progress(`Rotated ${orgs.length} organisations: ${rewrapped} data keys rewrapped (${Math.round(rewrapped / Math.max(seconds, 0.001))} per second), ${retired} old versions retired.`);
  return { organisations: orgs.length, rewrapped, retired, seconds };
}
