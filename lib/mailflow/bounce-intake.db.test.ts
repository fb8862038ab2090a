import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { and, asc, eq } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, deliveryEvents, gatewayMessages, gatewayRecipients, suppressions } from '@/db/schema';
import { stopBoss } from '@/lib/jobs/runtime';
import { blobStore, newStorageKey } from '@/lib/storage/storage';
import { watchProcess } from '@/tests/faults/support';
import { createTestOrg } from '@/tests/factories';
import { deliverGatewayMessage, deliveryJobOptions, returnPathKeyFrom, type DeliveryJobOptions } from './deliver-message';
import { startGateway, type Gateway } from './gateway';
import { openGatewaySubject, openRawCopy, rawCopyColumns } from './raw-copy';
import { returnPathFor, staticResolver } from './outbound';
import { createTestCa, startMx, type TestMx } from './outbound/test-servers';

/**
 * Bounces at the gateway's return paths, over real SMTP: the delivery job carries a message to a
 * recipient's server (an smtp-server sink) from its signed return path; later that server sends a
 * DSN to the return path, from the internet (no connector, no AUTH), and the gateway turns it into
 * a classified bounce event on that message and recipient (and a suppression for a hard bounce).
 */
const HOSTNAME = 'bounces.gw.sealpost.test';
const key = returnPathKeyFrom('bounce-intake-test-secret');
let dataDir = '';
const previousDataDir = process.env.SEALPOST_DATA_DIR;
let org: Awaited<ReturnType<typeof createTestOrg>>;
let gateway: Gateway;
let caCert = '';
let sink: TestMx;
let options: DeliveryJobOptions;
const watch = watchProcess();

/** A processed gateway message queued for one recipient (the processing job's result, written directly). */
async function storedMessage(to: string, subject: string): Promise<{ id: string; headerMessageId: string }> {
  const store = blobStore();
  const storageKey = newStorageKey();
  const headerMessageId = `<${storageKey}@${org.domain}>`;
  const raw = Buffer.from(`From: user0@${org.domain}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: ${headerMessageId}\r\n\r\nHello.\r\n`);
  const stored = await store.put(storageKey, Readable.from([raw]), { maxBytes: raw.length });
  const [message] = await getDb()
    .insert(gatewayMessages)
    .values({ orgId: org.orgId, envelopeFrom: `user0@${org.domain}`, headerMessageId, subject, sizeBytes: stored.size, sha256: stored.sha256, storageKey, status: 'processed' })
    .returning({ id: gatewayMessages.id });
  await getDb().insert(gatewayRecipients).values({ gatewayMessageId: message.id, orgId: org.orgId, address: to, status: 'queued_for_delivery', outcome: 'plain' });
  return { id: message.id, headerMessageId };
}

/** The DSN a recipient's server writes some time after it accepted the message (RFC 3464, with the returned headers). */
function dsnFor(returned: Buffer, input: { to: string; recipient: string; status: string; diagnostic: string }): string {
  const text = returned.toString('latin1');
  const headers = text.slice(0, text.indexOf('\r\n\r\n') + 2);
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.partner.example>',
    `To: ${input.to}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Date: Mon, 07 Dec 2026 09:00:05 +0000',
    'Message-ID: <dsn-1@mx.partner.example>',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="R"',
    '',
    '--R',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Your message could not be delivered to one or more recipients.',
    '',
    '--R',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.partner.example',
    '',
    `Final-Recipient: rfc822; ${input.recipient}`,
    'Action: failed',
    `Status: ${input.status}`,
    `Diagnostic-Code: smtp; ${input.diagnostic}`,
    '',
    '--R',
    'Content-Type: text/rfc822-headers',
    '',
    headers,
    '--R--',
    '',
  ].join('\r\n');
}

/** Mail from the internet: no AUTH, the null sender of a bounce. */
function send(to: string, raw: string) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: gateway.port, secure: false, tls: { ca: caCert } });
  return transport.sendMail({ envelope: { from: '', to: [to] }, raw });
}

function refusalOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: { response?: string }) => error.response ?? '',
  );
}

async function eventsFor(recipient: string) {
  return getDb().select().from(deliveryEvents).where(and(eq(deliveryEvents.orgId, org.orgId), eq(deliveryEvents.recipient, recipient))).orderBy(asc(deliveryEvents.id));
}

/** Delivers one message to the sink and answers its return path and the copy the sink received. */
async function delivered(to: string, subject: string) {
  const message = await storedMessage(to, subject);
  const run = await deliverGatewayMessage(getDb(), message.id, options);
  expect(run.delivered).toEqual([to]);
  const copy = sink.received.find((r) => r.to.includes(to));
  if (!copy?.body) throw new Error('the sink kept no copy');
  return { ...message, returnPath: copy.from, copy: copy.body };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-bounce-intake-'));
  process.env.SEALPOST_DATA_DIR = dataDir;
  const ca = createTestCa();
  caCert = ca.cert;
  org = await createTestOrg({ licensed: 1 });
  sink = await startMx({ tls: ca.issue(['mx.partner.example']), keepBodies: true });
  options = deliveryJobOptions(blobStore(), {
    demo: false,
    hostname: HOSTNAME,
    returnPathKey: key,
    relay: null,
    resolver: staticResolver({ mx: { 'partner.example': [{ exchange: 'mx.partner.example', priority: 10 }] }, a: { 'mx.partner.example': ['127.0.0.1'] } }),
    ports: { 'mx.partner.example': sink.port },
    ca: ca.cert,
    timeouts: { connect: 3000, greeting: 3000, socket: 10_000 },
  });
  gateway = await startGateway({
    host: '127.0.0.1',
    hostname: HOSTNAME,
    tls: ca.issue(['localhost', '127.0.0.1']),
    maxMessageBytes: 1024 * 1024,
    maxRecipients: 5,
    rateLimitPerMinute: 1000,
    closeTimeoutSeconds: 1,
    port: 0,
    bounces: { domain: HOSTNAME, keys: [key] },
  });
});

afterAll(async () => {
  await gateway?.close();
  await sink?.close();
  await stopBoss();
  watch.stop();
  if (previousDataDir === undefined) delete process.env.SEALPOST_DATA_DIR;
  else process.env.SEALPOST_DATA_DIR = previousDataDir;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('bounces at the return path', () => {
  it('a DSN sent later by the recipient’s server becomes a hard bounce on that message and recipient, suppressed with an audit event', async () => {
    const { headerMessageId, returnPath, copy } = await delivered('gone@partner.example', 'Contract');
    expect(returnPath).toMatch(new RegExp(`^bounce\\+[0-9a-f]{32}-[0-9a-f]{16}@${HOSTNAME.replace(/\./g, '\\.')}$`));

    const info = await send(returnPath, dsnFor(copy, { to: returnPath, recipient: 'gone@partner.example', status: '5.1.1', diagnostic: '550 5.1.1 <gone@partner.example>: Recipient address rejected: User unknown' }));
    expect(info.response).toMatch(/^250 2\.0\.0 Bounce received/);

    const events = await eventsFor('gone@partner.example');
    expect(events.map((e) => [e.event, e.source, e.messageId, e.sender, e.reason, e.bounceClass, e.route])).toEqual([
      ['delivered', 'gateway', headerMessageId, `user0@${org.domain}`, null, null, 'tls_verified'],
      // The bounce carries the route its delivery took.
      ['bounced', 'gateway', headerMessageId, `user0@${org.domain}`, 'user_unknown', 'hard', 'tls_verified'],
    ]);
    expect(events[0].tlsVersion).toMatch(/^TLSv1\.[23]$/);
    expect(events[1].remoteServer).toBe('mx.partner.example');
    const [suppressed] = await getDb().select().from(suppressions).where(and(eq(suppressions.orgId, org.orgId), eq(suppressions.address, 'gone@partner.example')));
    expect(suppressed).toMatchObject({ source: 'hard_bounce', reason: 'user_unknown', eventId: events[1].id, createdBy: 'Sealpost' });
    const audits = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'suppressions.added_automatically')));
    expect(audits.map((a) => [a.actorType, a.targetLabel, a.targetId])).toEqual([['system', 'gone@partner.example', suppressed.id]]);
    expect(audits[0].summary).toBe('gone@partner.example added to the suppression list: hard bounce (user unknown)');
  });

  it('the next message to the suppressed address is not sent: a dropped event and a DSN telling the sender why', async () => {
    const before = sink.received.length;
    const message = await storedMessage('gone@partner.example', 'Second try');
    const run = await deliverGatewayMessage(getDb(), message.id, options);
    expect(run.bounced).toEqual(['gone@partner.example']);
    expect(sink.received.length).toBe(before);
    const [recipient] = await getDb().select().from(gatewayRecipients).where(eq(gatewayRecipients.gatewayMessageId, message.id));
    expect(recipient.status).toBe('bounced');
    const events = await getDb().select().from(deliveryEvents).where(and(eq(deliveryEvents.orgId, org.orgId), eq(deliveryEvents.messageId, message.headerMessageId)));
    expect(events.map((e) => [e.event, e.recipient, e.route, e.reason])).toEqual([['dropped', 'gone@partner.example', null, null]]);
    expect(events[0].diagnostic).toMatch(/^Not sent: gone@partner\.example is on the organisation's suppression list \(user unknown: /);
    // The DSN goes to the sender like any gateway message, from the null return path.
    const dsns = await getDb()
      .select({ ...rawCopyColumns, to: gatewayRecipients.address })
      .from(gatewayMessages)
      .innerJoin(gatewayRecipients, eq(gatewayRecipients.gatewayMessageId, gatewayMessages.id))
      .where(and(eq(gatewayMessages.orgId, org.orgId), eq(gatewayMessages.envelopeFrom, '')));
    expect(dsns.map((d) => d.to)).toEqual([`user0@${org.domain}`]);
    const chunks: Buffer[] = [];
    // Stored sealed (it quotes the original's headers): opened with its key.
    expect(dsns[0].fileKey).not.toBeNull();
    expect(await openGatewaySubject(dsns[0])).toBe('Undelivered Mail Returned to Sender');
    for await (const chunk of await openRawCopy(blobStore(), dsns[0])) chunks.push(chunk as Buffer);
    const dsn = Buffer.concat(chunks).toString('utf8').replace(/\r?\n[ \t]+/g, ' ');
    expect(dsn).toContain('Final-Recipient: rfc822; gone@partner.example');
    expect(dsn).toContain('Status: 5.7.1');
    expect(dsn).toMatch(/suppression list/);
  });

  it('a full mailbox is a soft bounce: an event, no suppression', async () => {
    const { returnPath, copy } = await delivered('full@partner.example', 'Invoice');
    await send(returnPath, dsnFor(copy, { to: returnPath, recipient: 'full@partner.example', status: '5.2.2', diagnostic: '552 5.2.2 Mailbox full' }));
    const events = await eventsFor('full@partner.example');
    expect(events.map((e) => [e.event, e.reason, e.bounceClass])).toEqual([
      ['delivered', null, null],
      ['bounced', 'mailbox_full', 'soft'],
    ]);
    expect(await getDb().select().from(suppressions).where(and(eq(suppressions.orgId, org.orgId), eq(suppressions.address, 'full@partner.example')))).toEqual([]);
  });

  it('a bounce naming another address for a one-recipient message (a forwarded mailbox) is the message’s recipient’s', async () => {
    const { returnPath, copy } = await delivered('alias@partner.example', 'Forwarded');
    await send(returnPath, dsnFor(copy, { to: returnPath, recipient: 'final@elsewhere.example', status: '5.1.1', diagnostic: '550 5.1.1 User unknown' }));
    expect((await eventsFor('alias@partner.example')).map((e) => e.event)).toEqual(['delivered', 'bounced']);
    expect(await eventsFor('final@elsewhere.example')).toEqual([]);
  });

  it('refuses unauthenticated mail for anything but a valid return path of a message still kept, storing nothing', async () => {
    const { returnPath, copy } = await delivered('kept@partner.example', 'Kept');
    const dsn = (to: string) => dsnFor(copy, { to, recipient: 'kept@partner.example', status: '5.1.1', diagnostic: '550 5.1.1 User unknown' });
    // Another address: as without a connector, 530.
    expect(await refusalOf(send('pat@partner.example', dsn('pat@partner.example')))).toMatch(/^530 5\.7\.0 Authentication required/);
    // A forged return path: the MAC of another message, or one digit changed.
    const [local] = returnPath.split('@');
    const flipped = `${local.slice(0, -1)}${local.endsWith('0') ? '1' : '0'}@${HOSTNAME}`;
    expect(await refusalOf(send(flipped, dsn(flipped)))).toMatch(/^530 5\.7\.0/);
    const otherMessage = returnPath.replace(/^bounce\+[0-9a-f]{32}/, `bounce+${randomUUID().replace(/-/g, '')}`);
    expect(await refusalOf(send(otherMessage, dsn(otherMessage)))).toMatch(/^530 5\.7\.0/);
    // Signed with another key, or at another domain.
    const foreign = returnPathFor({ messageId: randomUUID(), bounceDomain: HOSTNAME, key: 'not-our-key' });
    expect(await refusalOf(send(foreign, dsn(foreign)))).toMatch(/^530 5\.7\.0/);
    // Correctly signed, but for a message we do not keep: 550 5.1.1.
    const gone = returnPathFor({ messageId: randomUUID(), bounceDomain: HOSTNAME, key });
    expect(await refusalOf(send(gone, dsn(gone)))).toMatch(/^550 5\.1\.1 No such return path/);
    expect((await eventsFor('kept@partner.example')).map((e) => e.event)).toEqual(['delivered']);
    expect(await getDb().select().from(suppressions).where(and(eq(suppressions.orgId, org.orgId), eq(suppressions.address, 'kept@partner.example')))).toEqual([]);
  });

  it('an unreadable message at a return path is an unparsed bounce on that message, kept for a look by hand', async () => {
    const { headerMessageId, returnPath } = await delivered('odd@partner.example', 'Odd');
    const info = await send(returnPath, `From: someone@partner.example\r\nTo: ${returnPath}\r\nSubject: Out of office\r\n\r\nI am away until Monday.\r\n`);
    expect(info.response).toMatch(/^250 /);
    const events = await getDb().select().from(deliveryEvents).where(and(eq(deliveryEvents.orgId, org.orgId), eq(deliveryEvents.messageId, headerMessageId))).orderBy(asc(deliveryEvents.id));
    expect(events.map((e) => [e.event, e.recipient])).toEqual([
      ['delivered', 'odd@partner.example'],
      ['unparsed', 'odd@partner.example'],
    ]);
    expect(events[1].diagnostic).toMatch(/^Unparsed bounce: /);
    await watch.settle();
    expect(watch.crashes).toEqual([]);
  });
});
