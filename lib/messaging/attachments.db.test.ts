import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getDb } from '@/db/client';
import { attachments, messageRecipients, portalUsers, secureMessages } from '@/db/schema';
import type { PortalActor } from '@/lib/auth/session';
import { attachmentsRoot, isStorageKey, localBlobStore, type BlobStore } from '@/lib/storage/storage';
import { chunksOf } from '@/lib/storage/chunks';
import { filesOnSealThread } from '@/lib/crypto/seal-worker';
import { createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import {
  AttachmentsTooLargeError,
  contentDisposition,
  draftOf,
  issueDraftId,
  MAX_MESSAGE_ATTACHMENT_BYTES,
  MAX_UNSENT_ATTACHMENT_BYTES,
  openAttachment,
  removeAbandonedUploads,
  removeDraftAttachment,
  safeFileName,
  UNSENT_UPLOAD_HOURS,
  uploadAttachment,
} from './attachments';
import { resetEnvCache } from '@/lib/env';

/** The route handlers read the session through getCurrentPortalUser; the tests choose who is signed in. */
const session = vi.hoisted(() => ({ user: null as PortalActor | null }));
vi.mock('@/lib/auth/session', () => ({
  getCurrentPortalUser: async () => session.user,
  getCurrentAdmin: async () => null,
}));

const { POST } = await import('@/app/secure/attachments/route');
const { GET, DELETE } = await import('@/app/secure/attachments/[id]/route');

const MiB = 1024 * 1024;
/** The message being written, for the tests that write one message per user: one draft id per user, as the compose page gets it. */
const drafts = new Map<string, string>();
function draftFor(user: Pick<PortalActor, 'id'>): string {
  const issued = drafts.get(user.id) ?? issueDraftId(user.id);
  drafts.set(user.id, issued);
  return issued;
}
let dataDir = '';
let root = '';
const previousDataDir = process.env.SEALPOST_DATA_DIR;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'sealpost-attachments-'));
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

async function portalUser(): Promise<PortalActor> {
  const email = `p${randomBytes(5).toString('hex')}@example.org`;
  const [row] = await getDb().insert(portalUsers).values({ email, displayName: 'Portal Person', status: 'active' }).returning({ id: portalUsers.id });
  return {
    id: row.id,
    email,
    displayName: 'Portal Person',
    status: 'active',
    sessionVersion: 1,
    preferences: { dateFormat: 'd MMM yyyy', timeFormat: '24h', weekStartsOn: 1, signature: '' },
    internalOrgId: null,
    timeZoneChosen: true,
    clientAddress: '198.51.100.20',
    sessionId: randomUUID(),
  };
}

/** A sent message from `sender` to `to` and `cc`, carrying `attachmentIds`. */
async function sentMessage(sender: PortalActor, recipients: { to: PortalActor[]; cc?: PortalActor[] }, attachmentIds: string[]) {
  const { orgId } = await createTestOrg();
  const sentAt = new Date();
  const [message] = await getDb()
    .insert(secureMessages)
    .values({ orgId, senderId: sender.id, direction: 'outbound', subject: 'Results', bodyHtml: '<p>Hi</p>', bodyText: 'Hi', sentAt })
    .returning({ id: secureMessages.id });
  await getDb()
    .insert(messageRecipients)
    .values([
      ...recipients.to.map((u) => ({ messageId: message.id, userId: u.id, kind: 'to' as const, sentAt })),
      ...(recipients.cc ?? []).map((u) => ({ messageId: message.id, userId: u.id, kind: 'cc' as const, sentAt })),
    ]);
  for (const id of attachmentIds) await getDb().update(attachments).set({ messageId: message.id }).where(eq(attachments.id, id));
  return message.id;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `bytes` in 64 KiB slices (views, not copies), as a client would send them. */
function chunked(bytes: Buffer, size = 64 * 1024): Readable {
  function* slices() {
    for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
  }
  return Readable.from(slices());
}

/** A body that fails the test if anything reads it: proves a refusal came before the upload. */
function unreadableBody(): { stream: Readable; read: { value: boolean } } {
  const read = { value: false };
  const stream = new Readable({
    read() {
      read.value = true;
      this.push(null);
    },
  });
  return { stream, read };
}

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

async function rowsOf(userId: string) {
  return getDb().select().from(attachments).where(eq(attachments.uploadedBy, userId));
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Opens and lets go at once (an unread stream would hold its file open until garbage collection). */
async function canOpen(user: PortalActor, id: string): Promise<void> {
  (await openAttachment({ user, id })).stream.destroy();
}

async function small(user: PortalActor, fileName = 'note.txt', text = 'hello') {
  return uploadAttachment({ user, draftId: draftFor(user), fileName, contentType: 'text/plain', body: Readable.from([Buffer.from(text)]), declaredSize: null });
}

describe('file names', () => {
  it('keeps the last segment, drops control and invisible characters, keeps the extension when shortened', () => {
    expect(safeFileName('../../x')).toBe('x');
    expect(safeFileName('a\r\nb.txt')).toBe('ab.txt');
    expect(safeFileName('C:\\evil\\x.exe')).toBe('x.exe');
    expect(safeFileName('..')).toBe('attachment');
    expect(safeFileName('  ')).toBe('attachment');
    expect(safeFileName('/etc/')).toBe('attachment');
    expect(safeFileName('.htaccess')).toBe('htaccess');
    expect(safeFileName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(safeFileName('a\u0000b\u007f\u0085c.pdf')).toBe('abc.pdf');
    expect(safeFileName('what?"<x>|*:.pdf')).toBe('what___x____.pdf');
    expect(safeFileName('CON.txt')).toBe('_CON.txt');
    expect(safeFileName('Résumé final.pdf')).toBe('Résumé final.pdf');
    const long = safeFileName(`${'é'.repeat(300)}.docx`);
    expect(Array.from(long)).toHaveLength(200);
    expect(long.endsWith('é.docx')).toBe(true);
    expect(Array.from(safeFileName('😀'.repeat(250)))).toHaveLength(200);
    expect(safeFileName('x\uD800y.txt')).toBe('xy.txt');
  });

  it('download header: ASCII fallback plus the exact UTF-8 name (RFC 6266 / 8187)', () => {
    expect(contentDisposition('Résumé (final).pdf')).toBe(`attachment; filename="Resume (final).pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%28final%29.pdf`);
    expect(contentDisposition('報告.pdf')).toBe(`attachment; filename="__.pdf"; filename*=UTF-8''%E5%A0%B1%E5%91%8A.pdf`);
    expect(contentDisposition('100% "done".txt')).toBe(`attachment; filename="100_ _done_.txt"; filename*=UTF-8''100%25%20%22done%22.txt`);
    expect(contentDisposition("it's.txt")).toBe(`attachment; filename="it's.txt"; filename*=UTF-8''it%27s.txt`);
  });
});

describe('uploading', () => {
  it('a 50 MB file streams through with flat memory, and the stored bytes hash the same as the sent ones', async () => {
    const user = await portalUser();
    const bytes = randomBytes(MAX_MESSAGE_ATTACHMENT_BYTES);
    // A file of a few segments first, on a draft of its own: the process's sealing thread starts
    // once (about 20 MB of its own), which is not what this measures.
    await uploadAttachment({ user, draftId: issueDraftId(user.id), fileName: 'warm-up.bin', body: chunked(randomBytes(3 * MiB)), declaredSize: 3 * MiB });
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const uploaded = await uploadAttachment({ user, draftId: draftFor(user), fileName: 'scan.pdf', contentType: 'application/pdf', body: chunked(bytes), declaredSize: bytes.length });
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    // The file is sealed as it streams (1 MiB segments): each segment's ciphertext is a new buffer,
    // garbage once written, and V8 collects such external memory only after some tens of MB. The
    // whole file held would be +100 MB (plain and sealed); chunks are 64 KiB.
    console.info(`[attachments test] rss grew ${((peak - before) / MiB).toFixed(1)} MB during a 50 MB upload`);
    expect(peak - before).toBeLessThan(72 * MiB);

    expect(uploaded).toMatchObject({ fileName: 'scan.pdf', sizeBytes: MAX_MESSAGE_ATTACHMENT_BYTES, sha256: sha256(bytes) });
    const row = (await rowsOf(user.id)).find((r) => r.id === uploaded.id);
    expect(row).toMatchObject({ id: uploaded.id, messageId: null, contentType: 'application/pdf', sizeBytes: bytes.length, sha256: sha256(bytes) });
    expect(isStorageKey(row?.storageKey)).toBe(true);
    const { stream } = await openAttachment({ user, id: uploaded.id });
    expect(sha256(await readAll(stream))).toBe(sha256(bytes));
  });

  it('a store that fails part way (disk full) fails the upload, keeps nothing, and lets go of the file on the sealing thread', async () => {
    const user = await portalUser();
    const rowsBefore = await rowsOf(user.id);
    const local = localBlobStore(root);
    const diskFull: BlobStore = {
      ...local,
      async put(_key, stream) {
        let written = 0;
        for await (const chunk of chunksOf(stream)) {
          written += chunk.byteLength;
          if (written > 2 * MiB) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        }
        throw new Error('the whole file arrived');
      },
    };
    await expect(uploadAttachment({ user, draftId: issueDraftId(user.id), fileName: 'scan.pdf', body: chunked(randomBytes(6 * MiB)), declaredSize: 6 * MiB, store: diskFull })).rejects.toThrow('ENOSPC');
    expect(await rowsOf(user.id)).toEqual(rowsBefore);
    // Let go at once (before, the sealing waited, paused, with the file's key on the thread, and the
    // thread kept the process alive for good).
    await vi.waitFor(() => expect(filesOnSealThread()).toBe(0), { timeout: 2_000 });
  });

  it('50 MB + 1 byte is refused while streaming, and nothing is kept: no row, no file, no temporary file', async () => {
    const user = await portalUser();
    const before = await filesUnder(root);
    const bytes = Buffer.alloc(MAX_MESSAGE_ATTACHMENT_BYTES + 1, 7);
    const error = await refusal(uploadAttachment({ user, draftId: draftFor(user), fileName: 'big.bin', contentType: null, body: chunked(bytes), declaredSize: null }));
    expect(error).toBeInstanceOf(AttachmentsTooLargeError);
    expect(error.message).toBe('Attachments can total at most 50 MB per message; this file would make more than 50 MB.');
    expect(await rowsOf(user.id)).toEqual([]);
    expect(await filesUnder(root)).toEqual(before);
  });

  it('a declared size over the allowance is refused before a byte is read, with the total it would make', async () => {
    const user = await portalUser();
    const { stream, read } = unreadableBody();
    const error = await refusal(uploadAttachment({ user, draftId: draftFor(user), fileName: 'big.bin', body: stream, declaredSize: MAX_MESSAGE_ATTACHMENT_BYTES + 1 }));
    expect(error.message).toBe('Attachments can total at most 50 MB per message; this file would make 50.1 MB.');
    expect(read.value).toBe(false);
  });

  it('two uploads that together pass 50 MB: the second is refused, counting what is already attached', async () => {
    const user = await portalUser();
    await uploadAttachment({ user, draftId: draftFor(user), fileName: 'a.bin', body: chunked(Buffer.alloc(40 * MiB, 1)), declaredSize: 40 * MiB });
    const declared = Math.round(21.2 * MiB);
    const early = await refusal(uploadAttachment({ user, draftId: draftFor(user), fileName: 'b.bin', body: unreadableBody().stream, declaredSize: declared }));
    expect(early.message).toBe('Attachments can total at most 50 MB per message; this file would make 61.2 MB.');
    // Without a declared size the store stops at the remaining 10 MB.
    const streamed = await refusal(uploadAttachment({ user, draftId: draftFor(user), fileName: 'b.bin', body: chunked(Buffer.alloc(declared, 2)), declaredSize: null }));
    expect(streamed).toBeInstanceOf(AttachmentsTooLargeError);
    expect((await rowsOf(user.id)).map((r) => r.fileName)).toEqual(['a.bin']);
    // What is left still fits; attachments of sent messages no longer count.
    await uploadAttachment({ user, draftId: draftFor(user), fileName: 'c.bin', body: chunked(Buffer.alloc(10 * MiB, 3)), declaredSize: null });
    await refusal(small(user));
    await sentMessage(user, { to: [await portalUser()] }, (await rowsOf(user.id)).map((r) => r.id));
    await small(user);
  });

  it('concurrent uploads that each fit but not together: exactly one is kept', async () => {
    const user = await portalUser();
    const before = await filesUnder(root);
    const results = await Promise.allSettled(
      [1, 2, 3].map((i) => uploadAttachment({ user, draftId: draftFor(user), fileName: `${i}.bin`, body: chunked(Buffer.alloc(30 * MiB, i)), declaredSize: 30 * MiB })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AttachmentsTooLargeError);
    expect(await rowsOf(user.id)).toHaveLength(1);
    expect((await filesUnder(root)).length).toBe(before.length + 1);
  });

  it('each message being written has its own 50 MB: a draft left behind takes nothing from the next', async () => {
    const user = await portalUser();
    const abandoned = issueDraftId(user.id);
    await uploadAttachment({ user, draftId: abandoned, fileName: 'a.bin', body: chunked(Buffer.alloc(45 * MiB, 1)), declaredSize: 45 * MiB });
    expect(await refusal(uploadAttachment({ user, draftId: abandoned, fileName: 'b.bin', body: unreadableBody().stream, declaredSize: 6 * MiB }))).toBeInstanceOf(AttachmentsTooLargeError);
    // A new compose page: the whole 50 MB.
    const next = issueDraftId(user.id);
    await uploadAttachment({ user, draftId: next, fileName: 'c.bin', body: chunked(Buffer.alloc(50 * MiB, 2)), declaredSize: 50 * MiB });
    expect(await refusal(uploadAttachment({ user, draftId: next, fileName: 'd.bin', body: Readable.from([Buffer.from('x')]), declaredSize: 1 }))).toBeInstanceOf(AttachmentsTooLargeError);
    // Removing a file gives its room back to its own draft.
    const [c] = (await rowsOf(user.id)).filter((r) => r.fileName === 'c.bin');
    await removeDraftAttachment({ user, id: c.id });
    await uploadAttachment({ user, draftId: next, fileName: 'd.bin', body: Readable.from([Buffer.from('x')]), declaredSize: 1 });
    expect((await rowsOf(user.id)).map((r) => [r.fileName, r.draftId]).sort()).toEqual([
      ['a.bin', draftOf(user.id, abandoned)],
      ['d.bin', draftOf(user.id, next)],
    ]);
  });

  it(`all of a user's unsent uploads together are held to ${MAX_UNSENT_ATTACHMENT_BYTES / MiB} MB, however many drafts: refused before a byte is read, and while streaming`, async () => {
    const user = await portalUser();
    const { newStorageKey } = await import('@/lib/storage/storage');
    // Three full drafts and a fourth with 45 MB, left unsent (rows only: their bytes are not the point).
    const parked = [50, 50, 50, 45].map((mb, i) => ({ uploadedBy: user.id, draftId: crypto.randomUUID(), fileName: `${i}.bin`, contentType: 'application/octet-stream', sizeBytes: mb * MiB, sha256: '0'.repeat(64), storageKey: newStorageKey() }));
    await getDb().insert(attachments).values(parked);
    const fresh = issueDraftId(user.id);
    // A new compose page has its own 50 MB, but only 5 MB of the user's 200 are left.
    const { stream, read } = unreadableBody();
    const early = await refusal(uploadAttachment({ user, draftId: fresh, fileName: 'big.bin', body: stream, declaredSize: 6 * MiB }));
    expect(early).toBeInstanceOf(AttachmentsTooLargeError);
    expect(early.message).toBe(
      'Files not yet sent can total at most 200 MB across all the messages you are writing; this file would make 201 MB. Send or discard your other messages first (files of messages never sent are thrown away after 48 hours).',
    );
    expect(read.value).toBe(false);
    const before = await filesUnder(root);
    const streamed = await refusal(uploadAttachment({ user, draftId: fresh, fileName: 'big.bin', body: chunked(Buffer.alloc(6 * MiB, 1)), declaredSize: null }));
    expect(streamed.message).toMatch(/^Files not yet sent can total at most 200 MB across all the messages you are writing; this file would make more than 200 MB\./);
    expect(await filesUnder(root)).toEqual(before);
    // What is left still fits.
    await uploadAttachment({ user, draftId: fresh, fileName: 'fits.bin', body: chunked(Buffer.alloc(5 * MiB, 2)), declaredSize: 5 * MiB });
    expect(await refusal(small(user))).toBeInstanceOf(AttachmentsTooLargeError);
    // Sending a message gives its room back.
    const [first] = (await rowsOf(user.id)).filter((r) => r.fileName === '0.bin');
    await sentMessage(user, { to: [await portalUser()] }, [first.id]);
    await uploadAttachment({ user, draftId: fresh, fileName: 'after.bin', body: chunked(Buffer.alloc(MiB, 3)), declaredSize: MiB });
  });

  it('concurrent uploads to different drafts that each fit but not together: exactly one is kept', async () => {
    const user = await portalUser();
    const { newStorageKey } = await import('@/lib/storage/storage');
    await getDb()
      .insert(attachments)
      .values([50, 50, 40].map((mb, i) => ({ uploadedBy: user.id, draftId: crypto.randomUUID(), fileName: `${i}.bin`, contentType: 'application/octet-stream', sizeBytes: mb * MiB, sha256: '0'.repeat(64), storageKey: newStorageKey() })));
    const before = await filesUnder(root);
    const results = await Promise.allSettled(
      [1, 2, 3].map((i) => uploadAttachment({ user, draftId: issueDraftId(user.id), fileName: `new${i}.bin`, body: chunked(Buffer.alloc(40 * MiB, i)), declaredSize: 40 * MiB })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as Error).message).toMatch(/^Files not yet sent can total at most 200 MB/);
    expect((await rowsOf(user.id)).filter((r) => r.fileName.startsWith('new'))).toHaveLength(1);
    expect((await filesUnder(root)).length).toBe(before.length + 1);
  });

  it('an upload that names no draft, one the server did not issue, or one issued to someone else, is refused before a byte is read', async () => {
    const user = await portalUser();
    const others = issueDraftId((await portalUser()).id);
    const mine = issueDraftId(user.id);
    const [uuid, signature] = mine.split('.');
    const forged = [
      '',
      'draft-1',
      "' or 1=1 --",
      // A UUID the client made up, as compose pages used to.
      crypto.randomUUID(),
      // Another user's draft id, and its UUID with someone else's signature.
      others,
      `${uuid}.${others.split('.')[1]}`,
      `${crypto.randomUUID()}.${signature}`,
      `${uuid}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
    ];
    expect(draftOf(user.id, mine)).toBe(uuid);
    for (const draftId of forged) {
      const { stream, read } = unreadableBody();
      const error = await refusal(uploadAttachment({ user, draftId, fileName: 'a.txt', body: stream, declaredSize: 5 }));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toBe('This upload does not belong to a message being written. Reload the page and attach the file again.');
      expect(read.value).toBe(false);
    }
    expect(await rowsOf(user.id)).toEqual([]);
  });

  it(`uploads never sent are thrown away, files and all, after ${UNSENT_UPLOAD_HOURS} hours; sent ones stay`, async () => {
    const [user, recipient] = await Promise.all([portalUser(), portalUser()]);
    const old = await small(user, 'old.txt');
    const recent = await small(user, 'recent.txt');
    const sent = await small(user, 'sent.txt');
    await sentMessage(user, { to: [recipient] }, [sent.id]);
    const now = new Date();
    const longAgo = new Date(now.getTime() - (UNSENT_UPLOAD_HOURS * 3_600_000 + 60_000));
    await getDb().update(attachments).set({ createdAt: longAgo }).where(eq(attachments.uploadedBy, user.id));
    await getDb().update(attachments).set({ createdAt: now }).where(eq(attachments.id, recent.id));
    const [oldRow] = (await rowsOf(user.id)).filter((r) => r.id === old.id);
    const filesBefore = await filesUnder(root);

    expect(await removeAbandonedUploads(now)).toBeGreaterThanOrEqual(1);
    expect((await rowsOf(user.id)).map((r) => r.fileName).sort()).toEqual(['recent.txt', 'sent.txt']);
    expect(filesBefore).toContain(oldRow.storageKey);
    expect(await filesUnder(root)).not.toContain(oldRow.storageKey);
    await canOpen(recipient, sent.id);
  });

  it('an empty file is refused, whether declared or found while streaming', async () => {
    const user = await portalUser();
    const before = await filesUnder(root);
    expect((await refusal(uploadAttachment({ user, draftId: draftFor(user), fileName: 'e.txt', body: Readable.from([]), declaredSize: null }))).message).toBe('The file is empty.');
    expect((await refusal(uploadAttachment({ user, draftId: draftFor(user), fileName: 'e.txt', body: unreadableBody().stream, declaredSize: 0 }))).message).toBe('The file is empty.');
    expect(await rowsOf(user.id)).toEqual([]);
    expect(await filesUnder(root)).toEqual(before);
  });

  it('a missing name is refused; forbidden names are stored under a safe one, never used for storage', async () => {
    const user = await portalUser();
    for (const fileName of [null, '', '   ']) {
      expect((await refusal(uploadAttachment({ user, draftId: draftFor(user), fileName, body: Readable.from([Buffer.from('x')]) }))).code).toBe('invalid_input');
    }
    const names = await Promise.all(['../../x', 'a\r\nb.txt', 'C:\\evil\\x.exe'].map(async (name) => (await small(user, name)).fileName));
    expect(names).toEqual(['x', 'ab.txt', 'x.exe']);
    for (const row of await rowsOf(user.id)) {
      expect(isStorageKey(row?.storageKey)).toBe(true);
      expect(row.storageKey).not.toContain(row.fileName);
    }
    expect(existsSync(path.join(dataDir, 'x'))).toBe(false);
    expect(existsSync(path.join(root, 'x'))).toBe(false);
  });

  it('an odd content type is kept as plain bytes', async () => {
    const user = await portalUser();
    const a = await uploadAttachment({ user, draftId: draftFor(user), fileName: 'a.html', contentType: 'Text/HTML; charset=utf-8', body: Readable.from([Buffer.from('<b>')]) });
    const b = await uploadAttachment({ user, draftId: draftFor(user), fileName: 'b', contentType: 'text/html\r\nX-Evil: 1', body: Readable.from([Buffer.from('<b>')]) });
    const types = Object.fromEntries((await rowsOf(user.id)).map((r) => [r.id, r.contentType]));
    expect([types[a.id], types[b.id]]).toEqual(['text/html', 'application/octet-stream']);
  });
});

describe('who may download', () => {
  it('the uploader before sending; the sender and the recipients after; nobody else', async () => {
    const [sender, to, cc, stranger] = await Promise.all([portalUser(), portalUser(), portalUser(), portalUser()]);
    const file = await small(sender, 'report.txt', 'the report');
    expect((await readAll((await openAttachment({ user: sender, id: file.id })).stream)).toString()).toBe('the report');
    for (const user of [to, cc, stranger]) expect((await refusal(openAttachment({ user, id: file.id }))).code).toBe('not_found');

    const messageId = await sentMessage(sender, { to: [to], cc: [cc] }, [file.id]);
    for (const user of [sender, to, cc]) {
      const { attachment, stream } = await openAttachment({ user, id: file.id });
      expect(attachment).toMatchObject({ id: file.id, fileName: 'report.txt', sizeBytes: 10, sha256: file.sha256 });
      expect((await readAll(stream)).toString()).toBe('the report');
    }
    expect((await refusal(openAttachment({ user: stranger, id: file.id }))).code).toBe('not_found');
    // Sent: no longer a draft to remove.
    expect((await refusal(removeDraftAttachment({ user: sender, id: file.id }))).code).toBe('not_found');

    await getDb().update(messageRecipients).set({ deletedAt: new Date() }).where(eq(messageRecipients.userId, cc.id));
    expect((await refusal(openAttachment({ user: cc, id: file.id }))).code).toBe('not_found');
    await canOpen(to, file.id);

    await getDb().update(secureMessages).set({ status: 'recalled' }).where(eq(secureMessages.id, messageId));
    expect((await refusal(openAttachment({ user: to, id: file.id }))).code).toBe('not_found');
    // The sender keeps their own attachment, as they keep the recalled message.
    await canOpen(sender, file.id);
  });

  it('an unknown or malformed id is "not found"', async () => {
    const user = await portalUser();
    for (const id of ['00000000-0000-4000-8000-000000000000', crypto.randomUUID(), 'nope', '../../etc/passwd', "' or 1=1 --"]) {
      expect((await refusal(openAttachment({ user, id }))).code).toBe('not_found');
    }
  });

  it('a draft is removed by its uploader only, row and file', async () => {
    const [owner, other] = await Promise.all([portalUser(), portalUser()]);
    const before = await filesUnder(root);
    const file = await small(owner);
    expect((await refusal(removeDraftAttachment({ user: other, id: file.id }))).code).toBe('not_found');
    await removeDraftAttachment({ user: owner, id: file.id });
    expect(await rowsOf(owner.id)).toEqual([]);
    expect(await filesUnder(root)).toEqual(before);
    expect((await refusal(openAttachment({ user: owner, id: file.id }))).code).toBe('not_found');
  });
});

describe('route handlers', () => {
  function uploadRequest(body: ReadableStream<Uint8Array> | null, headers: Record<string, string>) {
    const draft = session.user ? draftFor(session.user) : '';
    return new NextRequest('http://sealpost.test/secure/attachments', { method: 'POST', body, headers: { 'x-draft-id': draft, ...headers }, duplex: 'half' });
  }

  function remove(id: string) {
    return DELETE(new NextRequest(`http://sealpost.test/secure/attachments/${id}`, { method: 'DELETE' }), { params: Promise.resolve({ id }) });
  }

  function webStream(bytes: Buffer, size = 64 * 1024): ReadableStream<Uint8Array> {
    let offset = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) controller.close();
        else controller.enqueue(bytes.subarray(offset, (offset += size)));
      },
    });
  }

  function download(id: string) {
    return GET(new NextRequest(`http://sealpost.test/secure/attachments/${id}`), { params: Promise.resolve({ id }) });
  }

  it('POST streams the body to storage and answers 201 with the row; GET sends it back as a download', async () => {
    const user = await portalUser();
    session.user = user;
    const bytes = randomBytes(MAX_MESSAGE_ATTACHMENT_BYTES);
    const response = await POST(uploadRequest(webStream(bytes), { 'x-file-name': encodeURIComponent('Résumé (final).html'), 'content-type': 'text/html' }));
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string; fileName: string; sizeBytes: number; sha256: string };
    expect(body).toMatchObject({ fileName: 'Résumé (final).html', sizeBytes: bytes.length, sha256: sha256(bytes) });

    const got = await download(body.id);
    expect(got.status).toBe(200);
    expect(Object.fromEntries(got.headers)).toMatchObject({
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="Resume (final).html"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%28final%29.html`,
      'content-length': String(bytes.length),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "sandbox; default-src 'none'",
      'cache-control': 'private, no-store',
    });
    expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(sha256(bytes));

    session.user = await portalUser();
    const refused = await download(body.id);
    expect(refused.status).toBe(404);
    session.user = null;
  });

  it("DELETE takes the uploader's unsent file away (204); anyone else's, a sent one or a made-up id is 404; signed out 401", async () => {
    const [user, other, recipient] = await Promise.all([portalUser(), portalUser(), portalUser()]);
    const before = await filesUnder(root);
    const draft = await small(user, 'draft.txt');
    const sent = await small(user, 'sent.txt');
    await sentMessage(user, { to: [recipient] }, [sent.id]);

    session.user = other;
    expect((await remove(draft.id)).status).toBe(404);
    session.user = user;
    expect((await remove(sent.id)).status).toBe(404);
    expect((await remove('not-an-id')).status).toBe(404);
    const removed = await remove(draft.id);
    expect(removed.status).toBe(204);
    expect((await rowsOf(user.id)).map((r) => r.fileName)).toEqual(['sent.txt']);
    expect((await filesUnder(root)).length).toBe(before.length + 1);
    expect((await remove(draft.id)).status).toBe(404);
    await canOpen(recipient, sent.id);

    session.user = null;
    expect((await remove(sent.id)).status).toBe(401);
  });

  it("POST with a draft id the server did not issue to this user is refused (400) before the body is read", async () => {
    const user = await portalUser();
    session.user = user;
    const endless = new ReadableStream<Uint8Array>({ pull() {} });
    const foreign = await POST(uploadRequest(endless, { 'x-file-name': 'a.txt', 'x-draft-id': issueDraftId((await portalUser()).id) }));
    expect(foreign.status).toBe(400);
    const madeUp = await POST(uploadRequest(webStream(Buffer.from('hello')), { 'x-file-name': 'a.txt', 'x-draft-id': crypto.randomUUID() }));
    expect(madeUp.status).toBe(400);
    expect(await rowsOf(user.id)).toEqual([]);
    session.user = null;
  });

  it("POST without the compose page's draft header is refused (400) and keeps nothing", async () => {
    const user = await portalUser();
    session.user = user;
    const response = await POST(uploadRequest(webStream(Buffer.from('hello')), { 'x-file-name': 'a.txt', 'x-draft-id': '' }));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/does not belong to a message being written/);
    expect(await rowsOf(user.id)).toEqual([]);
    session.user = null;
  });

  it('POST: 413 from X-File-Size before the upload is read, 400 without a name or for an empty file, 401 signed out', async () => {
    const user = await portalUser();
    session.user = user;
    await small(user, 'first.bin', 'x'.repeat(1000));
    // Never ends: an answer at all proves the refusal did not wait for the body.
    const endless = new ReadableStream<Uint8Array>({ pull() {} });
    const tooLarge = await POST(uploadRequest(endless, { 'x-file-name': 'big.iso', 'x-file-size': String(60 * MiB) }));
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: { message: string } }).error.message).toBe(
      'Attachments can total at most 50 MB per message; this file would make 60.1 MB.',
    );

    const streamed = await POST(uploadRequest(webStream(Buffer.alloc(50 * MiB)), { 'x-file-name': 'big.iso' }));
    expect(streamed.status).toBe(413);

    expect((await POST(uploadRequest(webStream(Buffer.from('x')), {}))).status).toBe(400);
    expect((await POST(uploadRequest(webStream(Buffer.from('x')), { 'x-file-name': '%E0%A4%A' }))).status).toBe(400);
    const empty = await POST(uploadRequest(webStream(Buffer.alloc(0)), { 'x-file-name': 'e.txt' }));
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toBe('The file is empty.');
    expect((await rowsOf(user.id)).map((r) => r.fileName)).toEqual(['first.bin']);

    session.user = null;
    expect((await POST(uploadRequest(webStream(Buffer.from('x')), { 'x-file-name': 'a.txt' }))).status).toBe(401);
    expect((await download(crypto.randomUUID())).status).toBe(401);
  });
});
