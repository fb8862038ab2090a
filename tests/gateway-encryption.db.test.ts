import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { and, asc, eq, inArray } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { attachments, auditEvents, deliveryEvents, gatewayMessages, gatewayRecipients, organisations, policies, portalUsers, secureMessages } from '@/db/schema';
import { kmsKeyProvider, setKeyProvidersForTests } from '@/lib/crypto/keys';
import { migratePlainContent } from '@/lib/crypto/maintenance';
import { databaseUrl, resetEnvCache } from '@/lib/env';
import { stopBoss } from '@/lib/jobs/runtime';
import { openAttachment } from '@/lib/messaging/attachments';
import { destroyExpiredContent } from '@/lib/messaging/destroy-content';
import { deleteMessage } from '@/lib/messaging/mailbox-actions';
import { openMessage } from '@/lib/messaging/open-message';
import { listInbox } from '@/lib/messaging/queries';
import { recallMessage } from '@/lib/messaging/recall-message';
import { getPortalSession } from '@/lib/portal/queries';
import { attachmentsRoot, blobStore, newStorageKey } from '@/lib/storage/storage';
import { actorFor, createTestOrg } from '@/tests/factories';
import { startFakeKms } from '@/tests/servers/fake-kms';
import { createConnector } from '@/lib/mailflow/connectors';
import { deliverGatewayMessage, deliveryJobOptions, type DeliveryJobOptions } from '@/lib/mailflow/deliver-message';
import { startGateway, type Gateway } from '@/lib/mailflow/gateway';
import { recordMxTls } from '@/lib/mailflow/mx-tls';
import { staticResolver } from '@/lib/mailflow/outbound';
import { createTestCa, reply, startMx, type TestMx } from '@/lib/mailflow/outbound/test-servers';
import { processGatewayMessage } from '@/lib/mailflow/process-message';
import { listRecentGatewayMessages } from '@/lib/mailflow/queries';
import { openGatewaySubject, openRawCopy, rawCopyColumns, RawCopyGoneError, UNREADABLE_SUBJECT } from '@/lib/mailflow/raw-copy';
import { removeFinishedRawCopies } from '@/lib/mailflow/clean-up';
import { eventMessageId } from '@/lib/mailflow/secure-delivery';
import { DESTROYED_SUBJECT } from '@/lib/crypto/envelope';

/**
 * Issues #17 and #19: mail that comes in through the SMTP gateway is encrypted at rest like mail
 * written in the portal. A canary sent over real SMTP (Nodemailer through the gateway, STARTTLS) in
 * the Subject, the body and an attachment is nowhere in a dump of the database nor in any file of
 * the attachment store — after acceptance, after processing into secure messages, after a delivery
 * by SMTP over TLS (and the DSN of a bounce) — while every reader still gets it back: the portal,
 * the mail-flow page, the recipient's server. Recall shreds the secure message's files. Raw copies
 * stored plain before this are still read, and `keys migrate` seals their Subjects.
 *
 * A raw copy lives only while some recipient's delivery is not final; and when the secure message
 * it became is recalled, deleted by every party or reaches the retention end, the raw copy's key
 * and sealed Subject go in the same transaction (and the file, and a DSN quoting its headers),
 * while the mail-flow page and the delivery log keep the metadata.
 */

const PG_DUMP = '/usr/lib/postgresql/15/bin/pg_dump';
const HOSTNAME = 'gw.sealpost.test';
let dataDir = '';
const previousDataDir = process.env.SEALPOST_DATA_DIR;
let org: Awaited<ReturnType<typeof createTestOrg>>;
let relay: { user: string; secret: string };
let gateway: Gateway;
let caCert = '';
const sinks: Record<string, TestMx> = {};
let delivery: Partial<DeliveryJobOptions> = {};

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'sealpost-gateway-canary-'));
  process.env.SEALPOST_DATA_DIR = dataDir;
  resetEnvCache();
  const ca = createTestCa();
  caCert = ca.cert;
  org = await createTestOrg({ licensed: 2 });
  const created = await createConnector({ actor: await actorFor(org.ownerId), name: 'Relay', smtpUsername: `relay-${org.domain.split('.')[0]}` });
  if (!created.secret || !created.smtpUsername) throw new Error('no secret');
  relay = { user: created.smtpUsername, secret: created.secret };
  // Two policies deciding different recipients of one message: two secure messages, so the parts are copied too.
  await getDb()
    .insert(policies)
    .values([
      { orgId: org.orgId, name: 'No TLS, second factor', position: 1, conditionKind: 'recipient_without_tls', conditionValue: '', delivery: 'sms_two_factor' },
      { orgId: org.orgId, name: 'Secure on request', position: 2, conditionKind: 'subject_contains', conditionValue: '[secure]', delivery: 'secure_portal' },
    ]);
  const now = new Date();
  await recordMxTls(getDb(), 'partner.example', true, now);
  await recordMxTls(getDb(), 'notls.example', false, now);
  await recordMxTls(getDb(), 'ok.example', true, now);
  await recordMxTls(getDb(), 'reject.example', true, now);

  sinks['ok.example'] = await startMx({ tls: ca.issue(['mx.ok.example']), keepBodies: true });
  sinks['reject.example'] = await startMx({ tls: ca.issue(['mx.reject.example']), onRcptTo: () => reply(550, '5.1.1 No such user here') });
  sinks['defer.example'] = await startMx({ tls: ca.issue(['mx.defer.example']), onRcptTo: () => reply(451, '4.3.0 Try again later') });
  await recordMxTls(getDb(), 'defer.example', true, now);
  const mx = Object.fromEntries(Object.keys(sinks).map((d) => [d, [{ exchange: `mx.${d}`, priority: 10 }]]));
  const a = Object.fromEntries(Object.keys(sinks).map((d) => [`mx.${d}`, ['127.0.0.1']]));
  const ports = Object.fromEntries(Object.entries(sinks).map(([d, s]) => [`mx.${d}`, s.port]));
  delivery = { demo: false, hostname: HOSTNAME, relay: null, resolver: staticResolver({ mx, a }), ports, ca: ca.cert, timeouts: { connect: 3000, greeting: 3000, socket: 10_000 } };

  const tls = ca.issue(['localhost', '127.0.0.1']);
  gateway = await startGateway({ host: '127.0.0.1', hostname: 'localhost', tls, maxMessageBytes: 4 * 1024 * 1024, maxRecipients: 5, rateLimitPerMinute: 1000, closeTimeoutSeconds: 1, port: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await stopBoss();
  await Promise.all(Object.values(sinks).map((s) => s.close()));
  if (previousDataDir === undefined) delete process.env.SEALPOST_DATA_DIR;
  else process.env.SEALPOST_DATA_DIR = previousDataDir;
  resetEnvCache();
  await rm(dataDir, { recursive: true, force: true });
});

function client() {
  return nodemailer.createTransport({ host: '127.0.0.1', port: gateway.port, secure: false, requireTLS: true, auth: { user: relay.user, pass: relay.secret }, tls: { ca: caCert } });
}

async function dump(): Promise<string> {
  const { stdout } = await promisify(execFile)(PG_DUMP, ['--data-only', '--no-owner', databaseUrl()], { maxBuffer: 512 * 1024 * 1024 });
  return stdout;
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function readAll(stream: AsyncIterable<Buffer | Uint8Array>) {
  const out: Buffer[] = [];
  for await (const c of stream) out.push(Buffer.from(c));
  return Buffer.concat(out);
}

/** As text, and as bytea hex. */
function expectAbsent(haystack: string | Buffer, canary: string, where: string) {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  expect(text.includes(canary), `${canary} in ${where}`).toBe(false);
  expect(text.toLowerCase().includes(Buffer.from(canary).toString('hex')), `${canary} (hex) in ${where}`).toBe(false);
}

/** Not in the database, not in any file of the store. */
async function expectNowhereAtRest(canary: string) {
  expectAbsent(await dump(), canary, 'pg_dump');
  const files = filesUnder(attachmentsRoot());
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) expectAbsent(await readFile(f), canary, f);
}

function canaryMail(canary: string, subject: string) {
  // A text attachment sent 7bit, so the canary is readable in the raw message too (not only once
  // decoded), over more than one 64 KiB segment.
  const line = `${canary} attachment line `.padEnd(100, '.');
  const file = Buffer.from(Array.from({ length: 1200 }, () => line).join('\r\n') + '\r\n');
  return {
    file,
    mail: {
      from: `"Dr Alice" <user0@${org.domain}>`,
      subject: `${subject} ${canary}`,
      text: `Body ${canary} text`,
      html: `<p>Body <b>${canary}</b> text</p>`,
      attachments: [{ filename: 'results.txt', content: file, contentType: 'text/plain', contentTransferEncoding: '7bit' as const }],
    },
  };
}

function acceptedId(response: string): string {
  const match = /Accepted as ([0-9a-f-]{36})/.exec(response);
  if (!match) throw new Error(`not accepted: ${response}`);
  return match[1];
}

async function portalSession(email: string) {
  const [row] = await getDb().select({ id: portalUsers.id }).from(portalUsers).where(eq(portalUsers.email, email));
  const session = await getPortalSession(getDb(), row.id);
  if (!session) throw new Error('no session');
  return { ...session, sessionId: randomUUID(), clientAddress: '198.51.100.7' };
}

async function gatewayRow(id: string) {
  const [row] = await getDb()
    .select({ ...rawCopyColumns, sha256: gatewayMessages.sha256, status: gatewayMessages.status, contentDestroyedReason: gatewayMessages.contentDestroyedReason, reportOf: gatewayMessages.reportOf })
    .from(gatewayMessages)
    .where(eq(gatewayMessages.id, id));
  return row;
}

function inStore(storageKey: string): boolean {
  return fs.existsSync(path.join(attachmentsRoot(), ...storageKey.split('/')));
}

describe('gateway mail encrypted at rest', () => {
  it('a canary in subject, body and attachment: sealed once accepted and once made two secure messages, which read back intact; recall shreds the files', async () => {
    const canary = `CANARY${randomBytes(8).toString('hex').toUpperCase()}`;
    const { file, mail } = canaryMail(canary, 'Results [secure]');
    const info = await client().sendMail({ ...mail, to: ['pat@partner.example', 'sam@notls.example'] });
    const id = acceptedId(info.response);

    // Accepted: the raw copy is sealed, its Subject too; size and hash are the plain message's.
    const accepted = await gatewayRow(id);
    expect(accepted).toMatchObject({ status: 'received', subject: null, fileKeyWrap: 'upload' });
    expect(accepted.fileKey).not.toBeNull();
    expect(await openGatewaySubject(accepted)).toBe(`Results [secure] ${canary}`);
    const raw = await readAll(await openRawCopy(blobStore(), accepted));
    expect(raw.length).toBe(accepted.sizeBytes);
    expect(createHash('sha256').update(raw).digest('hex')).toBe(accepted.sha256);
    expect(raw.toString('latin1')).toContain(`${canary} attachment line`);
    await expectNowhereAtRest(canary);

    // Processed: two secure messages (one per policy), their files sealed under the message keys.
    expect(await processGatewayMessage(getDb(), id, { store: blobStore(), demo: false })).toBe('processed');
    const recipients = await getDb().select().from(gatewayRecipients).where(eq(gatewayRecipients.gatewayMessageId, id)).orderBy(asc(gatewayRecipients.address));
    expect(recipients.map((r) => [r.address, r.status, r.outcome])).toEqual([
      ['pat@partner.example', 'secure_message', 'secure_portal'],
      ['sam@notls.example', 'secure_message', 'sms_two_factor'],
    ]);
    const [patMessage, samMessage] = recipients.map((r) => r.secureMessageId ?? '');
    expect(patMessage).not.toBe(samMessage);
    const files = await getDb()
      .select({ id: attachments.id, messageId: attachments.messageId, storageKey: attachments.storageKey, sealed: attachments.sealed, fileKeyWrap: attachments.fileKeyWrap, sizeBytes: attachments.sizeBytes, sha256: attachments.sha256 })
      .from(attachments)
      .where(inArray(attachments.messageId, [patMessage, samMessage]));
    expect(files).toHaveLength(2);
    for (const f of files) expect(f).toMatchObject({ sealed: true, fileKeyWrap: 'message', sizeBytes: file.length, sha256: createHash('sha256').update(file).digest('hex') });
    expect(new Set(files.map((f) => f.storageKey)).size).toBe(2);
    const processed = await gatewayRow(id);
    expect(processed).toMatchObject({ status: 'processed', subject: null });
    // Every recipient is in the portal: nothing will read the raw copy again, so it is gone from the store.
    expect(processed.rawCopyRemovedAt).not.toBeNull();
    expect(inStore(processed.storageKey)).toBe(false);
    await expect(openRawCopy(blobStore(), processed)).rejects.toBeInstanceOf(RawCopyGoneError);
    expect((await listRecentGatewayMessages(getDb(), org.orgId, 50)).find((m) => m.id === id)?.subject).toBe(`Results [secure] ${canary}`);
    await expectNowhereAtRest(canary);

    // The portal reads it back whole: page, inbox, attachment.
    const pat = await portalSession('pat@partner.example');
    const opened = await openMessage({ user: pat, id: patMessage });
    expect(opened).toMatchObject({ subject: `Results [secure] ${canary}` });
    if (opened.locked || opened.recalled) throw new Error('not opened');
    expect(opened.bodyHtml).toContain(canary);
    const inbox = await listInbox(getDb(), pat, { now: new Date(), limit: 10 });
    expect(inbox.items.map((m) => m.subject)).toContain(`Results [secure] ${canary}`);
    const patFile = files.find((f) => f.messageId === patMessage);
    if (!patFile) throw new Error('no file');
    const { stream } = await openAttachment({ user: pat, id: patFile.id });
    expect((await readAll(stream)).equals(file)).toBe(true);
    const sam = await portalSession('sam@notls.example');
    const samFile = files.find((f) => f.messageId === samMessage);
    if (!samFile) throw new Error('no file');
    expect((await readAll((await openAttachment({ user: sam, id: samFile.id })).stream)).equals(file)).toBe(true);

    // Recall: the data key goes, and the files with it (the other message's copy stays readable).
    await recallMessage({ actor: await actorFor(org.managerId), messageId: patMessage });
    const [recalled] = await getDb().select({ dataKey: secureMessages.dataKey }).from(secureMessages).where(eq(secureMessages.id, patMessage));
    expect(recalled.dataKey).toBeNull();
    const [shredded] = await getDb().select({ fileKey: attachments.fileKey }).from(attachments).where(eq(attachments.id, patFile.id));
    expect(shredded.fileKey).toBeNull();
    expect(fs.existsSync(path.join(attachmentsRoot(), ...patFile.storageKey.split('/')))).toBe(false);
    await expect(openAttachment({ user: pat, id: patFile.id })).rejects.toMatchObject({ code: 'not_found' });
    expect((await readAll((await openAttachment({ user: sam, id: samFile.id })).stream)).equals(file)).toBe(true);
    // And the gateway's row of it: the raw copy's key and Subject destroyed with it; the envelope and statuses stay.
    expect(await gatewayRow(id)).toMatchObject({ fileKey: null, fileKeyWrap: null, subjectSealed: null, subject: null, contentDestroyedReason: 'recalled' });
    expect((await listRecentGatewayMessages(getDb(), org.orgId, 50)).find((m) => m.id === id)).toMatchObject({ subject: DESTROYED_SUBJECT, status: 'processed', envelopeFrom: `user0@${org.domain}` });
  });

  it('a canary delivered by SMTP over TLS: the recipient’s server gets it whole, the store and the database never see it, nor in the DSN of a bounce', async () => {
    const canary = `CANARY${randomBytes(8).toString('hex').toUpperCase()}`;
    const { mail } = canaryMail(canary, 'Quarterly figures');
    const info = await client().sendMail({ ...mail, to: ['pat@ok.example', 'nobody@reject.example'] });
    const id = acceptedId(info.response);
    expect(await processGatewayMessage(getDb(), id, { store: blobStore(), demo: false })).toBe('processed');
    const before = sinks['ok.example'].received.length;
    const run = await deliverGatewayMessage(getDb(), id, deliveryJobOptions(blobStore(), delivery));
    expect(run).toMatchObject({ delivered: ['pat@ok.example'], bounced: ['nobody@reject.example'] });
    const got = sinks['ok.example'].received.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0].secure).toBe(true);
    const body = got[0].body?.toString('latin1') ?? '';
    expect(body).toContain(`Subject: Quarterly figures ${canary}`);
    expect(body).toContain(`${canary} attachment line`);
    // Delivered and bounced: every delivery final, the raw copy is removed (its Subject stays for the mail-flow page).
    const finished = await gatewayRow(id);
    expect(finished.rawCopyRemovedAt).not.toBeNull();
    expect(inStore(finished.storageKey)).toBe(false);
    expect(await openGatewaySubject(finished)).toBe(`Quarterly figures ${canary}`);

    // The DSN to the sender quotes the original's header section: read from the sealed copy, stored sealed.
    const [dsn] = await getDb()
      .select(rawCopyColumns)
      .from(gatewayMessages)
      .innerJoin(gatewayRecipients, eq(gatewayRecipients.gatewayMessageId, gatewayMessages.id))
      .where(and(eq(gatewayMessages.orgId, org.orgId), eq(gatewayMessages.envelopeFrom, ''), eq(gatewayRecipients.address, `user0@${org.domain}`)));
    expect(dsn.fileKey).not.toBeNull();
    expect((await gatewayRow(dsn.id)).reportOf).toBe(id);
    const report = (await readAll(await openRawCopy(blobStore(), dsn))).toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
    expect(report).toContain(`Quarterly figures ${canary}`);
    expect(report).toContain('Final-Recipient: rfc822; nobody@reject.example');
    await expectNowhereAtRest(canary);
  });

  it('with AWS KMS: the raw copy and every part get KMS data keys; KMS down at acceptance is 451 4.3.0 and nothing is kept', async () => {
    const kms = await startFakeKms();
    try {
      setKeyProvidersForTests({ kms: kmsKeyProvider({ keyId: kms.keyId, region: 'eu-west-1', endpoint: kms.url, credentials: { accessKeyId: 'AKIATESTSTANDIN', secretAccessKey: 'stand-in-secret' } }) });
      const canary = `CANARY${randomBytes(8).toString('hex').toUpperCase()}`;
      const { file, mail } = canaryMail(canary, 'Via KMS [secure]');
      const id = acceptedId((await client().sendMail({ ...mail, to: ['pat@partner.example'] })).response);
      const row = await gatewayRow(id);
      expect(row.fileKeyWrap).toBe('upload-kms');
      expect(kms.calls.filter((c) => c.target === 'TrentService.GenerateDataKey' && c.encryptionContext.owner === id)).toHaveLength(1);
      expect(await openGatewaySubject(row)).toBe(`Via KMS [secure] ${canary}`);
      expect(await processGatewayMessage(getDb(), id, { store: blobStore(), demo: false })).toBe('processed');
      const [r] = await getDb().select().from(gatewayRecipients).where(eq(gatewayRecipients.gatewayMessageId, id));
      const [part] = await getDb().select({ id: attachments.id, fileKeyWrap: attachments.fileKeyWrap }).from(attachments).where(eq(attachments.messageId, r.secureMessageId ?? ''));
      expect(part.fileKeyWrap).toBe('message');
      expect(kms.calls.some((c) => c.target === 'TrentService.GenerateDataKey' && c.encryptionContext.owner === part.id)).toBe(true);
      const pat = await portalSession('pat@partner.example');
      expect((await readAll((await openAttachment({ user: pat, id: part.id })).stream)).equals(file)).toBe(true);
      await expectNowhereAtRest(canary);

      // No key to be had: the gateway cannot keep the message sealed, so it does not keep it at all.
      kms.setDown(true);
      const before = filesUnder(attachmentsRoot()).length;
      const refused = await client()
        .sendMail({ ...mail, to: ['pat@partner.example'] })
        .then(
          () => null,
          (error: { response?: string }) => error,
        );
      expect(refused?.response).toMatch(/^451 4\.3\.0 /);
      expect(filesUnder(attachmentsRoot())).toHaveLength(before);
      // Without KMS (a server not configured for it): the mail-flow page still lists the message, saying its subject cannot be read.
      setKeyProvidersForTests({ kms: null });
      const listed = (await listRecentGatewayMessages(getDb(), org.orgId, 50)).find((m) => m.id === id);
      expect(listed?.subject).toBe(UNREADABLE_SUBJECT);
    } finally {
      setKeyProvidersForTests({});
      await kms.close();
    }
  });

  it('a raw copy stored plain before encryption at rest is still processed, then removed once its work is over, and `keys migrate` seals its Subject', async () => {
    const canary = `CANARY${randomBytes(8).toString('hex').toUpperCase()}`;
    const store = blobStore();
    const storageKey = newStorageKey();
    const subject = `Old [secure] ${canary}`;
    const raw = Buffer.from(
      [
        `From: user1@${org.domain}`,
        'To: pat@partner.example',
        `Subject: ${subject}`,
        `Message-ID: <${storageKey.slice(6)}@${org.domain}>`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain',
        '',
        `Old body ${canary}`,
        '--b1',
        'Content-Type: text/plain; name="old.txt"',
        'Content-Disposition: attachment; filename="old.txt"',
        '',
        `Old file ${canary}`,
        '--b1--',
        '',
      ].join('\r\n'),
    );
    const stored = await store.put(storageKey, Readable.from([raw]), { maxBytes: raw.length });
    // As an older release wrote it: plain copy, plain Subject, no key.
    const [row] = await getDb()
      .insert(gatewayMessages)
      .values({ orgId: org.orgId, envelopeFrom: `user1@${org.domain}`, headerMessageId: `<${storageKey.slice(6)}@${org.domain}>`, subject, sizeBytes: stored.size, sha256: stored.sha256, storageKey })
      .returning({ id: gatewayMessages.id });
    await getDb().insert(gatewayRecipients).values({ gatewayMessageId: row.id, orgId: org.orgId, address: 'pat@partner.example' });

    // Not yet processed: the migration leaves it alone (the processing job reads it).
    await migratePlainContent({ store });
    expect((await gatewayRow(row.id)).fileKey).toBeNull();
    expect(await processGatewayMessage(getDb(), row.id, { store, demo: false })).toBe('processed');
    const [r] = await getDb().select().from(gatewayRecipients).where(eq(gatewayRecipients.gatewayMessageId, row.id));
    expect(r.status).toBe('secure_message');
    const [file] = await getDb().select({ id: attachments.id, sealed: attachments.sealed, fileKeyWrap: attachments.fileKeyWrap }).from(attachments).where(eq(attachments.messageId, r.secureMessageId ?? ''));
    expect(file).toMatchObject({ sealed: true, fileKeyWrap: 'message' });
    const pat = await portalSession('pat@partner.example');
    expect((await readAll((await openAttachment({ user: pat, id: file.id })).stream)).toString()).toBe(`Old file ${canary}`);
    expect((await listRecentGatewayMessages(getDb(), org.orgId, 50)).find((m) => m.id === row.id)?.subject).toBe(subject);

    // Processed, every recipient in the portal: the plain copy is removed at once; the migration seals the plain Subject.
    expect(inStore(storageKey)).toBe(false);
    const result = await migratePlainContent({ store });
    expect(result.gatewayMessages).toBeGreaterThanOrEqual(1);
    const sealed = await gatewayRow(row.id);
    expect(sealed).toMatchObject({ subject: null, fileKeyWrap: 'upload', sizeBytes: raw.length });
    expect(sealed.rawCopyRemovedAt).not.toBeNull();
    expect(await openGatewaySubject(sealed)).toBe(subject);
    await expect(openRawCopy(store, sealed)).rejects.toBeInstanceOf(RawCopyGoneError);
    await expectNowhereAtRest(canary);
  });
  it('recalled while a recipient is still deferred: the raw copy’s key, Subject and file go with the secure message, the deferred recipient is not sent, the page and the log keep the metadata', async () => {
    const canary = `CANARY${randomBytes(8).toString('hex').toUpperCase()}`;
    const { mail } = canaryMail(canary, 'Lab values');
    // sam's domain offers no TLS: a secure message (SMS policy); kim's server says "try later".
    const id = acceptedId((await client().sendMail({ ...mail, to: ['sam@notls.example', 'kim@defer.example'] })).response);
    expect(await processGatewayMessage(getDb(), id, { store: blobStore(), demo: false })).toBe('processed');
    expect(await deliverGatewayMessage(getDb(), id, deliveryJobOptions(blobStore(), delivery))).toMatchObject({ deferred: ['kim@defer.example'] });
    const kept = await gatewayRow(id);
    // kim still waits: the raw copy is kept, sealed, and opens.
    expect(kept.rawCopyRemovedAt).toBeNull();
    expect(inStore(kept.storageKey)).toBe(true);
    expect((await readAll(await openRawCopy(blobStore(), kept))).toString('latin1')).toContain(`${canary} attachment line`);
    const backup = await readFile(path.join(attachmentsRoot(), ...kept.storageKey.split('/')));
    const wrappedKey = kept.fileKey;
    if (!wrappedKey) throw new Error('no key');
    const [sam] = await getDb().select({ secureMessageId: gatewayRecipients.secureMessageId }).from(gatewayRecipients).where(and(eq(gatewayRecipients.gatewayMessageId, id), eq(gatewayRecipients.address, 'sam@notls.example')));

    await recallMessage({ actor: await actorFor(org.managerId), messageId: sam.secureMessageId ?? '' });
    const recalled = await gatewayRow(id);
    expect(recalled).toMatchObject({ fileKey: null, fileKeyWrap: null, subjectSealed: null, subject: null, contentDestroyedReason: 'recalled' });
    expect(recalled.rawCopyRemovedAt).not.toBeNull();
    // The file is gone; a backup of it is ciphertext whose key no longer exists anywhere in the database.
    expect(inStore(kept.storageKey)).toBe(false);
    expectAbsent(backup, canary, 'the backed-up raw copy');
    const dumped = await dump();
    expect(dumped.includes(wrappedKey.toString('hex'))).toBe(false);
    await expect(openRawCopy(blobStore(), recalled)).rejects.toBeInstanceOf(RawCopyGoneError);
    await expectNowhereAtRest(canary);

    // kim's retry: nothing is sent, a `dropped` event says why, and no DSN (it would quote the destroyed headers).
    const later = new Date(Date.now() + 10 * 60_000);
    const received = sinks['defer.example'].received.length;
    expect(await deliverGatewayMessage(getDb(), id, deliveryJobOptions(blobStore(), { ...delivery, now: later }))).toMatchObject({ bounced: ['kim@defer.example'], delivered: [] });
    expect(sinks['defer.example'].received).toHaveLength(received);
    expect(await getDb().$count(gatewayMessages, eq(gatewayMessages.reportOf, id))).toBe(0);

    // The mail-flow page and the delivery log keep who, when and what happened.
    const listed = (await listRecentGatewayMessages(getDb(), org.orgId, 50)).find((m) => m.id === id);
    expect(listed).toMatchObject({ subject: DESTROYED_SUBJECT, envelopeFrom: `user0@${org.domain}` });
    expect(listed?.recipients.map((r) => [r.address, r.status])).toEqual([
      ['kim@defer.example', 'bounced'],
      ['sam@notls.example', 'secure_message'],
    ]);
    const events = await getDb()
      .select({ recipient: deliveryEvents.recipient, event: deliveryEvents.event, diagnostic: deliveryEvents.diagnostic })
      .from(deliveryEvents)
      .where(and(eq(deliveryEvents.orgId, org.orgId), eq(deliveryEvents.messageId, eventMessageId({ id, headerMessageId: (await getDb().select({ h: gatewayMessages.headerMessageId }).from(gatewayMessages).where(eq(gatewayMessages.id, id)))[0].h }))))
      .orderBy(asc(deliveryEvents.id));
    expect(events.map((e) => [e.recipient, e.event])).toEqual([
      ['sam@notls.example', 'delivered'],
      ['kim@defer.example', 'deferred'],
      ['kim@defer.example', 'dropped'],
    ]);
    expect(events[2].diagnostic).toMatch(/recalled/);
  });

  it('deleted by the sender and every recipient: the gateway row loses its key and Subject in the transaction with the audit event', async () => {
    const canary = `CANARY${randomBytes(8).toString('hex').toUpperCase()}`;
    const { mail } = canaryMail(canary, 'Delete me [secure]');
    const id = acceptedId((await client().sendMail({ ...mail, to: ['pat@partner.example'] })).response);
    expect(await processGatewayMessage(getDb(), id, { store: blobStore(), demo: false })).toBe('processed');
    const processed = await gatewayRow(id);
    expect(inStore(processed.storageKey)).toBe(false);
    expect(await openGatewaySubject(processed)).toBe(`Delete me [secure] ${canary}`);
    const [r] = await getDb().select({ secureMessageId: gatewayRecipients.secureMessageId }).from(gatewayRecipients).where(eq(gatewayRecipients.gatewayMessageId, id));
    const messageId = r.secureMessageId ?? '';
    await deleteMessage({ user: await portalSession('pat@partner.example'), id: messageId });
    expect((await gatewayRow(id)).subjectSealed).not.toBeNull();
    await deleteMessage({ user: await portalSession(`user0@${org.domain}`), id: messageId });
    expect(await gatewayRow(id)).toMatchObject({ fileKey: null, subjectSealed: null, contentDestroyedReason: 'deleted' });
    expect(await getDb().$count(auditEvents, and(eq(auditEvents.targetId, messageId), eq(auditEvents.action, 'secure_messages.content_destroyed')))).toBe(1);
    expect((await listRecentGatewayMessages(getDb(), org.orgId, 50)).find((m) => m.id === id)).toMatchObject({ subject: DESTROYED_SUBJECT, status: 'processed' });
    await expectNowhereAtRest(canary);
  });

  it('past the retention period: the gateway row loses its key and Subject with the secure message', async () => {
    const canary = `CANARY${randomBytes(8).toString('hex').toUpperCase()}`;
    const { mail } = canaryMail(canary, 'Old news [secure]');
    const id = acceptedId((await client().sendMail({ ...mail, to: ['pat@partner.example'] })).response);
    expect(await processGatewayMessage(getDb(), id, { store: blobStore(), demo: false })).toBe('processed');
    const [r] = await getDb().select({ secureMessageId: gatewayRecipients.secureMessageId }).from(gatewayRecipients).where(eq(gatewayRecipients.gatewayMessageId, id));
    const messageId = r.secureMessageId ?? '';
    await getDb().update(secureMessages).set({ sentAt: new Date(Date.now() - 3 * 86_400_000) }).where(eq(secureMessages.id, messageId));
    await getDb().update(organisations).set({ messageRetentionDays: 1 }).where(eq(organisations.id, org.orgId));
    try {
      await destroyExpiredContent(new Date());
    } finally {
      await getDb().update(organisations).set({ messageRetentionDays: null }).where(eq(organisations.id, org.orgId));
    }
    expect(await gatewayRow(id)).toMatchObject({ fileKey: null, subjectSealed: null, contentDestroyedReason: 'expired' });
    expect((await listRecentGatewayMessages(getDb(), org.orgId, 50)).find((m) => m.id === id)?.subject).toBe(DESTROYED_SUBJECT);
    await expectNowhereAtRest(canary);
  });

  it('the hourly clean-up removes raw copies whose deliveries were all final before this release', async () => {
    const store = blobStore();
    const storageKey = newStorageKey();
    const raw = Buffer.from(`From: user1@${org.domain}\r\nTo: pat@ok.example\r\nSubject: Delivered long ago\r\n\r\nHello\r\n`);
    const stored = await store.put(storageKey, Readable.from([raw]), { maxBytes: raw.length });
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    const [row] = await getDb()
      .insert(gatewayMessages)
      .values({ orgId: org.orgId, envelopeFrom: `user1@${org.domain}`, subject: 'Delivered long ago', sizeBytes: stored.size, sha256: stored.sha256, storageKey, status: 'processed', receivedAt: twoHoursAgo, processedAt: twoHoursAgo })
      .returning({ id: gatewayMessages.id });
    await getDb().insert(gatewayRecipients).values({ gatewayMessageId: row.id, orgId: org.orgId, address: 'pat@ok.example', status: 'delivered' });
    const [waiting] = await getDb()
      .insert(gatewayMessages)
      .values({ orgId: org.orgId, envelopeFrom: `user1@${org.domain}`, subject: 'Still deferred', sizeBytes: stored.size, sha256: stored.sha256, storageKey: newStorageKey(), status: 'processed', receivedAt: twoHoursAgo, processedAt: twoHoursAgo })
      .returning({ id: gatewayMessages.id });
    await getDb().insert(gatewayRecipients).values({ gatewayMessageId: waiting.id, orgId: org.orgId, address: 'pat@ok.example', status: 'deferred' });
    expect(await removeFinishedRawCopies(getDb(), new Date(), store)).toBeGreaterThanOrEqual(1);
    expect(inStore(storageKey)).toBe(false);
    expect((await gatewayRow(row.id)).rawCopyRemovedAt).not.toBeNull();
    expect((await gatewayRow(waiting.id)).rawCopyRemovedAt).toBeNull();
  });
});
