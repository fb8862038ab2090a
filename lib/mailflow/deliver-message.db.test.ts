import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { and, asc, eq } from 'drizzle-orm';
import { openMessageContent } from '@/lib/crypto/envelope';
import { contentColumns } from '@/lib/messaging/content';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { deliveryEvents, gatewayMessages, gatewayRecipients, outboxMessages, policies, secureMessages } from '@/db/schema';
import { getBoss, stopBoss } from '@/lib/jobs/runtime';
import { startWorkers } from '@/lib/jobs/workers';
import { outboxTransport } from '@/lib/mail/transport';
import { blobStore, newStorageKey } from '@/lib/storage/storage';
import { waitFor, watchProcess } from '@/tests/faults/support';
import { actorFor, createTestOrg } from '@/tests/factories';
import { createConnector } from './connectors';
import { deliverGatewayMessage, deliveryJobOptions, resumeStalledDeliveries, type DeliveryJobOptions } from './deliver-message';
import { startGateway, type Gateway } from './gateway';
import { mailFlowLastDay } from './queries';
import { parseReturnPath, staticResolver } from './outbound';
import { createTestCa, reply, startMx, type TestMx } from './outbound/test-servers';

/**
 * The delivery job against real SMTP: mail goes in through the gateway (Nodemailer as the
 * organisation's server), the processing job queues it, and the delivery job carries it to
 * smtp-server sinks on 127.0.0.1 standing in for the recipients' MX hosts (a CA made in this run;
 * the resolver, ports and CA reach the job through its options, not the environment).
 */
const HOSTNAME = 'gw.sealpost.test';
let dataDir = '';
const previousDataDir = process.env.SEALPOST_DATA_DIR;
let org: Awaited<ReturnType<typeof createTestOrg>>;
let relay: { user: string; secret: string };
let gateway: Gateway;
let gatewayTls: { key: string; cert: string };
let caCert = '';
const sinks: Record<string, TestMx> = {};
let overrides: Partial<Omit<DeliveryJobOptions, 'store'>> = {};
const watch = watchProcess();

function client() {
  return nodemailer.createTransport({ host: '127.0.0.1', port: gateway.port, secure: false, requireTLS: true, auth: { user: relay.user, pass: relay.secret }, tls: { ca: caCert } });
}

async function send(to: string, subject: string): Promise<string> {
  const info = await client().sendMail({ from: `user0@${org.domain}`, to, subject, text: `Body of ${subject}` });
  const match = /Accepted as ([0-9a-f-]{36})/.exec(info.response);
  if (!match) throw new Error(`not accepted: ${info.response}`);
  return match[1];
}

async function recipientOf(id: string) {
  const [row] = await getDb().select().from(gatewayRecipients).where(eq(gatewayRecipients.gatewayMessageId, id));
  return row;
}

async function settled(id: string, statuses: string[]) {
  return waitFor(async () => {
    const row = await recipientOf(id);
    return row && statuses.includes(row.status) ? row : null;
  }, `message ${id} to reach ${statuses.join('/')}`, 20_000);
}

async function eventsFor(recipient: string) {
  return getDb().select().from(deliveryEvents).where(and(eq(deliveryEvents.orgId, org.orgId), eq(deliveryEvents.recipient, recipient))).orderBy(asc(deliveryEvents.id));
}

/** A processed gateway message queued for one recipient, written directly (no job enqueued: the test runs the delivery). */
async function storedMessage(from: string, to: string, subject: string): Promise<string> {
  const store = blobStore();
  const key = newStorageKey();
  const raw = Buffer.from(`From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${key}@${org.domain}>\r\n\r\nPlain text through the demo connector.\r\n`);
  const stored = await store.put(key, Readable.from([raw]), { maxBytes: raw.length });
  const [message] = await getDb()
    .insert(gatewayMessages)
    .values({ orgId: org.orgId, envelopeFrom: from, headerMessageId: `<${key}@${org.domain}>`, subject, sizeBytes: stored.size, sha256: stored.sha256, storageKey: key, status: 'processed' })
    .returning({ id: gatewayMessages.id });
  await getDb().insert(gatewayRecipients).values({ gatewayMessageId: message.id, orgId: org.orgId, address: to, status: 'queued_for_delivery', outcome: 'plain' });
  return message.id;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-delivery-'));
  process.env.SEALPOST_DATA_DIR = dataDir;
  const ca = createTestCa();
  caCert = ca.cert;
  gatewayTls = ca.issue(['localhost', '127.0.0.1']);
  org = await createTestOrg({ licensed: 2 });
  const created = await createConnector({ actor: await actorFor(org.ownerId), name: 'Relay', smtpUsername: `relay-${org.domain.split('.')[0]}` });
  if (!created.secret || !created.smtpUsername) throw new Error('no secret');
  relay = { user: created.smtpUsername, secret: created.secret };
  await getDb().insert(policies).values({ orgId: org.orgId, name: 'TLS for contracts', position: 1, conditionKind: 'subject_contains', conditionValue: '[tls]', delivery: 'tls_required' });

  sinks['ok.example'] = await startMx({ tls: ca.issue(['mx.ok.example']), keepBodies: true });
  sinks['slow.example'] = await startMx({ tls: ca.issue(['mx.slow.example']), onRcptTo: (_a, n) => (n === 1 ? reply(451, '4.3.0 Greylisted, try again later') : null) });
  sinks['reject.example'] = await startMx({ tls: ca.issue(['mx.reject.example']), onRcptTo: () => reply(550, '5.1.1 No such user here') });
  sinks['notls.example'] = await startMx({ tls: null });
  sinks['down.example'] = await startMx({ tls: ca.issue(['mx.down.example']), onRcptTo: () => reply(451, '4.2.1 Mailbox busy') });
  // The organisation's own server: where DSNs to its senders go.
  sinks[org.domain] = await startMx({ tls: ca.issue([`mx.${org.domain}`]), keepBodies: true });
  const mx = Object.fromEntries(Object.keys(sinks).map((d) => [d, [{ exchange: `mx.${d}`, priority: 10 }]]));
  const a = Object.fromEntries(Object.keys(sinks).map((d) => [`mx.${d}`, ['127.0.0.1']]));
  const ports = Object.fromEntries(Object.entries(sinks).map(([d, s]) => [`mx.${d}`, s.port]));
  overrides = { demo: false, hostname: HOSTNAME, relay: null, resolver: staticResolver({ mx, a }), ports, ca: ca.cert, timeouts: { connect: 3000, greeting: 3000, socket: 10_000 } };

  gateway = await startGateway({ host: '127.0.0.1', hostname: 'localhost', tls: gatewayTls, maxMessageBytes: 1024 * 1024, maxRecipients: 5, rateLimitPerMinute: 1000, closeTimeoutSeconds: 1, port: 0 });
  await startWorkers(await getBoss(), getDb(), { email: outboxTransport, sms: outboxTransport }, { pollingIntervalSeconds: 0.5, delivery: overrides });
});

afterAll(async () => {
  await gateway?.close();
  await stopBoss();
  await Promise.all(Object.values(sinks).map((s) => s.close()));
  watch.stop();
  if (previousDataDir === undefined) delete process.env.SEALPOST_DATA_DIR;
  else process.env.SEALPOST_DATA_DIR = previousDataDir;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('SMTP delivery of gateway mail', () => {
  it('plain mail is delivered to the recipient’s server once, from a VERP return path, with a delivery event', async () => {
    const id = await send('pat@ok.example', 'Lunch');
    const row = await settled(id, ['delivered', 'deferred', 'bounced']);
    expect([row.status, row.attempts, row.nextAttemptAt]).toEqual(['delivered', 1, null]);
    const sink = sinks['ok.example'];
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0].to).toEqual(['pat@ok.example']);
    expect(sink.received[0].secure).toBe(true);
    expect(sink.received[0].body?.toString()).toContain('Body of Lunch');
    expect(parseReturnPath(sink.received[0].from, { bounceDomain: HOSTNAME, key: deliveryJobOptions(blobStore(), overrides).returnPathKey })).toEqual({ messageId: id, recipientIndex: null });
    const events = await eventsFor('pat@ok.example');
    expect(events.map((e) => [e.event, e.method, e.remoteServer, e.smtpCode])).toEqual([['delivered', 'tls', 'mx.ok.example', 250]]);
    expect(events[0].diagnostic).toMatch(/TLS TLSv1\.[23], certificate verified/);
  });

  it('a 4xx defers with a retry time and a deferred event; the next attempt delivers', async () => {
    const id = await send('sam@slow.example', 'Greylisted');
    const first = await settled(id, ['deferred', 'delivered', 'bounced']);
    expect(first.status).toBe('deferred');
    expect(first.attempts).toBe(1);
    const next = first.nextAttemptAt;
    if (!next || !first.lastAttemptAt) throw new Error('no retry time');
    // 5 minutes after the first attempt (retryAt's first step).
    expect(next.getTime() - first.lastAttemptAt.getTime()).toBe(5 * 60_000);
    // Before it is due nothing happens; at the retry time (the job's startAfter) it is delivered.
    const early = await deliverGatewayMessage(getDb(), id, deliveryJobOptions(blobStore(), { ...overrides, now: new Date(next.getTime() - 60_000) }));
    expect(early.delivered).toEqual([]);
    const run = await deliverGatewayMessage(getDb(), id, deliveryJobOptions(blobStore(), { ...overrides, now: next }));
    expect(run.delivered).toEqual(['sam@slow.example']);
    expect((await recipientOf(id)).status).toBe('delivered');
    const events = await eventsFor('sam@slow.example');
    expect(events.map((e) => [e.event, e.smtpCode])).toEqual([['deferred', 451], ['delivered', 250]]);
    expect(events[0].enhancedCode).toBe('4.3.0');
    expect(sinks['slow.example'].received).toHaveLength(1);
  });

  it('a 5xx bounces at once with a bounce event and a DSN to the sender through their domain’s server', async () => {
    const id = await send('nobody@reject.example', 'Invoice 42');
    const row = await settled(id, ['bounced', 'deferred', 'delivered']);
    expect(row.status).toBe('bounced');
    const events = await eventsFor('nobody@reject.example');
    expect(events.map((e) => [e.event, e.smtpCode, e.enhancedCode, e.bounceClass])).toEqual([['bounced', 550, '5.1.1', 'hard']]);
    const orgSink = sinks[org.domain];
    await waitFor(async () => orgSink.received.length > 0 || null, 'the DSN to arrive', 20_000);
    expect(orgSink.received).toHaveLength(1);
    const dsn = orgSink.received[0];
    expect([dsn.from, dsn.to]).toEqual(['', [`user0@${org.domain}`]]);
    const text = dsn.body?.toString() ?? '';
    expect(text).toContain('multipart/report');
    expect(text).toContain('Final-Recipient: rfc822; nobody@reject.example');
    expect(text).toContain('Status: 5.1.1');
    expect(text).toContain('Subject: Invoice 42');
    expect(sinks['reject.example'].received).toHaveLength(0);
  });

  it('TLS required and the server offers no STARTTLS: a secure message instead, the server received nothing', async () => {
    const id = await send('kim@notls.example', 'Contract [tls]');
    const row = await settled(id, ['secure_message', 'deferred', 'delivered', 'bounced']);
    expect([row.status, row.outcome, row.tlsRequired]).toEqual(['secure_message', 'tls_required', true]);
    const [message] = await getDb().select(contentColumns).from(secureMessages).where(eq(secureMessages.id, row.secureMessageId ?? ''));
    expect((await openMessageContent(message))?.subject).toBe('Contract [tls]');
    const events = await eventsFor('kim@notls.example');
    expect(events.map((e) => [e.event, e.method])).toEqual([['delivered', 'secure_portal']]);
    expect(events[0].diagnostic).toMatch(/TLS is required but mx\.notls\.example offered no verified TLS/);
    const sink = sinks['notls.example'];
    expect(sink.received).toHaveLength(0);
    expect(sink.events.filter((e) => e.startsWith('mail:') || e.startsWith('rcpt:') || e === 'data')).toEqual([]);
  });

  it('still deferred when the retry period is over: bounced (4.4.7, delivery time expired) and a DSN queued for the sender', async () => {
    const id = await storedMessage(`user1@${org.domain}`, 'jo@down.example', 'Old news');
    const now = new Date();
    await getDb()
      .update(gatewayRecipients)
      .set({ status: 'deferred', attempts: 30, firstAttemptAt: new Date(now.getTime() - 5 * 86_400_000 - 60_000), lastAttemptAt: new Date(now.getTime() - 3_600_000) })
      .where(eq(gatewayRecipients.gatewayMessageId, id));
    const run = await deliverGatewayMessage(getDb(), id, deliveryJobOptions(blobStore(), { ...overrides, retryDays: 5, now }));
    expect([run.bounced, run.deferred, run.nextRunAt]).toEqual([['jo@down.example'], [], null]);
    expect([(await recipientOf(id)).status, (await recipientOf(id)).attempts]).toEqual(['bounced', 31]);
    const [event] = await eventsFor('jo@down.example');
    expect([event.event, event.smtpCode, event.enhancedCode, event.bounceClass]).toEqual(['bounced', 451, '4.4.7', 'soft']);
    expect(event.diagnostic).toMatch(/^Delivery time expired: gave up after 5 days of trying\. Last error: 451 4\.2\.1 Mailbox busy/);
    // The DSN is a gateway message of its own with the null return path, queued for the sender.
    const dsns = await getDb()
      .select({ id: gatewayMessages.id, envelopeFrom: gatewayMessages.envelopeFrom, address: gatewayRecipients.address })
      .from(gatewayMessages)
      .innerJoin(gatewayRecipients, eq(gatewayRecipients.gatewayMessageId, gatewayMessages.id))
      .where(and(eq(gatewayMessages.orgId, org.orgId), eq(gatewayMessages.envelopeFrom, ''), eq(gatewayRecipients.address, `user1@${org.domain}`)));
    expect(dsns).toHaveLength(1);
    await waitFor(async () => sinks[org.domain].received.find((m) => m.to.includes(`user1@${org.domain}`)) ?? null, 'the DSN to arrive', 20_000);
  });

  it('a recipient queued before the delivery job existed (no job) is picked up by the hourly sweep and delivered', async () => {
    const id = await storedMessage(`user1@${org.domain}`, 'old@ok.example', 'Queued long ago');
    await getDb().update(gatewayRecipients).set({ updatedAt: new Date(Date.now() - 2 * 3_600_000) }).where(eq(gatewayRecipients.gatewayMessageId, id));
    // Fresh ones are left to their own jobs.
    const fresh = await storedMessage(`user1@${org.domain}`, 'new@ok.example', 'Just queued');
    expect(await resumeStalledDeliveries(getDb(), new Date())).toBe(1);
    expect((await settled(id, ['delivered', 'deferred', 'bounced'])).status).toBe('delivered');
    expect((await recipientOf(fresh)).status).toBe('queued_for_delivery');
  });

  it('demo mode: the outbox stands in for the recipient’s server, delivered over TLS', async () => {
    const store = blobStore();
    const message = { id: await storedMessage(`user1@${org.domain}`, 'lee@anywhere.example', 'Demo hello') };
    const run = await deliverGatewayMessage(getDb(), message.id, deliveryJobOptions(store, { ...overrides, demo: true }));
    expect(run.delivered).toEqual(['lee@anywhere.example']);
    expect((await recipientOf(message.id)).status).toBe('delivered');
    const outbox = await getDb().select().from(outboxMessages).where(and(eq(outboxMessages.recipient, 'lee@anywhere.example'), eq(outboxMessages.kind, 'relayed_mail')));
    expect(outbox.map((o) => [o.channel, o.subject, o.bodyText.trim()])).toEqual([['email', 'Demo hello', 'Plain text through the demo connector.']]);
    expect((await eventsFor('lee@anywhere.example')).map((e) => [e.event, e.method, e.remoteServer])).toEqual([['delivered', 'tls', 'Sealpost demo outbox']]);
  });
});

describe('the dashboard’s last 24 hours of mail flow', () => {
  it('counts accepted messages and their recipients by what became of them, without our own DSNs or older mail', async () => {
    const other = await createTestOrg({ licensed: 1 });
    const now = new Date();
    const message = async (envelopeFrom: string, receivedAt: Date, statuses: (typeof gatewayRecipients.$inferInsert.status)[]) => {
      const key = newStorageKey();
      const [row] = await getDb()
        .insert(gatewayMessages)
        .values({ orgId: other.orgId, envelopeFrom, sizeBytes: 1, sha256: '', storageKey: key, status: 'processed', receivedAt })
        .returning({ id: gatewayMessages.id });
      await getDb().insert(gatewayRecipients).values(statuses.map((status, i) => ({ gatewayMessageId: row.id, orgId: other.orgId, address: `r${i}@x.example`, status })));
    };
    await message(`user0@${other.domain}`, now, ['delivered', 'delivered', 'secure_message']);
    await message(`user0@${other.domain}`, new Date(now.getTime() - 3_600_000), ['deferred', 'bounced', 'queued_for_delivery']);
    await message(`user0@${other.domain}`, new Date(now.getTime() - 2 * 86_400_000), ['delivered']);
    await message('', now, ['delivered']);
    expect(await mailFlowLastDay(getDb(), other.orgId, now)).toEqual({ accepted: 2, delivered: 2, queued: 1, deferred: 1, bounced: 1, portal: 1, failed: 0 });
    expect(await mailFlowLastDay(getDb(), org.orgId, new Date(now.getTime() - 3 * 86_400_000))).toMatchObject({ accepted: 0 });
  });
});
