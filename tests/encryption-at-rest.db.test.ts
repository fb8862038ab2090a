import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { attachments, auditEvents, portalUsers, secureMessages } from '@/db/schema';
import { SealBrokenError } from '@/lib/crypto/envelope';
import { databaseUrl, resetEnvCache } from '@/lib/env';
import { openAttachment, issueDraftId, uploadAttachment } from '@/lib/messaging/attachments';
import { openMessage } from '@/lib/messaging/open-message';
import { listInbox, listSent, searchMessages } from '@/lib/messaging/queries';
import { recallMessage, recallOwnMessage, SENDER_RECALL_OFF } from '@/lib/messaging/recall-message';
import { deleteMessage } from '@/lib/messaging/mailbox-actions';
import { destroyExpiredContent } from '@/lib/messaging/destroy-content';
import { getMessageSettings, setMessageSettings } from '@/lib/organisations/message-settings';
import { refusal } from '@/tests/refusal';
import { sendMessageSchema } from '@/lib/messaging/schemas';
import { sendMessage } from '@/lib/messaging/send-message';
import { getPortalSession } from '@/lib/portal/queries';
import { attachmentsRoot } from '@/lib/storage/storage';
import { actorFor, createTestOrg } from '@/tests/factories';

/**
 * Secure messages are encrypted at rest (issue 19): a canary sent in a subject, a body and an attachment is nowhere in a dump of
 * the database nor in any file of the attachment store, reads back intact, tampering is refused,
 * and after recall nothing returns it.
 */

const PG_DUMP = '/usr/lib/postgresql/15/bin/pg_dump';
let dataDir = '';
const previousDataDir = process.env.SEALPOST_DATA_DIR;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'sealpost-canary-'));
  process.env.SEALPOST_DATA_DIR = dataDir;
  resetEnvCache();
});

afterAll(async () => {
  if (previousDataDir === undefined) delete process.env.SEALPOST_DATA_DIR;
  else process.env.SEALPOST_DATA_DIR = previousDataDir;
  resetEnvCache();
  await rm(dataDir, { recursive: true, force: true });
});

async function portalUser(email: string) {
  const [row] = await getDb().insert(portalUsers).values({ email, status: 'active', displayName: email.split('@')[0] }).returning({ id: portalUsers.id });
  const session = await getPortalSession(getDb(), row.id);
  if (!session) throw new Error('no session');
  return { ...session, sessionId: randomUUID(), clientAddress: '198.51.100.7' };
}

async function dump(): Promise<string> {
  const { stdout } = await promisify(execFile)(PG_DUMP, ['--data-only', '--no-owner', databaseUrl()], { maxBuffer: 512 * 1024 * 1024 });
  return stdout;
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function readAll(stream: AsyncIterable<Buffer>) {
  const out: Buffer[] = [];
  for await (const c of stream) out.push(c);
  return Buffer.concat(out);
}

/** Every form a plain copy could take in the dump: as text, and as bytea hex. */
function expectAbsent(haystack: string | Buffer, canary: string) {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  expect(text.includes(canary)).toBe(false);
  expect(text.toLowerCase().includes(Buffer.from(canary).toString('hex'))).toBe(false);
}

async function scenario() {
  const org = await createTestOrg({ licenses: 5, licensed: 1 });
  const alice = await portalUser(`user0@${org.domain}`);
  const pat = await portalUser(`pat.${randomBytes(3).toString('hex')}@partner.example`);
  const canary = `CANARY${randomBytes(8).toString('hex').toUpperCase()}`;
  const file = Buffer.concat([Buffer.from(`${canary} attachment\n`), randomBytes(200_000), Buffer.from(`\n${canary} end`)]);
  const draftId = issueDraftId(alice.id);
  const uploaded = await uploadAttachment({ user: alice, draftId, fileName: 'results.pdf', contentType: 'application/pdf', body: Readable.from([file]), declaredSize: file.length });
  const { id } = await sendMessage({
    ...sendMessageSchema.parse({ to: [pat.email], subject: `Subject ${canary}`, body: `Body ${canary} text`, attachmentIds: [uploaded.id] }),
    sender: alice,
  });
  return { org, alice, pat, canary, file, id, attachmentId: uploaded.id };
}

describe('encryption at rest', () => {
  it('a canary in subject, body and attachment is absent from pg_dump and from every file of the store, and reads back intact', async () => {
    const s = await scenario();
    const opened = await openMessage({ user: s.pat, id: s.id });
    expect(opened).toMatchObject({ subject: `Subject ${s.canary}` });
    if (opened.locked || opened.recalled) throw new Error('not opened');
    expect(opened.bodyHtml).toContain(`Body ${s.canary} text`);
    const { stream } = await openAttachment({ user: s.pat, id: s.attachmentId });
    expect((await readAll(stream)).equals(s.file)).toBe(true);
    const inbox = await listInbox(getDb(), s.pat, { now: new Date(), limit: 10 });
    expect(inbox.items.map((m) => m.subject)).toContain(`Subject ${s.canary}`);

    expectAbsent(await dump(), s.canary);
    const files = filesUnder(attachmentsRoot());
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expectAbsent(await readFile(f), s.canary);
  });

  it('refuses a tampered ciphertext, a row swapped with another, and a truncated attachment', async () => {
    const a = await scenario();
    const b = await scenario();
    // One bit of the body flipped.
    const [row] = await getDb().select().from(secureMessages).where(eq(secureMessages.id, a.id));
    const flipped = Buffer.from(row.bodySealed ?? Buffer.alloc(0));
    flipped[20] ^= 1;
    await getDb().update(secureMessages).set({ bodySealed: flipped }).where(eq(secureMessages.id, a.id));
    await expect(openMessage({ user: a.pat, id: a.id })).rejects.toBeInstanceOf(SealBrokenError);
    // B's sealed content and wrapped key copied onto another message of the same kind: bound to B's id.
    const [other] = await getDb().select().from(secureMessages).where(eq(secureMessages.id, b.id));
    const c = await scenario();
    await getDb()
      .update(secureMessages)
      .set({ dataKey: other.dataKey, keyVersion: other.keyVersion, subjectSealed: other.subjectSealed, bodySealed: other.bodySealed })
      .where(eq(secureMessages.id, c.id));
    await expect(openMessage({ user: c.pat, id: c.id })).rejects.toBeInstanceOf(SealBrokenError);
    // B's file cut short on disk: the download errors instead of ending short.
    const [file] = await getDb().select().from(attachments).where(eq(attachments.id, b.attachmentId));
    const onDisk = path.join(attachmentsRoot(), ...file.storageKey.split('/'));
    await truncate(onDisk, 65_536 + 16 + 12);
    const { stream } = await openAttachment({ user: b.pat, id: b.attachmentId });
    await expect(readAll(stream)).rejects.toThrow(/does not decrypt/);
    // And a file of another attachment put in its place.
    const [cFile] = await getDb().select().from(attachments).where(eq(attachments.id, c.attachmentId));
    await writeFile(onDisk, await readFile(path.join(attachmentsRoot(), ...cFile.storageKey.split('/'))));
    const swapped = await openAttachment({ user: b.pat, id: b.attachmentId });
    await expect(readAll(swapped.stream)).rejects.toThrow(/does not decrypt/);
  });

  it('after recall the data key is gone and no path returns the content: page, print, attachment, lists, search', async () => {
    const s = await scenario();
    const [file] = await getDb().select().from(attachments).where(eq(attachments.id, s.attachmentId));
    await recallMessage({ actor: await actorFor(s.org.managerId), messageId: s.id });
    const [row] = await getDb().select().from(secureMessages).where(eq(secureMessages.id, s.id));
    expect(row).toMatchObject({ dataKey: null, subjectSealed: null, bodySealed: null, subject: null, contentDestroyedReason: 'recalled' });
    // The page and the print page both go through openMessage: recalled, and nothing else.
    for (const user of [s.pat, s.alice]) {
      const opened = await openMessage({ user, id: s.id });
      expect(opened).toMatchObject({ recalled: true, reason: 'recalled' });
      expect(JSON.stringify(opened)).not.toContain(s.canary);
      await expect(openAttachment({ user, id: s.attachmentId })).rejects.toMatchObject({ code: 'not_found' });
    }
    const sent = await listSent(getDb(), s.alice, { limit: 10 });
    expect(sent.items.find((m) => m.id === s.id)?.subject).toBe('(recalled)');
    expect(JSON.stringify(await searchMessages(getDb(), s.alice, s.canary))).not.toContain(s.canary);
    expect(JSON.stringify(await searchMessages(getDb(), s.pat, s.canary))).not.toContain(s.canary);
    // The file is gone from the store too.
    expect(fs.existsSync(path.join(attachmentsRoot(), ...file.storageKey.split('/')))).toBe(false);
  });

  it('the sender recalls from Sent only when the organisation allows it; deletion by every party and retention destroy the key, each with its audit event', async () => {
    const s = await scenario();
    const owner = await actorFor(s.org.ownerId);
    expect(await refusal(recallOwnMessage({ user: s.alice, messageId: s.id }))).toMatchObject({ code: 'forbidden', message: SENDER_RECALL_OFF });
    expect(await refusal(recallOwnMessage({ user: s.pat, messageId: s.id }))).toMatchObject({ code: 'not_found' });
    expect(await refusal(setMessageSettings({ actor: await actorFor(s.org.managerId), settings: { retentionDays: null, senderMayRecall: true } }))).toMatchObject({ code: 'forbidden' });
    await setMessageSettings({ actor: owner, settings: { retentionDays: null, senderMayRecall: true } });
    expect(await getMessageSettings(getDb(), s.org.orgId)).toEqual({ retentionDays: null, senderMayRecall: true });
    await recallOwnMessage({ user: s.alice, messageId: s.id });
    expect(await openMessage({ user: s.pat, id: s.id })).toMatchObject({ recalled: true, reason: 'recalled' });
    const [recalled] = await getDb().select({ action: auditEvents.action, actorEmail: auditEvents.actorEmail }).from(auditEvents).where(and(eq(auditEvents.targetId, s.id), eq(auditEvents.action, 'secure_messages.recalled')));
    expect(recalled).toEqual({ action: 'secure_messages.recalled', actorEmail: s.alice.email });

    // Deleted by the recipient, then by the sender: the last one destroys the key.
    const d = await scenario();
    await deleteMessage({ user: d.pat, id: d.id });
    expect((await getDb().select({ k: secureMessages.dataKey }).from(secureMessages).where(eq(secureMessages.id, d.id)))[0].k).not.toBeNull();
    await deleteMessage({ user: d.alice, id: d.id });
    const [deleted] = await getDb().select().from(secureMessages).where(eq(secureMessages.id, d.id));
    expect(deleted).toMatchObject({ dataKey: null, subjectSealed: null, contentDestroyedReason: 'deleted' });
    expect(await getDb().$count(auditEvents, and(eq(auditEvents.targetId, d.id), eq(auditEvents.action, 'secure_messages.content_destroyed')))).toBe(1);

    // Retention: a 30-day period destroys the keys of older messages only.
    const r = await scenario();
    await getDb().update(secureMessages).set({ sentAt: new Date(Date.now() - 40 * 86_400_000) }).where(eq(secureMessages.id, r.id));
    const young = await scenario();
    await setMessageSettings({ actor: await actorFor(r.org.ownerId), settings: { retentionDays: 30, senderMayRecall: false } });
    await destroyExpiredContent(new Date());
    expect(await openMessage({ user: r.pat, id: r.id })).toMatchObject({ recalled: true, reason: 'expired' });
    expect(await openMessage({ user: young.pat, id: young.id })).toMatchObject({ recalled: false });
    await expect(openAttachment({ user: r.pat, id: r.attachmentId })).rejects.toMatchObject({ code: 'not_found' });
  });
});
