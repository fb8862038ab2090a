import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { and, count, eq, sql } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import postgres from 'postgres';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDb, getDb } from '@/db/client';
import {
  attachments,
  auditEvents,
  deliveryEvents,
  gatewayMessages,
  gatewayRecipients,
  licensedEmails,
  messageRecipients,
  policies,
  policyGroupMembers,
  policyGroups,
  portalUsers,
  secureMessages,
} from '@/db/schema';
import { databaseUrl, resetEnvCache } from '@/lib/env';
import { getBoss, stopBoss } from '@/lib/jobs/runtime';
import { startWorkers } from '@/lib/jobs/workers';
import { outboxTransport } from '@/lib/mail/transport';
import { listMonitoredMessages } from '@/lib/messaging/monitoring';
import { messagesPerDay } from '@/lib/messaging/reports';
import { contentColumns, subjectColumns, withSubjects } from '@/lib/messaging/content';
import { openMessageContent } from '@/lib/crypto/envelope';
import { injector, waitFor, watchProcess } from '@/tests/faults/support';
import { actorFor, createTestOrg } from '@/tests/factories';
import { createConnector, deleteConnector, updateConnectorRanges } from './connectors';
import { startGateway, type Gateway, type GatewayOptions } from './gateway';
import { recordMxTls } from './mx-tls';
import { listRecentGatewayMessages, listRecipientsAwaitingDelivery } from './queries';
import { openGatewaySubject, rawCopyColumns } from './raw-copy';

/**
 * The gateway against real SMTP: Nodemailer plays the organisation's mail server and talks to
 * smtp-server over STARTTLS (a certificate generated for this run, trusted by this client only),
 * on 127.0.0.1 with ephemeral ports, against the real database and a temporary attachment store.
 */
const MB = 1024 * 1024;
let tls: { key: string; cert: string };
let dataDir = '';
const previousDataDir = process.env.SEALPOST_DATA_DIR;
let org: Awaited<ReturnType<typeof createTestOrg>>;
let relay: { user: string; secret: string; id: string };
let gateway: Gateway;
let workersStarted = false;
const watch = watchProcess();

/** Queued for SMTP delivery, or already tried once by the delivery job (DNS down here: deferred). */
const AWAITING = /^(queued_for_delivery|deferred)$/;

const base = (): Omit<GatewayOptions, 'port'> => ({ host: '127.0.0.1', hostname: 'localhost', tls, maxMessageBytes: 2 * MB, maxRecipients: 5, rateLimitPerMinute: 1000, closeTimeoutSeconds: 1 });

function client(port: number, auth: { user: string; pass: string } | null = { user: relay.user, pass: relay.secret }) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: true,
    ...(auth ? { auth } : {}),
    // Trusts the test's own certificate, and only it.
    tls: { ca: tls.cert },
  });
}

async function startTestWorkers() {
  if (workersStarted) return;
  workersStarted = true;
  // This file is about intake and processing: SMTP delivery (deliver-message.db.test.ts) finds DNS
  // failing temporarily, so queued recipients at most become `deferred` and nothing leaves the machine.
  const dnsDown = async (name: string): Promise<never> => {
    throw Object.assign(new Error(`queryMx ESERVFAIL ${name}`), { code: 'ESERVFAIL' });
  };
  await startWorkers(await getBoss(), getDb(), { email: outboxTransport, sms: outboxTransport }, {
    pollingIntervalSeconds: 0.5,
    delivery: { demo: false, relay: null, resolver: { resolveMx: dnsDown, resolve4: dnsDown, resolve6: dnsDown } },
  });
}

function storedFiles(): string[] {
  const root = path.join(dataDir, 'attachments');
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root, f)).isFile());
}

async function recipientsOf(id: string) {
  return getDb().select().from(gatewayRecipients).where(eq(gatewayRecipients.gatewayMessageId, id)).orderBy(gatewayRecipients.address);
}

/** The gateway's id from its 250 text ("2.0.0 Accepted as <uuid>"). */
function acceptedId(response: string): string {
  const match = /Accepted as ([0-9a-f-]{36})/.exec(response);
  if (!match) throw new Error(`not accepted: ${response}`);
  return match[1];
}

async function processed(id: string) {
  return waitFor(async () => {
    const [row] = await getDb().select({ status: gatewayMessages.status }).from(gatewayMessages).where(eq(gatewayMessages.id, id));
    return row && row.status !== 'received' ? row.status : null;
  }, `message ${id} to be processed`, 20_000);
}

function errorOf(promise: Promise<unknown>): Promise<{ responseCode?: number; response?: string; message: string }> {
  return promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: { responseCode?: number; response?: string; message: string }) => error,
  );
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-gateway-'));
  process.env.SEALPOST_DATA_DIR = dataDir;
  resetEnvCache();
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  tls = { key: pems.private, cert: pems.cert };
  org = await createTestOrg({ licensed: 3 });
  const owner = await actorFor(org.ownerId);
  const created = await createConnector({ actor: owner, name: 'Exchange relay', smtpUsername: `relay-${org.domain.split('.')[0]}` });
  if (!created.secret || !created.smtpUsername) throw new Error('no secret');
  relay = { user: created.smtpUsername, secret: created.secret, id: created.id };
  const db = getDb();
  const [legal] = await db.insert(policyGroups).values({ orgId: org.orgId, name: 'Legal' }).returning({ id: policyGroups.id });
  await db.insert(policyGroupMembers).values({ groupId: legal.id, orgId: org.orgId, email: `user2@${org.domain}` });
  await db.insert(policies).values([
    { orgId: org.orgId, name: 'Secure on request', position: 1, conditionKind: 'subject_contains', conditionValue: '[secure]', delivery: 'secure_portal', expireAfterDays: 30, readReceipt: true },
    { orgId: org.orgId, name: 'TLS for contracts', position: 2, conditionKind: 'subject_contains', conditionValue: '[tls]', delivery: 'tls_required' },
    { orgId: org.orgId, name: 'Attachments stay on screen', position: 3, conditionKind: 'attachment_present', conditionValue: '', delivery: 'secure_portal', restriction: 'no_print' },
    { orgId: org.orgId, name: 'Legal by SMS', position: 4, conditionKind: 'sender_in_group', conditionValue: 'Legal', delivery: 'sms_two_factor' },
    { orgId: org.orgId, name: 'No TLS, second factor', position: 5, conditionKind: 'recipient_without_tls', conditionValue: '', delivery: 'sms_two_factor' },
  ]);
  // partner.example's MX offers verified TLS (as the outbound engine's probe would record).
  await recordMxTls(db, 'partner.example', true, new Date());
  gateway = await startGateway({ ...base(), port: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await stopBoss();
  watch.stop();
  if (previousDataDir === undefined) delete process.env.SEALPOST_DATA_DIR;
  else process.env.SEALPOST_DATA_DIR = previousDataDir;
  resetEnvCache();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('accepted means kept', () => {
  it('a gateway stopped right after 250 loses nothing: the job is processed once when workers start', async () => {
    // No workers run yet: the message and its job only sit in PostgreSQL.
    const info = await client(gateway.port).sendMail({ from: `user0@${org.domain}`, to: 'pat@partner.example', subject: '[secure] Lab results', text: 'Results attached.' });
    expect(info.response).toMatch(/^250 2\.0\.0 Accepted as/);
    const id = acceptedId(info.response);
    const [row] = await getDb().select({ status: gatewayMessages.status, storageKey: gatewayMessages.storageKey }).from(gatewayMessages).where(eq(gatewayMessages.id, id));
    expect(row.status).toBe('received');
    const jobs = await getDb().execute<{ n: number }>(sql`select count(*)::int as n from pgboss.job where name = 'mailflow.process' and data->>'id' = ${id}`);
    expect((jobs as unknown as { n: number }[])[0].n).toBe(1);
    // "Kill" the gateway: nothing of this process's memory is needed to go on.
    await gateway.close();
    gateway = await startGateway({ ...base(), port: 0 });
    await startTestWorkers();
    expect(await processed(id)).toBe('processed');
    const recipients = await recipientsOf(id);
    expect(recipients.map((r) => [r.address, r.status, r.outcome])).toEqual([['pat@partner.example', 'secure_message', 'secure_portal']]);
    const [{ n }] = await getDb().select({ n: count() }).from(secureMessages).where(eq(secureMessages.id, recipients[0].secureMessageId ?? ''));
    expect(n).toBe(1);
  });
});

describe('policy outcomes', () => {
  it('[secure] in the subject: a secure message in the recipient’s portal inbox, with the policy and connector recorded, and a delivery event', async () => {
    await startTestWorkers();
    const info = await client(gateway.port).sendMail({
      from: `"Dr Alice" <user0@${org.domain}>`,
      to: 'pat@partner.example',
      cc: 'sam@partner.example',
      subject: 'Results [SECURE]',
      html: '<p>Hello <b>Pat</b></p><script>alert(1)</script><img src="cid:logo@x">',
      attachments: [{ filename: 'logo.png', content: Buffer.from('89504e47', 'hex'), cid: 'logo@x' }],
    });
    const id = acceptedId(info.response);
    expect(await processed(id)).toBe('processed');
    const recipients = await recipientsOf(id);
    expect(recipients.map((r) => [r.address, r.status, r.outcome])).toEqual([
      ['pat@partner.example', 'secure_message', 'secure_portal'],
      ['sam@partner.example', 'secure_message', 'secure_portal'],
    ]);
    const [row] = await getDb()
      .select({ ...contentColumns, policy: policies.name, connectorId: secureMessages.connectorId, readReceipt: secureMessages.readReceipt, expiresAt: secureMessages.expiresAt })
      .from(secureMessages)
      .innerJoin(policies, eq(policies.id, secureMessages.policyId))
      .where(eq(secureMessages.id, recipients[0].secureMessageId ?? ''));
    // Stored sealed, like a message written in the portal.
    expect(row.subject).toBeNull();
    const message = { ...row, ...(await openMessageContent(row)) };
    expect(message).toMatchObject({ policy: 'Secure on request', connectorId: relay.id, readReceipt: true, subject: 'Results [SECURE]' });
    expect(message.expiresAt).not.toBeNull();
    expect(message.bodyHtml).toContain('<b>Pat</b>');
    expect(message.bodyHtml).not.toMatch(/script|<img/);
    // In Pat's inbox (To) and Sam's (Cc).
    const inbox = await getDb()
      .select({ email: portalUsers.email, kind: messageRecipients.kind })
      .from(messageRecipients)
      .innerJoin(portalUsers, eq(portalUsers.id, messageRecipients.userId))
      .where(eq(messageRecipients.messageId, message.id))
      .orderBy(portalUsers.email);
    expect(inbox).toEqual([
      { email: 'pat@partner.example', kind: 'to' },
      { email: 'sam@partner.example', kind: 'cc' },
    ]);
    // The inline image is kept as an attachment (bodies load no images).
    const files = await getDb().select({ fileName: attachments.fileName }).from(attachments).where(eq(attachments.messageId, message.id));
    expect(files).toEqual([{ fileName: 'logo.png' }]);
    // Monitoring shows it with its policy and connector; the report counts it.
    // Subject words in any order: "[secure] Lab results" of another test matches too; subjects read back opened.
    const monitored = await listMonitoredMessages(getDb(), org.orgId, { search: 'Results [SECURE]', limit: 10 });
    expect(monitored.rows.filter((m) => m.id === message.id).map((m) => [m.subject, m.policyName, m.connectorName])).toEqual([['Results [SECURE]', 'Secure on request', 'Exchange relay']]);
    const today = new Date().toISOString().slice(0, 10);
    expect((await messagesPerDay(getDb(), org.orgId, { from: today, to: today })).totals.outbound).toBeGreaterThanOrEqual(2);
    const events = await getDb().select({ recipient: deliveryEvents.recipient, method: deliveryEvents.method, event: deliveryEvents.event }).from(deliveryEvents).where(and(eq(deliveryEvents.orgId, org.orgId), eq(deliveryEvents.source, 'gateway'))).orderBy(deliveryEvents.recipient);
    expect(events).toEqual(expect.arrayContaining([{ recipient: 'sam@partner.example', method: 'secure_portal', event: 'delivered' }]));
  });

  it('an attachment: a secure message under the attachment policy (no print), the file stored as sent', async () => {
    await startTestWorkers();
    const content = Buffer.from('%PDF-1.4 a report '.repeat(1000));
    const info = await client(gateway.port).sendMail({ from: `user0@${org.domain}`, to: 'pat@partner.example', subject: 'The report', text: 'See attached.', attachments: [{ filename: 'report.pdf', content }] });
    const id = acceptedId(info.response);
    await processed(id);
    const [r] = await recipientsOf(id);
    expect([r.status, r.outcome]).toEqual(['secure_message', 'secure_portal']);
    const [message] = await getDb().select({ restriction: secureMessages.restriction, policy: policies.name }).from(secureMessages).innerJoin(policies, eq(policies.id, secureMessages.policyId)).where(eq(secureMessages.id, r.secureMessageId ?? ''));
    expect(message).toEqual({ restriction: 'no_print', policy: 'Attachments stay on screen' });
    const [file] = await getDb().select({ fileName: attachments.fileName, sizeBytes: attachments.sizeBytes, sha256: attachments.sha256 }).from(attachments).where(eq(attachments.messageId, r.secureMessageId ?? ''));
    expect(file.fileName).toBe('report.pdf');
    expect(file.sizeBytes).toBe(content.length);
    expect(file.sha256).toBe((await import('node:crypto')).createHash('sha256').update(content).digest('hex'));
  });

  it('a sender in a group: SMS two-factor delivery, recorded as such', async () => {
    await startTestWorkers();
    const info = await client(gateway.port).sendMail({ from: `user2@${org.domain}`, to: 'pat@partner.example', subject: 'Contract', text: 'Draft.' });
    const id = acceptedId(info.response);
    await processed(id);
    const [r] = await recipientsOf(id);
    expect([r.status, r.outcome]).toEqual(['secure_message', 'sms_two_factor']);
    const [event] = await getDb().select({ method: deliveryEvents.method }).from(deliveryEvents).where(and(eq(deliveryEvents.orgId, org.orgId), eq(deliveryEvents.messageId, info.messageId)));
    expect(event.method).toBe('sms_two_factor');
  });

  it('per recipient: unknown TLS counts as without TLS (SMS two-factor), known TLS and no policy is plain SMTP delivery, [tls] requires TLS', async () => {
    await startTestWorkers();
    const plain = await client(gateway.port).sendMail({ from: `user1@${org.domain}`, to: ['pat@partner.example', 'someone@unknown-mx.example'], subject: 'Lunch', text: 'Thursday?' });
    const id = acceptedId(plain.response);
    await processed(id);
    expect((await recipientsOf(id)).map((r) => [r.address, r.status, r.outcome, r.tlsRequired])).toEqual([
      ['pat@partner.example', expect.stringMatching(AWAITING), 'plain', false],
      ['someone@unknown-mx.example', 'secure_message', 'sms_two_factor', false],
    ]);
    const strict = await client(gateway.port).sendMail({ from: `user1@${org.domain}`, to: 'pat@partner.example', subject: 'Contract [tls]', text: 'Signed.' });
    const strictId = acceptedId(strict.response);
    await processed(strictId);
    const [r] = await recipientsOf(strictId);
    expect([r.status, r.outcome, r.tlsRequired]).toEqual([expect.stringMatching(AWAITING), 'tls_required', true]);
    const awaiting = await listRecipientsAwaitingDelivery(getDb(), { orgId: org.orgId });
    expect(awaiting.filter((a) => a.gatewayMessageId === strictId)).toEqual([expect.objectContaining({ address: 'pat@partner.example', tlsRequired: true, outcome: 'tls_required', envelopeFrom: `user1@${org.domain}` })]);
  });

  it('an address of the organisation that is not licensed: no secure processing, plain delivery queued', async () => {
    await startTestWorkers();
    const info = await client(gateway.port).sendMail({ from: `printer@${org.domain}`, to: 'pat@partner.example', subject: '[secure] Scan', text: 'Scanned.' });
    const id = acceptedId(info.response);
    await processed(id);
    const [row] = await getDb().select({ unlicensed: gatewayMessages.senderUnlicensed }).from(gatewayMessages).where(eq(gatewayMessages.id, id));
    expect(row.unlicensed).toBe(true);
    const [r] = await recipientsOf(id);
    expect([r.status, r.outcome, r.secureMessageId]).toEqual([expect.stringMatching(AWAITING), 'plain', null]);
  });

  it('the same Message-ID from the same connector within a day is accepted again but kept once', async () => {
    await startTestWorkers();
    const messageId = `<dedupe-${Date.now()}@${org.domain}>`;
    const mail = { from: `user0@${org.domain}`, to: 'pat@partner.example', subject: '[secure] Once', text: 'Only once.', messageId };
    const first = await client(gateway.port).sendMail(mail);
    const second = await client(gateway.port).sendMail(mail);
    expect(first.response).toMatch(/^250 /);
    expect(second.response).toMatch(/^250 2\.0\.0 Already accepted as/);
    const rows = await getDb().select({ id: gatewayMessages.id }).from(gatewayMessages).where(and(eq(gatewayMessages.orgId, org.orgId), eq(gatewayMessages.headerMessageId, messageId)));
    expect(rows).toHaveLength(1);
    await processed(rows[0].id);
    const stored = await withSubjects(getDb(), await getDb().select(subjectColumns).from(secureMessages).where(eq(secureMessages.orgId, org.orgId)));
    expect(stored.filter((m) => m.subject === '[secure] Once')).toHaveLength(1);
  });
});

describe('a relaying mail server keeps its connections open', () => {
  it('several messages over one pooled, authenticated connection are each accepted', async () => {
    const pooled = nodemailer.createTransport({ pool: true, maxConnections: 1, host: '127.0.0.1', port: gateway.port, secure: false, requireTLS: true, auth: { user: relay.user, pass: relay.secret }, tls: { ca: tls.cert } });
    try {
      const answers = await Promise.all([1, 2, 3].map((n) => pooled.sendMail({ from: `printer@${org.domain}`, to: 'pat@partner.example', subject: `Pooled ${n}`, text: 'x' })));
      expect(new Set(answers.map((a) => acceptedId(a.response))).size).toBe(3);
    } finally {
      pooled.close();
    }
  });
});

describe('refusals', () => {
  it('no authentication: 530 5.7.0', async () => {
    const error = await errorOf(client(gateway.port, null).sendMail({ from: `user0@${org.domain}`, to: 'pat@partner.example', subject: 'x', text: 'x' }));
    expect(error.response).toMatch(/^530 5\.7\.0 Authentication required/);
  });

  it('bad credentials: 535 5.7.8', async () => {
    const error = await errorOf(client(gateway.port, { user: relay.user, pass: 'smtp_wrong' }).sendMail({ from: `user0@${org.domain}`, to: 'pat@partner.example', subject: 'x', text: 'x' }));
    expect(error.response).toMatch(/^535 5\.7\.8 /);
  });

  it('relaying for a foreign sender: 550 5.7.1, an audit event for the connector (one per minute, however many)', async () => {
    for (let i = 0; i < 3; i++) {
      const error = await errorOf(client(gateway.port).sendMail({ from: 'ceo@elsewhere.example', to: 'pat@partner.example', subject: 'x', text: 'x' }));
      expect(error.response).toMatch(/^550 5\.7\.1 Relaying denied/);
    }
    const rows = await getDb().select({ summary: auditEvents.summary }).from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'mail_flow.refused')));
    expect(rows.length).toBeGreaterThanOrEqual(1);
    // Three refusals within (at most) two minutes: never one audit row each.
    expect(rows.length).toBeLessThanOrEqual(2);
  });

  it('too many recipients: 452 4.5.3 for those past the limit', async () => {
    await startTestWorkers();
    const to = Array.from({ length: 7 }, (_, i) => `r${i}@partner.example`);
    const info = await client(gateway.port).sendMail({ from: `printer@${org.domain}`, to, subject: 'Many', text: 'x' });
    expect(info.accepted).toHaveLength(5);
    expect((info as { rejectedErrors?: { response?: string }[] }).rejectedErrors?.map((e) => e.response)).toEqual([expect.stringMatching(/^452 4\.5\.3 Too many recipients/), expect.stringMatching(/^452 4\.5\.3/)]);
  });

  it('too big while streaming (no SIZE declared): 552 5.3.4, nothing kept', async () => {
    const before = storedFiles().length;
    const big = Readable.from((function* () {
      yield Buffer.from(`From: user0@${org.domain}\r\nTo: pat@partner.example\r\nSubject: big\r\n\r\n`);
      for (let i = 0; i < 40; i++) yield Buffer.from(`${'x'.repeat(76)}\r\n`.repeat(1000));
    })());
    const error = await errorOf(client(gateway.port).sendMail({ envelope: { from: `user0@${org.domain}`, to: ['pat@partner.example'] }, raw: big }));
    expect(error.response).toMatch(/^552 5\.3\.4 Message too big/);
    expect(storedFiles().length).toBe(before);
  });

  it('malformed MIME (no header section): 554 5.6.0, nothing kept', async () => {
    const before = storedFiles().length;
    const error = await errorOf(client(gateway.port).sendMail({ envelope: { from: `user0@${org.domain}`, to: ['pat@partner.example'] }, raw: '\u0000\u0001 not a message at all\r\n\r\nbody' }));
    expect(error.response).toMatch(/^554 5\.6\.0 Malformed message/);
    expect(storedFiles().length).toBe(before);
  });

  it('rate limit per connector, shared by two gateway processes: 421 4.7.0', async () => {
    const db2 = createDb(databaseUrl(), 2);
    // One clock for both, so the three messages fall in one counting minute whatever the time.
    const minute = new Date();
    const a = await startGateway({ ...base(), port: 0, rateLimitPerMinute: 2, now: () => minute });
    const b = await startGateway({ ...base(), port: 0, rateLimitPerMinute: 2, db: () => db2.db, now: () => minute });
    try {
      const owner = await actorFor(org.ownerId);
      const limited = await createConnector({ actor: owner, name: 'Limited', smtpUsername: `limited-${org.domain.split('.')[0]}` });
      const auth = { user: limited.smtpUsername ?? '', pass: limited.secret ?? '' };
      const send = (port: number) => client(port, auth).sendMail({ from: `printer@${org.domain}`, to: 'pat@partner.example', subject: 'Rate', text: 'x' });
      await send(a.port);
      await send(b.port);
      const error = await errorOf(send(a.port));
      expect(error.response).toMatch(/^421 4\.7\.0 Too many messages/);
    } finally {
      await a.close();
      await b.close();
      await db2.sql.end({ timeout: 1 });
    }
  });

  it('the database going away: 451 4.3.0 and nothing half-stored, then accepted again when it is back', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    // A pool pointed at a port where nothing listens behaves as a database server that is down.
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(port));
      });
    });
    const downUrl = new URL(databaseUrl());
    downUrl.port = String(closed);
    const down = createDb(downUrl.toString(), 1);
    let current = down.db;
    const g = await startGateway({ ...base(), port: 0, db: () => current });
    try {
      const before = storedFiles().length;
      const mail = { from: `user0@${org.domain}`, to: 'pat@partner.example', subject: 'During the outage', text: 'x' };
      // With IP-less AUTH the refusal comes at AUTH (454) or, once authenticated, at MAIL FROM/DATA (451): always 4xx.
      const error = await errorOf(client(g.port).sendMail(mail));
      expect(error.responseCode).toBeGreaterThanOrEqual(400);
      expect(error.responseCode).toBeLessThan(500);
      expect(storedFiles().length).toBe(before);
      current = getDb();
      const info = await client(g.port).sendMail(mail);
      expect(info.response).toMatch(/^250 /);
    } finally {
      vi.restoreAllMocks();
      await g.close();
      await down.sql.end({ timeout: 1 });
    }
  });

  it('its connection terminated while the message is being committed (as in tests/faults): 451 4.3.0, nothing kept, and the next message is accepted', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const probe = injector();
    const holder = postgres(databaseUrl(), { max: 1, onnotice: () => {} });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = false;
    const holding = holder.begin(async (t) => {
      // SHARE blocks inserts and updates only: readers (the job workers' selects) go on.
      await t`lock table gateway_messages in share mode`;
      locked = true;
      await held;
    });
    try {
      await waitFor(async () => locked, 'the lock');
      const before = storedFiles().length;
      const sending = errorOf(client(gateway.port).sendMail({ from: `user0@${org.domain}`, to: 'pat@partner.example', subject: 'Cut off', text: 'x' }));
      // The gateway's transaction waits on the lock: terminate that backend, as a database restart would.
      // (The job workers may be waiting on the lock too: the gateway's backend is the one inserting the message.)
      const [pid] = await waitFor(async () => {
        const waiting = [];
        for (const candidate of await probe.waitingOn('gateway_messages')) {
          // The accept statement (accept-message.ts keepMessage): the Message-ID claim, the message and its recipients.
          if ((await probe.currentQuery(candidate)).includes('insert into gateway_messages')) waiting.push(candidate);
        }
        return waiting.length > 0 ? waiting : null;
      }, 'the gateway to wait on the lock');
      await probe.terminate(pid);
      const error = await sending;
      expect(error.response).toMatch(/^451 4\.3\.0 /);
      expect(storedFiles().length).toBe(before);
      release();
      await holding;
      const info = await client(gateway.port).sendMail({ from: `user0@${org.domain}`, to: 'pat@partner.example', subject: 'After the cut', text: 'x' });
      expect(info.response).toMatch(/^250 /);
      // Subjects are sealed: opened as the mail-flow page opens them.
      const recent = await listRecentGatewayMessages(getDb(), org.orgId, 1000);
      expect(recent.some((m) => m.subject === 'After the cut')).toBe(true);
      expect(recent.filter((m) => m.subject === 'Cut off')).toEqual([]);
    } finally {
      release();
      await holding.catch(() => undefined);
      await holder.end({ timeout: 1 });
      await probe.end();
      vi.restoreAllMocks();
    }
    await watch.settle();
    expect(watch.crashes).toEqual([]);
  });

  it('the database failing between the stored message and its commit: 451 4.3.0, the blob removed', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const real = getDb();
    // Authenticates and checks the sender with the real database; the message transaction fails as a dead connection would.
    const failing = new Proxy(real, {
      get(target, property, receiver) {
        if (property === 'transaction') {
          return async () => {
            throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
    const g = await startGateway({ ...base(), port: 0, db: () => failing });
    try {
      const before = storedFiles().length;
      const error = await errorOf(client(g.port).sendMail({ from: `user0@${org.domain}`, to: 'pat@partner.example', subject: 'x', text: 'x' }));
      expect(error.response).toMatch(/^451 4\.3\.0 /);
      expect(storedFiles().length).toBe(before);
    } finally {
      vi.restoreAllMocks();
      await g.close();
    }
  });
});

describe('bad input never crashes the gateway nor half-stores a message', () => {
  const rawSend = (raw: string | Buffer) => client(gateway.port).sendMail({ envelope: { from: `user0@${org.domain}`, to: ['pat@partner.example'] }, raw });

  it.each([
    ['10,000 headers', () => `${Array.from({ length: 10_000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\nFrom: user0@x\r\nSubject: many\r\n\r\nbody`],
    ['a 1 MB header line', () => `Subject: ${'a'.repeat(MB)}\r\n\r\nbody`],
    ['nested multiparts 100 deep', () => {
      let body = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
      for (let i = 0; i < 100; i++) body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${body}--b${i}--\r\n`;
      return `From: user0@x\r\nSubject: [secure] deep\r\nMIME-Version: 1.0\r\n${body}`;
    }],
    ['broken encodings', () => 'From: =?utf-8?B?!!!?= <user0@x>\r\nSubject: =?x-unknown?Q?=ZZ?= [secure]\r\nContent-Type: text/plain; charset=nonsense\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@ not base64 ###\r\n'],
  ])('%s', async (_name, make) => {
    await startTestWorkers();
    let answer: string;
    try {
      answer = (await rawSend(make())).response;
    } catch (error) {
      answer = (error as { response?: string }).response ?? String(error);
    }
    if (answer.startsWith('250')) {
      const id = acceptedId(answer);
      const status = await processed(id);
      expect(['processed', 'failed']).toContain(status);
      // Every recipient reached a final state with its message: nothing left half-done.
      for (const r of await recipientsOf(id)) expect(r.status).not.toBe('pending');
    } else {
      expect(answer).toMatch(/^5\d\d 5\.\d\.\d /);
    }
    await watch.settle();
    expect(watch.crashes).toEqual([]);
  });
});

describe('connectors recognised by client address', () => {
  it('a connector with an IP range needs no AUTH; without the range the client is refused', async () => {
    const owner = await actorFor(org.ownerId);
    const byIp = await createConnector({ actor: owner, name: 'Office network', allowedRanges: '127.0.0.0/8' });
    try {
      const info = await client(gateway.port, null).sendMail({ from: `printer@${org.domain}`, to: 'pat@partner.example', subject: 'By address', text: 'x' });
      expect(info.response).toMatch(/^250 /);
      await updateConnectorRanges({ actor: owner, id: byIp.id, allowedRanges: '10.0.0.0/8, 2001:db8::/32' });
      const error = await errorOf(client(gateway.port, null).sendMail({ from: `printer@${org.domain}`, to: 'pat@partner.example', subject: 'By address', text: 'x' }));
      expect(error.response).toMatch(/^530 5\.7\.0/);
    } finally {
      await deleteConnector({ actor: owner, id: byIp.id });
    }
  });

  it('a client that hangs up in the middle of DATA leaves nothing behind, not even a temporary file', async () => {
    const owner = await actorFor(org.ownerId);
    const byIp = await createConnector({ actor: owner, name: 'Flaky network', allowedRanges: '127.0.0.1' });
    try {
      const before = storedFiles().length;
      const socket = net.connect(gateway.port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString();
      });
      const until = (pattern: RegExp) => waitFor(async () => pattern.test(received), `the server to answer ${pattern}`);
      await until(/^220 /m);
      socket.write('EHLO client.example\r\n');
      await until(/^250 /m);
      socket.write(`MAIL FROM:<printer@${org.domain}>\r\nRCPT TO:<pat@partner.example>\r\nDATA\r\n`);
      await until(/^354 /m);
      socket.write(`Subject: cut short\r\n\r\n${'x'.repeat(200_000)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.destroy();
      await waitFor(async () => storedFiles().length === before, 'the partial upload to be removed', 5000);
      expect(storedFiles()).toHaveLength(before);
    } finally {
      await deleteConnector({ actor: owner, id: byIp.id });
    }
  });
});

describe('shutting down', () => {
  it('answers new sessions and new transactions 421, and lets a message being transferred finish', async () => {
    const owner = await actorFor(org.ownerId);
    const byIp = await createConnector({ actor: owner, name: 'Restart network', allowedRanges: '127.0.0.1' });
    const g = await startGateway({ ...base(), port: 0, closeTimeoutSeconds: 10 });
    const open = (port: number) => {
      const socket = net.connect(port, '127.0.0.1');
      const state = { received: '' };
      socket.on('data', (chunk) => {
        state.received += chunk.toString();
      });
      socket.on('error', () => {});
      const until = (pattern: RegExp) => waitFor(async () => pattern.test(state.received), `the server to answer ${pattern}`);
      return { socket, state, until };
    };
    try {
      const first = open(g.port);
      await first.until(/^220 /m);
      first.socket.write('EHLO client.example\r\n');
      await first.until(/^250 /m);
      first.socket.write(`MAIL FROM:<printer@${org.domain}>\r\nRCPT TO:<pat@partner.example>\r\nDATA\r\n`);
      await first.until(/^354 /m);
      first.socket.write('Subject: across a restart\r\n\r\nThe first half, ');

      let closed = false;
      const closing = g.close().then(() => {
        closed = true;
      });
      // A new session is turned away with 421 while the transfer goes on.
      const second = open(g.port);
      await second.until(/^421 4\.3\.2 /m);
      expect(closed).toBe(false);

      // The message under way finishes and is kept; the next transaction on that session is 421.
      first.socket.write('and the second half.\r\n.\r\n');
      await first.until(/^250 2\.0\.0 Accepted as /m);
      first.socket.write(`MAIL FROM:<printer@${org.domain}>\r\n`);
      await first.until(/^421 4\.3\.2 /m);
      first.socket.end();
      await closing;
      expect(closed).toBe(true);
      const id = /Accepted as ([0-9a-f-]{36})/.exec(first.state.received)?.[1] ?? '';
      const [row] = await getDb().select(rawCopyColumns).from(gatewayMessages).where(eq(gatewayMessages.id, id));
      expect(row.subject).toBeNull();
      expect(await openGatewaySubject(row)).toBe('across a restart');
    } finally {
      await g.close();
      await deleteConnector({ actor: owner, id: byIp.id });
    }
  });
});

describe('a 50 MB message', () => {
  it('streams through the gateway with flat memory and is kept whole', async () => {
    const big = await startGateway({ ...base(), port: 0, maxMessageBytes: 60 * MB });
    try {
      const line = Buffer.from(`${'0123456789'.repeat(7)}abcdef\r\n`);
      const lines = Math.ceil((50 * MB) / line.length);
      const source = Readable.from((function* () {
        yield Buffer.from(`From: printer@${org.domain}\r\nTo: pat@partner.example\r\nSubject: Fifty megabytes\r\nMessage-ID: <big-${Date.now()}@${org.domain}>\r\n\r\n`);
        for (let i = 0; i < lines; i += 1000) yield Buffer.concat(Array.from({ length: Math.min(1000, lines - i) }, () => line));
      })());
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 20);
      const info = await client(big.port).sendMail({ envelope: { from: `printer@${org.domain}`, to: ['pat@partner.example'] }, raw: source });
      clearInterval(sampler);
      expect(info.response).toMatch(/^250 /);
      expect(peak - before).toBeLessThan(100 * MB);
      const [row] = await getDb().select({ sizeBytes: gatewayMessages.sizeBytes }).from(gatewayMessages).where(eq(gatewayMessages.id, acceptedId(info.response)));
      expect(row.sizeBytes).toBeGreaterThan(50 * MB);
    } finally {
      await big.close();
    }
  });
});

it('no crash anywhere in this file', async () => {
  await watch.settle();
  expect(watch.crashes).toEqual([]);
  // Sanity: the licensed addresses the tests relied on still exist.
  const [{ n }] = await getDb().select({ n: count() }).from(licensedEmails).where(eq(licensedEmails.orgId, org.orgId));
  expect(n).toBe(3);
});
