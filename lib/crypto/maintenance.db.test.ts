import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { attachments, auditEvents, organisationKeys, portalUsers, secureMessages } from '@/db/schema';
import { contentColumns } from '@/lib/messaging/content';
import { localBlobStore, newStorageKey } from '@/lib/storage/storage';
import { createTestOrg } from '@/tests/factories';
import { openMessageContent, openDataKey, unwrapFileKey } from './envelope';
import { clearKeyCache, currentKek } from './keys';
import { migratePlainContent, rotateKeys } from './maintenance';
import { openSegments } from './segments';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-keys-'));
const store = localBlobStore(root);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function sender() {
  const [row] = await getDb().insert(portalUsers).values({ email: `s-${randomUUID()}@example.test`, status: 'active' }).returning({ id: portalUsers.id });
  return row.id;
}

async function readAll(stream: AsyncIterable<Buffer>) {
  const out: Buffer[] = [];
  for await (const c of stream) out.push(c);
  return Buffer.concat(out);
}

async function load(id: string) {
  const [row] = await getDb().select(contentColumns).from(secureMessages).where(eq(secureMessages.id, id));
  return row;
}

describe('migration of plain rows and files', () => {
  it('seals plain messages and files in batches (a recalled one loses its content), resumably, and reads them back', async () => {
    const org = await createTestOrg();
    const senderId = await sender();
    const plain = await getDb()
      .insert(secureMessages)
      .values(
        Array.from({ length: 7 }, (_, i) => ({
          orgId: org.orgId,
          senderId,
          direction: 'outbound' as const,
          subject: `Old subject ${i}`,
          bodyHtml: `<p>Old body ${i}</p>`,
          bodyText: `Old body ${i}`,
          sentAt: new Date(),
          status: i === 6 ? ('recalled' as const) : ('sent' as const),
        })),
      )
      .returning({ id: secureMessages.id });
    const bytes = Buffer.from('OLD-FILE-CANARY '.repeat(10_000));
    const storageKey = newStorageKey();
    await store.put(storageKey, Readable.from([bytes]), { maxBytes: bytes.length });
    const [file] = await getDb()
      .insert(attachments)
      .values({ messageId: plain[0].id, uploadedBy: senderId, fileName: 'old.txt', contentType: 'text/plain', sizeBytes: bytes.length, sha256: 'x', storageKey })
      .returning({ id: attachments.id });

    const lines: string[] = [];
    const first = await migratePlainContent({ batch: 3, store, progress: (l) => lines.push(l) });
    expect(first.messages).toBeGreaterThanOrEqual(7);
    expect(first.files).toBeGreaterThanOrEqual(1);
    expect(lines.some((l) => /messages: \d+ of \d+/.test(l))).toBe(true);
    // Nothing left: a second run does nothing.
    expect(await migratePlainContent({ store })).toEqual({ messages: 0, files: 0, gatewayMessages: 0 });

    for (let i = 0; i < 6; i++) {
      const row = await load(plain[i].id);
      expect(row).toMatchObject({ subject: null, bodyHtml: null, bodyText: null });
      expect(await openMessageContent(row)).toEqual({ subject: `Old subject ${i}`, bodyHtml: `<p>Old body ${i}</p>`, bodyText: `Old body ${i}` });
    }
    expect(await load(plain[6].id)).toMatchObject({ subject: null, dataKey: null, contentDestroyedReason: 'recalled' });

    const [sealedFile] = await getDb().select().from(attachments).where(eq(attachments.id, file.id));
    expect(sealedFile).toMatchObject({ sealed: true, fileKeyWrap: 'message' });
    expect(sealedFile.storageKey).not.toBe(storageKey);
    expect(fs.existsSync(path.join(root, ...storageKey.split('/')))).toBe(false);
    const onDisk = fs.readFileSync(path.join(root, ...sealedFile.storageKey.split('/')));
    expect(onDisk.includes(Buffer.from('OLD-FILE-CANARY'))).toBe(false);
    const row = await load(plain[0].id);
    const dataKey = await openDataKey(row);
    if (!dataKey || !sealedFile.fileKey) throw new Error('no key');
    const fileKey = unwrapFileKey(dataKey, sealedFile.fileKey, row, file.id);
    expect((await readAll(openSegments(await store.get(sealedFile.storageKey), fileKey, file.id))).equals(bytes)).toBe(true);
  });
});

describe('rotation', () => {
  it('rewraps every data key under a new version without touching the content, retires the old version, audits, and resumes', async () => {
    const org = await createTestOrg();
    const senderId = await sender();
    const { sealWithKek } = await import('./envelope');
    const kek = await currentKek(org.orgId);
    const rows = Array.from({ length: 2500 }, (_, i) => {
      const id = randomUUID();
      return { id, orgId: org.orgId, senderId, direction: 'outbound' as const, sentAt: new Date(), ...sealWithKek(kek, { id, orgId: org.orgId }, { subject: `S${i}`, bodyHtml: `<p>B${i}</p>`, bodyText: `B${i}` }) };
    });
    for (let i = 0; i < rows.length; i += 500) await getDb().insert(secureMessages).values(rows.slice(i, i + 500));
    const before = await getDb().select({ id: secureMessages.id, subjectSealed: secureMessages.subjectSealed }).from(secureMessages).where(eq(secureMessages.orgId, org.orgId));

    const result = await rotateKeys({ orgId: org.orgId, batch: 1000 });
    expect(result).toMatchObject({ organisations: 1, rewrapped: 2500, retired: 1 });
    clearKeyCache();
    expect((await currentKek(org.orgId)).version).toBe(2);
    const after = await getDb().select(contentColumns).from(secureMessages).where(eq(secureMessages.orgId, org.orgId));
    expect(new Set(after.map((r) => r.keyVersion))).toEqual(new Set([2]));
    // The content is not touched: the sealed subjects are byte for byte the same.
    const sealedBefore = new Map(before.map((r) => [r.id, r.subjectSealed?.toString('hex')]));
    expect(after.every((r) => r.subjectSealed?.toString('hex') === sealedBefore.get(r.id))).toBe(true);
    const sample = after.find((r) => r.id === rows[1234].id);
    if (!sample) throw new Error('missing');
    expect(await openMessageContent(sample)).toMatchObject({ subject: 'S1234' });
    const versions = await getDb().select().from(organisationKeys).where(eq(organisationKeys.orgId, org.orgId));
    expect(versions.filter((v) => v.kind === 'kek').map((v) => [v.version, v.retiredAt !== null])).toEqual(expect.arrayContaining([[1, true], [2, false]]));
    const events = await getDb().select({ action: auditEvents.action }).from(auditEvents).where(inArray(auditEvents.action, ['keys.rotated', 'keys.retired']));
    expect(events.length).toBeGreaterThanOrEqual(2);

    // Interrupted rotation: a row still under version 2 while version 3 exists is picked up by the next run, no new version made.
    await rotateKeys({ orgId: org.orgId });
    const [straggler] = await getDb().select(contentColumns).from(secureMessages).where(eq(secureMessages.id, rows[0].id));
    const { wrapDataKey, unwrapDataKey } = await import('./envelope');
    const { kekVersion } = await import('./keys');
    const key = unwrapDataKey(await kekVersion(org.orgId, 3), straggler.dataKey ?? Buffer.alloc(0), straggler, 3);
    await getDb().update(secureMessages).set({ dataKey: wrapDataKey(await kekVersion(org.orgId, 2), key, straggler, 2), keyVersion: 2 }).where(eq(secureMessages.id, straggler.id));
    const resumed = await rotateKeys({ orgId: org.orgId });
    expect(resumed.rewrapped).toBe(1);
    const [again] = await getDb().select(contentColumns).from(secureMessages).where(eq(secureMessages.id, rows[0].id));
    expect(again.keyVersion).toBe(3);
    expect(await openMessageContent(again)).toMatchObject({ subject: 'S0' });
  });
});
