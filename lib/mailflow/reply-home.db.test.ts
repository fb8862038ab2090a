import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { and, asc, eq } from 'drizzle-orm';
import { simpleParser } from 'mailparser';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { deliveryEvents, gatewayMessages, gatewayRecipients, policies, portalUsers } from '@/db/schema';
import { env } from '@/lib/env';
import { getBoss, stopBoss } from '@/lib/jobs/runtime';
import { startWorkers } from '@/lib/jobs/workers';
import { outboxTransport } from '@/lib/mail/transport';
import { sendMessageSchema } from '@/lib/messaging/schemas';
import { sendMessage } from '@/lib/messaging/send-message';
import { getPortalSession } from '@/lib/portal/queries';
import { attachmentsRoot, blobStore, newStorageKey } from '@/lib/storage/storage';
import { recallMessage } from '@/lib/messaging/recall-message';
import { waitFor, watchProcess } from '@/tests/faults/support';
import { actorFor, createTestOrg } from '@/tests/factories';
import { deliverGatewayMessage, deliveryJobOptions, type DeliveryJobOptions } from './deliver-message';
import { generateDkimKey } from './dkim-keys';
import { saveInboundRoute } from './inbound-route';
import { staticResolver, type DkimDnsRecord, type DnsResolver } from './outbound';
import { createTestCa, reply, startMx, type TestCa, type TestMx } from './outbound/test-servers';
import { processGatewayMessage } from './process-message';
import { composeReplyHome } from './reply-home';

/**
 * Replies come home, and DKIM on the way out, against real SMTP: smtp-server instances on
 * 127.0.0.1 stand in for the organisation's own mail server (its inbound route) and for
 * recipients' MX hosts; a CA made in this run signs their certificates; the resolver is a table.
 * The job workers run as in production, with those settings in their options.
 */
const HOSTNAME = 'gw.sealpost.test';
let dataDir = '';
const previousDataDir = process.env.SEALPOST_DATA_DIR;
let ca: TestCa;
const servers: TestMx[] = [];
const mx: Record<string, { exchange: string; priority: number }[]> = {};
const a: Record<string, string[]> = {};
const ports: Record<string, number> = {};
let overrides: Partial<Omit<DeliveryJobOptions, 'store'>> = {};
const watch = watchProcess();

/** A mail server for `name` (its certificate's name), reachable through the test resolver. */
async function server(name: string, options: Omit<Parameters<typeof startMx>[0], 'tls'> & { tls?: boolean } = {}): Promise<TestMx> {
  const sink = await startMx({ keepBodies: true, ...options, tls: options.tls === false ? null : ca.issue([name]) });
  servers.push(sink);
  a[name] = ['127.0.0.1'];
  ports[name] = sink.port;
  return sink;
}

/** The record as DNS serves it to mailauth's verifier: TXT strings of at most 255 characters. */
function resolverFor(record: DkimDnsRecord) {
  return async (name: string, type: string) => {
    if (name !== record.name || type !== 'TXT') throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return [record.value.match(/.{1,255}/g) ?? []];
  };
}

async function portalSession(email: string) {
  await getDb().update(portalUsers).set({ status: 'active', displayName: 'Pat Rivera' }).where(eq(portalUsers.email, email));
  const [row] = await getDb().select({ id: portalUsers.id }).from(portalUsers).where(eq(portalUsers.email, email));
  const session = row ? await getPortalSession(getDb(), row.id) : null;
  if (!session) throw new Error(`no portal user ${email}`);
  return { ...session, sessionId: randomUUID() };
}

async function portalUser(email: string) {
  await getDb().insert(portalUsers).values({ email, status: 'active' }).onConflictDoNothing();
  return portalSession(email);
}

type Session = Awaited<ReturnType<typeof portalSession>>;
const send = (sender: Session, input: { to: string[]; subject: string; body: string; inReplyTo?: string }) =>
  sendMessage({ ...sendMessageSchema.parse({ cc: [], ...input }), sender });

/**
 * A message from the organisation's own mail server through the gateway, made a secure message by
 * the "[secure]" policy (the processing job's real path). Returns its secure message's id.
 */
async function secureMessageThroughGateway(org: Awaited<ReturnType<typeof createTestOrg>>, to: string, mailId: string): Promise<string> {
  const store = blobStore();
  const key = newStorageKey();
  const raw = Buffer.from(
    `From: User Zero <user0@${org.domain}>\r\nTo: ${to}\r\nSubject: [secure] Results\r\nMessage-ID: ${mailId}\r\nDate: Mon, 07 Dec 2026 09:00:00 +0000\r\n\r\nYour results are ready.\r\n`,
  );
  const stored = await store.put(key, Readable.from([raw]), { maxBytes: raw.length });
  const [message] = await getDb()
    .insert(gatewayMessages)
    .values({ orgId: org.orgId, envelopeFrom: `user0@${org.domain}`, headerMessageId: mailId, subject: '[secure] Results', sizeBytes: stored.size, sha256: stored.sha256, storageKey: key })
    .returning({ id: gatewayMessages.id });
  await getDb().insert(gatewayRecipients).values({ gatewayMessageId: message.id, orgId: org.orgId, address: to });
  expect(await processGatewayMessage(getDb(), message.id, { store, demo: false })).toBe('processed');
  const [row] = await getDb().select({ secureMessageId: gatewayRecipients.secureMessageId }).from(gatewayRecipients).where(eq(gatewayRecipients.gatewayMessageId, message.id));
  if (!row?.secureMessageId) throw new Error('not made a secure message');
  return row.secureMessageId;
}

async function orgWithPolicy() {
  const org = await createTestOrg({ licensed: 2 });
  await getDb().insert(policies).values({ orgId: org.orgId, name: 'Secure on request', position: 1, conditionKind: 'subject_contains', conditionValue: '[secure]', delivery: 'secure_portal' });
  return org;
}

async function copyHomeOf(secureMessageId: string) {
  const [row] = await getDb()
    .select({ id: gatewayMessages.id, status: gatewayRecipients.status, address: gatewayRecipients.address })
    .from(gatewayMessages)
    .innerJoin(gatewayRecipients, eq(gatewayRecipients.gatewayMessageId, gatewayMessages.id))
    .where(eq(gatewayMessages.replyHomeOf, secureMessageId));
  return row ?? null;
}

async function eventsOf(orgId: string, recipient: string) {
  return getDb().select().from(deliveryEvents).where(and(eq(deliveryEvents.orgId, orgId), eq(deliveryEvents.recipient, recipient))).orderBy(asc(deliveryEvents.id));
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-reply-home-'));
  process.env.SEALPOST_DATA_DIR = dataDir;
  ca = createTestCa();
  // The table as it is at each look-up: each test adds its own servers.
  const live = (): DnsResolver => staticResolver({ mx, a });
  const resolver: DnsResolver = { resolveMx: (n) => live().resolveMx(n), resolve4: (n) => live().resolve4(n), resolve6: (n) => live().resolve6(n) };
  overrides = { demo: false, hostname: HOSTNAME, relay: null, resolver, ports, ca: ca.cert, timeouts: { connect: 3000, greeting: 3000, socket: 10_000 } };
  await startWorkers(await getBoss(), getDb(), { email: outboxTransport, sms: outboxTransport }, { pollingIntervalSeconds: 0.5, delivery: overrides });
});

afterAll(async () => {
  await stopBoss();
  await Promise.all(servers.map((s) => s.close()));
  watch.stop();
  if (previousDataDir === undefined) delete process.env.SEALPOST_DATA_DIR;
  else process.env.SEALPOST_DATA_DIR = previousDataDir;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('replies come home', () => {
  it('an external reply in the portal reaches the internal user’s mailbox through the inbound route: threaded, with the link, DKIM-signed, over verified TLS', async () => {
    const org = await orgWithPolicy();
    const owner = await actorFor(org.ownerId);
    const home = await server(`mail.${org.domain}`);
    await saveInboundRoute({ actor: owner, host: `mail.${org.domain}`, port: home.port, tls: 'verified' });
    const { record } = await generateDkimKey({ actor: owner, domain: org.domain });

    const tag = randomBytes(4).toString('hex');
    const pat = `pat.${tag}@partner.example`;
    const originalMailId = `<outlook-${tag}@${org.domain}>`;
    const original = await secureMessageThroughGateway(org, pat, originalMailId);
    const reply1 = await send(await portalSession(pat), { to: [`user0@${org.domain}`], subject: 'Re: [secure] Results', body: 'Thanks, all clear.', inReplyTo: original });

    await waitFor(async () => home.received.length > 0 || null, 'the reply to reach the inbound route', 20_000);
    expect(home.received).toHaveLength(1);
    const got = home.received[0];
    expect(got.to).toEqual([`user0@${org.domain}`]);
    expect(got.from).toMatch(new RegExp(`^bounce\\+[0-9a-f]+-[0-9a-f]+@${HOSTNAME.replace(/\./g, '\\.')}$`));
    expect([got.secure, got.servername]).toEqual([true, `mail.${org.domain}`]);
    const raw = got.body ?? Buffer.alloc(0);
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe('Re: [secure] Results');
    expect(mail.from?.value).toEqual([{ address: pat, name: 'Pat Rivera' }]);
    expect(mail.messageId).toBe(`<${reply1.id}@${HOSTNAME}>`);
    // Threaded under the message the organisation's own server sent (its MIME Message-ID).
    expect(mail.inReplyTo).toBe(originalMailId);
    expect(mail.references).toBe(originalMailId);
    const link = `${env().APP_URL}/secure/messages/${reply1.id}`;
    expect(mail.text).toContain('Thanks, all clear.');
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`href="${link}"`);
    // Signed for the organisation's domain, and the signature verifies against the published record.
    const verified = await dkimVerify(raw, { resolver: resolverFor(record) });
    expect(verified.results.map((r) => [r.signingDomain, r.status.result])).toEqual([[org.domain, 'pass']]);

    // The server has it; the job records the verdict just after.
    await waitFor(async () => ((await copyHomeOf(reply1.id))?.status === 'delivered' ? true : null), 'the copy to be recorded delivered', 20_000);
    const events = await eventsOf(org.orgId, `user0@${org.domain}`);
    expect(events.map((e) => [e.event, e.method, e.sender, e.remoteServer, e.smtpCode, e.messageId])).toEqual([['delivered', 'tls', pat, `mail.${org.domain}`, 250, `<${reply1.id}@${HOSTNAME}>`]]);
    expect(events[0].diagnostic).toMatch(/certificate verified/);

    // Alice answers in the portal (no copy home: she is internal); Pat answers that: References is the whole thread.
    const alice = await portalUser(`user0@${org.domain}`);
    const answer = await send(alice, { to: [pat], subject: 'Re: Re: [secure] Results', body: 'Great.', inReplyTo: reply1.id });
    const reply2 = await send(await portalSession(pat), { to: [`user0@${org.domain}`], subject: 'Re: Re: [secure] Results', body: 'Bye.', inReplyTo: answer.id });
    await waitFor(async () => home.received.length > 1 || null, 'the second reply', 20_000);
    expect(home.received).toHaveLength(2);
    const second = await simpleParser(home.received[1].body ?? Buffer.alloc(0));
    expect(second.inReplyTo).toBe(`<${answer.id}@${HOSTNAME}>`);
    expect(second.references).toEqual([originalMailId, `<${reply1.id}@${HOSTNAME}>`, `<${answer.id}@${HOSTNAME}>`]);
    expect(await copyHomeOf(answer.id)).toBeNull();

    // The job runs again (pg-boss retried it): one copy per message, never two.
    expect(await composeReplyHome(getDb(), reply2.id, { store: blobStore(), hostname: HOSTNAME })).toBe('already_queued');
    expect(await composeReplyHome(getDb(), answer.id, { store: blobStore(), hostname: HOSTNAME })).toBe('not_inbound');
  });

  it('without an inbound route the reply stays in the portal only', async () => {
    const org = await orgWithPolicy();
    const pat = `pat.${randomBytes(4).toString('hex')}@partner.example`;
    const original = await secureMessageThroughGateway(org, pat, `<no-route-${randomUUID()}@${org.domain}>`);
    const answer = await send(await portalSession(pat), { to: [`user0@${org.domain}`], subject: 'Re: [secure] Results', body: 'Only in the portal.', inReplyTo: original });
    expect(await composeReplyHome(getDb(), answer.id, { store: blobStore(), hostname: HOSTNAME })).toBe('no_route');
    expect(await getDb().select().from(gatewayMessages).where(eq(gatewayMessages.orgId, org.orgId))).toHaveLength(1);
  });

  it('the route refuses (5xx): a bounce event, and no DSN to the external correspondent, whose reply did arrive', async () => {
    const org = await orgWithPolicy();
    const owner = await actorFor(org.ownerId);
    const home = await server(`refusing.${org.domain}`, { tls: false, onRcptTo: () => reply(550, '5.1.1 No such mailbox') });
    await saveInboundRoute({ actor: owner, host: `refusing.${org.domain}`, port: home.port, tls: 'opportunistic' });
    const pat = `pat.${randomBytes(4).toString('hex')}@partner.example`;
    const original = await secureMessageThroughGateway(org, pat, `<refused-${randomUUID()}@${org.domain}>`);
    const answer = await send(await portalSession(pat), { to: [`user0@${org.domain}`], subject: 'Re: [secure] Results', body: 'Refused at home.', inReplyTo: original });
    await waitFor(async () => ((await copyHomeOf(answer.id))?.status === 'bounced' ? true : null), 'the copy to bounce', 20_000);
    const events = await eventsOf(org.orgId, `user0@${org.domain}`);
    expect(events.map((e) => [e.event, e.method, e.smtpCode, e.enhancedCode, e.bounceClass])).toEqual([['bounced', 'plain', 550, '5.1.1', 'hard']]);
    expect(await getDb().select().from(gatewayMessages).where(and(eq(gatewayMessages.orgId, org.orgId), eq(gatewayMessages.envelopeFrom, '')))).toEqual([]);
  });

  it('TLS required and the route offers none: nothing is sent in plain text, the copy waits for a retry', async () => {
    const org = await orgWithPolicy();
    const owner = await actorFor(org.ownerId);
    const home = await server(`plain.${org.domain}`, { tls: false });
    await saveInboundRoute({ actor: owner, host: `plain.${org.domain}`, port: home.port, tls: 'verified' });
    const pat = `pat.${randomBytes(4).toString('hex')}@partner.example`;
    const original = await secureMessageThroughGateway(org, pat, `<notls-${randomUUID()}@${org.domain}>`);
    const answer = await send(await portalSession(pat), { to: [`user0@${org.domain}`], subject: 'Re: [secure] Results', body: 'Not in the clear.', inReplyTo: original });
    await waitFor(async () => ((await copyHomeOf(answer.id))?.status === 'deferred' ? true : null), 'the copy to be deferred', 20_000);
    const [event] = await eventsOf(org.orgId, `user0@${org.domain}`);
    expect([event.event, event.enhancedCode]).toEqual(['deferred', '4.7.5']);
    expect(event.diagnostic).toMatch(/offers no verified TLS; nothing was sent/);
    expect(home.received).toHaveLength(0);
    expect(home.events.filter((e) => e.startsWith('mail:') || e.startsWith('rcpt:') || e === 'data')).toEqual([]);

    // Recalled while its copy home waits: the copy's key, Subject and file go with the message (raw-copy.ts destroyGatewayCopies).
    const [copy] = await getDb().select({ storageKey: gatewayMessages.storageKey }).from(gatewayMessages).where(eq(gatewayMessages.replyHomeOf, answer.id));
    expect(fs.existsSync(path.join(attachmentsRoot(), ...copy.storageKey.split('/')))).toBe(true);
    await recallMessage({ actor: owner, messageId: answer.id });
    const [destroyed] = await getDb()
      .select({ fileKey: gatewayMessages.fileKey, subjectSealed: gatewayMessages.subjectSealed, reason: gatewayMessages.contentDestroyedReason })
      .from(gatewayMessages)
      .where(eq(gatewayMessages.replyHomeOf, answer.id));
    expect(destroyed).toEqual({ fileKey: null, subjectSealed: null, reason: 'recalled' });
    expect(fs.existsSync(path.join(attachmentsRoot(), ...copy.storageKey.split('/')))).toBe(false);
  });
});

describe('DKIM on gateway mail and DSNs', () => {
  it('relayed mail is signed for the sender’s domain, and the DSN of a 5xx for the domain it goes back to', async () => {
    const org = await createTestOrg({ licensed: 1 });
    const { record } = await generateDkimKey({ actor: await actorFor(org.ownerId), domain: org.domain });
    const tag = randomBytes(4).toString('hex');
    const ok = `ok-${tag}.example`;
    const refusing = `no-${tag}.example`;
    const okSink = await server(`mx.${ok}`);
    await server(`mx.${refusing}`, { onRcptTo: () => reply(550, '5.1.1 No such user here') });
    const orgSink = await server(`mx.${org.domain}`);
    for (const domain of [ok, refusing, org.domain]) mx[domain] = [{ exchange: `mx.${domain}`, priority: 10 }];

    const store = blobStore();
    const queue = async (to: string) => {
      const key = newStorageKey();
      const raw = Buffer.from(`From: user0@${org.domain}\r\nTo: ${to}\r\nSubject: Signed ${to}\r\nMessage-ID: <${key.replace(/\//g, '')}@${org.domain}>\r\n\r\nPlain text, signed on the way out.\r\n`);
      const stored = await store.put(key, Readable.from([raw]), { maxBytes: raw.length });
      const [row] = await getDb()
        .insert(gatewayMessages)
        .values({ orgId: org.orgId, envelopeFrom: `user0@${org.domain}`, subject: `Signed ${to}`, sizeBytes: stored.size, sha256: stored.sha256, storageKey: key, status: 'processed' })
        .returning({ id: gatewayMessages.id });
      await getDb().insert(gatewayRecipients).values({ gatewayMessageId: row.id, orgId: org.orgId, address: to, status: 'queued_for_delivery', outcome: 'plain' });
      return row.id;
    };
    const delivered = await deliverGatewayMessage(getDb(), await queue(`lee@${ok}`), deliveryJobOptions(store, overrides));
    expect(delivered.delivered).toEqual([`lee@${ok}`]);
    const signed = okSink.received[0].body ?? Buffer.alloc(0);
    expect((await dkimVerify(signed, { resolver: resolverFor(record) })).results.map((r) => [r.signingDomain, r.selector, r.status.result])).toEqual([
      [org.domain, record.name.split('.')[0], 'pass'],
    ]);

    const bounced = await deliverGatewayMessage(getDb(), await queue(`nobody@${refusing}`), deliveryJobOptions(store, overrides));
    expect(bounced.bounced).toEqual([`nobody@${refusing}`]);
    // The DSN goes back to the sender's domain through the delivery job (the workers): signed too.
    await waitFor(async () => orgSink.received.length > 0 || null, 'the DSN to arrive', 20_000);
    const dsn = orgSink.received[0];
    expect(dsn.from).toBe('');
    expect(dsn.body?.toString()).toContain('multipart/report');
    expect((await dkimVerify(dsn.body ?? Buffer.alloc(0), { resolver: resolverFor(record) })).results.map((r) => [r.signingDomain, r.status.result])).toEqual([[org.domain, 'pass']]);
  });

  it('a domain without a key sends unsigned', async () => {
    const org = await createTestOrg({ licensed: 1 });
    const tag = randomBytes(4).toString('hex');
    const sink = await server(`mx.plain-${tag}.example`);
    mx[`plain-${tag}.example`] = [{ exchange: `mx.plain-${tag}.example`, priority: 10 }];
    const store = blobStore();
    const key = newStorageKey();
    const raw = Buffer.from(`From: user0@${org.domain}\r\nTo: kim@plain-${tag}.example\r\nSubject: Unsigned\r\n\r\nNo key.\r\n`);
    const stored = await store.put(key, Readable.from([raw]), { maxBytes: raw.length });
    const [row] = await getDb()
      .insert(gatewayMessages)
      .values({ orgId: org.orgId, envelopeFrom: `user0@${org.domain}`, subject: 'Unsigned', sizeBytes: stored.size, sha256: stored.sha256, storageKey: key, status: 'processed' })
      .returning({ id: gatewayMessages.id });
    await getDb().insert(gatewayRecipients).values({ gatewayMessageId: row.id, orgId: org.orgId, address: `kim@plain-${tag}.example`, status: 'queued_for_delivery', outcome: 'plain' });
    expect((await deliverGatewayMessage(getDb(), row.id, deliveryJobOptions(store, overrides))).delivered).toHaveLength(1);
    expect(sink.received[0].body?.toString()).toBe(raw.toString());
  });

  it('no process crashed', async () => {
    await watch.settle();
    expect(watch.crashes).toEqual([]);
  });
});
