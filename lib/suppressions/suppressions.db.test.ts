import { and, eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { POST as postDeliveryEvents } from '@/app/api/delivery-events/route';
import { getDb } from '@/db/client';
import { auditEvents, deliveryEvents, outboxMessages, rawBounces, suppressions } from '@/db/schema';
import { createApiKey } from '@/lib/delivery/api-keys';
import * as F from '@/lib/delivery/fixtures/raw-bounces';
import { ingestDeliveryEvents, type DeliveryEventRow } from '@/lib/delivery/ingest';
import { ingestRawBounce } from '@/lib/delivery/ingest-raw-bounce';
import { queueNotification } from '@/lib/mail/queue-message';
import { actorFor, createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { addSuppression, isSuppressed, listSuppressions, removeSuppression, suppressedAmong, updateSoftBounceSettings } from './suppressions';

// The ingest route authenticates by API key, never by session; this keeps next-auth out of the test.
vi.mock('@/lib/auth/session', () => ({ getCurrentAdmin: async () => null }));

const T0 = new Date('2026-03-01T12:00:00Z');
const day = 86_400_000;

async function suppressionsOf(orgId: string) {
  return getDb().select().from(suppressions).where(eq(suppressions.orgId, orgId)).orderBy(suppressions.address);
}
async function eventsOf(orgId: string) {
  return getDb().select().from(deliveryEvents).where(eq(deliveryEvents.orgId, orgId)).orderBy(deliveryEvents.id);
}
async function audit(orgId: string, action: string) {
  return getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));
}

function bounceRow(recipient: string, at: Date, overrides: Partial<DeliveryEventRow> = {}): DeliveryEventRow {
  return { occurredAt: at, messageId: 'm', sender: 's@x.example', recipient, event: 'bounced', method: 'tls', remoteServer: '', smtpCode: 552, enhancedCode: '5.2.2', diagnostic: '552 5.2.2 Mailbox full', bounceClass: 'soft', reason: 'mailbox_full', ...overrides };
}

describe('raw bounces through POST /api/delivery-events', () => {
  const post = (key: string, body: string) =>
    postDeliveryEvents(new Request('http://sealpost.test/api/delivery-events', { method: 'POST', headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${key}` }, body }));

  it('stores one classified event per recipient and suppresses the hard bounce only', async () => {
    const org = await createTestOrg();
    const { key } = await createApiKey({ actor: await actorFor(org.ownerId), name: 'MTA' });
    const response = await post(key, F.POSTFIX_TEXT);
    expect(response.status).toBe(202);
    const body = await response.json();
    expect(body).toMatchObject({ accepted: 2, kind: 'bounce' });
    const rows = await eventsOf(org.orgId);
    expect(rows.map((r) => [r.recipient, r.event, r.reason, r.bounceClass, r.enhancedCode, r.smtpCode, r.messageId, r.dsnAction])).toEqual([
      ['bob@example.org', 'bounced', 'mailbox_full', 'soft', '5.2.2', 552, 'orig-1234@sender.example', 'failed'],
      ['carl@example.org', 'bounced', 'user_unknown', 'hard', '5.1.1', 550, 'orig-1234@sender.example', 'failed'],
    ]);
    const list = await suppressionsOf(org.orgId);
    expect(list.map((s) => [s.address, s.source, s.reason, s.eventId])).toEqual([['carl@example.org', 'hard_bounce', 'user_unknown', rows[1].id]]);
  });

  it('stores bounces posted at the same time together, each request answered with its own events', async () => {
    const org = await createTestOrg();
    const { key } = await createApiKey({ actor: await actorFor(org.ownerId), name: 'MTA' });
    const bodies = Array.from({ length: 24 }, (_, i) =>
      F.rfc3464Bounce({ recipients: [{ address: `u${i}@example.net`, status: i % 2 ? '5.2.2' : '5.1.1', diagnostic: i % 2 ? 'smtp; 552 5.2.2 Mailbox full' : 'smtp; 550 5.1.1 User unknown' }] }),
    );
    // One with a NUL in its diagnostic: PostgreSQL text cannot hold it; the bounce is stored without it.
    bodies.push(F.rfc3464Bounce({ recipients: [{ address: 'nul@example.net', status: '5.1.1', diagnostic: 'smtp; 550 5.1.1 no\u0000such user' }] }));
    const answers = await Promise.all(bodies.map(async (body) => (await post(key, body)).json()));
    expect(answers.map((a) => a.events.map((e: { recipient: string; class: string }) => `${e.recipient} ${e.class}`))).toEqual([
      ...bodies.slice(0, 24).map((_, i) => [`u${i}@example.net ${i % 2 ? 'soft' : 'hard'}`]),
      ['nul@example.net hard'],
    ]);
    expect((await eventsOf(org.orgId)).length).toBe(25);
    expect((await suppressionsOf(org.orgId)).length).toBe(13);
    expect((await audit(org.orgId, 'suppressions.added_automatically')).length).toBe(13);
  });

  it('turns an ARF report into a complaint that suppresses the address', async () => {
    const org = await createTestOrg();
    const { key } = await createApiKey({ actor: await actorFor(org.ownerId), name: 'MTA' });
    expect((await post(key, F.ARF_REPORT)).status).toBe(202);
    const [event] = await eventsOf(org.orgId);
    expect(event).toMatchObject({ event: 'complained', recipient: 'mona@example.com', messageId: 'orig-1234@sender.example', sender: 'notify@sender.example' });
    expect((await suppressionsOf(org.orgId)).map((s) => [s.address, s.source, s.eventId])).toEqual([['mona@example.com', 'complaint', event.id]]);
  });

  it('keeps what it cannot read as an unparsed bounce with its original, never a 500', async () => {
    const org = await createTestOrg();
    const { key } = await createApiKey({ actor: await actorFor(org.ownerId), name: 'MTA' });
    const response = await post(key, F.NOT_A_BOUNCE);
    expect(response.status).toBe(202);
    expect((await response.json()).unparsedReason).toMatch(/No failed recipient/);
    const [event] = await eventsOf(org.orgId);
    expect(event).toMatchObject({ event: 'unparsed', recipient: '' });
    expect(event.diagnostic).toMatch(/^Unparsed bounce: No failed recipient/);
    const [raw] = await getDb().select().from(rawBounces).where(eq(rawBounces.orgId, org.orgId));
    expect(raw.eventId).toBe(event.id);
    expect(raw.content.toString('utf8')).toBe(F.NOT_A_BOUNCE);
    expect(raw.expiresAt.getTime() - raw.receivedAt.getTime()).toBe(30 * day);
    // Binary garbage is no different.
    const garbage = await postDeliveryEvents(
      new Request('http://sealpost.test/api/delivery-events', { method: 'POST', headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${key}` }, body: new Uint8Array([0, 255, 10, 13, 0, 1, 2]) }),
    );
    expect(garbage.status).toBe(202);
  });

  it('keeps at most 1 MB of a large unreadable original, and drops expired originals', async () => {
    const org = await createTestOrg();
    const big = `From: a@example.com\r\nSubject: big\r\n\r\n${'no bounce here\r\n'.repeat(200_000)}`;
    const first = await ingestRawBounce({ orgId: org.orgId, raw: Buffer.from(big), now: T0 });
    expect(first.kind).toBe('unparsed');
    const [raw] = await getDb().select().from(rawBounces).where(eq(rawBounces.orgId, org.orgId));
    expect(raw).toMatchObject({ size: big.length, truncated: true });
    expect(raw.content.length).toBe(1024 * 1024);
    await ingestRawBounce({ orgId: org.orgId, raw: Buffer.from(F.NOT_A_BOUNCE), now: new Date(T0.getTime() + 31 * day) });
    const kept = await getDb().select({ size: rawBounces.size }).from(rawBounces).where(eq(rawBounces.orgId, org.orgId));
    expect(kept).toEqual([{ size: F.NOT_A_BOUNCE.length }]);
  });
});

describe('events stored without a reason', () => {
  it("get Sealpost's reason and class (the gateway's own attempts), and a hard one suppresses", async () => {
    const org = await createTestOrg();
    const row: DeliveryEventRow = { occurredAt: T0, messageId: 'g1', sender: 's@x.example', recipient: 'nobody@example.com', event: 'bounced', method: 'tls', remoteServer: 'mx.example.com', smtpCode: 550, enhancedCode: '5.1.1', diagnostic: '550 5.1.1 <nobody@example.com>: User unknown', bounceClass: null };
    await ingestDeliveryEvents(org.orgId, [row, { ...row, recipient: 'full@example.com', smtpCode: 452, enhancedCode: '4.2.2', diagnostic: '452 4.2.2 Mailbox full', event: 'deferred' }], 'gateway', getDb(), T0);
    const stored = await eventsOf(org.orgId);
    expect(stored.map((e) => [e.recipient, e.reason, e.bounceClass, e.source])).toEqual([
      ['nobody@example.com', 'user_unknown', 'hard', 'gateway'],
      ['full@example.com', 'mailbox_full', null, 'gateway'],
    ]);
    expect((await suppressionsOf(org.orgId)).map((s) => s.address)).toEqual(['nobody@example.com']);
  });
});

describe('suppression from soft bounces', () => {
  it('suppresses after the organisation’s limit of soft bounces in a row within its days, not before', async () => {
    const org = await createTestOrg();
    const at = (d: number) => new Date(T0.getTime() + d * day);
    for (let i = 0; i < 4; i++) await ingestDeliveryEvents(org.orgId, [bounceRow('full@example.com', at(i))], 'ingest', getDb(), at(i));
    expect(await isSuppressed(getDb(), org.orgId, 'full@example.com')).toBe(false);
    await ingestDeliveryEvents(org.orgId, [bounceRow('full@example.com', at(4))], 'ingest', getDb(), at(4));
    const [row] = await suppressionsOf(org.orgId);
    expect(row).toMatchObject({ address: 'full@example.com', source: 'soft_bounces', reason: 'mailbox_full' });
    expect(row.detail).toMatch(/^5 soft bounces in a row within 7 days/);
  });

  it('starts counting again after a delivery, and forgets bounces older than the window', async () => {
    const org = await createTestOrg();
    const at = (d: number) => new Date(T0.getTime() + d * day);
    const rows = [
      bounceRow('a@example.com', at(0)),
      bounceRow('a@example.com', at(1)),
      bounceRow('a@example.com', at(2), { event: 'delivered', bounceClass: null, reason: null, smtpCode: 250, enhancedCode: '2.0.0', diagnostic: '250 OK' }),
      bounceRow('a@example.com', at(3)),
      bounceRow('a@example.com', at(4)),
      bounceRow('a@example.com', at(5)),
      bounceRow('a@example.com', at(6)),
    ];
    await ingestDeliveryEvents(org.orgId, rows, 'ingest', getDb(), at(6));
    expect(await suppressionsOf(org.orgId)).toEqual([]);
    // Another organisation's rule: 2 within 1 day.
    const owner = await actorFor(org.ownerId);
    await updateSoftBounceSettings({ actor: owner, softBounceLimit: 2, softBounceDays: 1 });
    await ingestDeliveryEvents(org.orgId, [bounceRow('b@example.com', at(0)), bounceRow('b@example.com', at(10))], 'ingest', getDb(), at(10));
    expect(await suppressionsOf(org.orgId)).toEqual([]);
    await ingestDeliveryEvents(org.orgId, [bounceRow('b@example.com', new Date(at(10).getTime() + 3600_000))], 'ingest', getDb(), new Date(at(10).getTime() + 3600_000));
    expect((await suppressionsOf(org.orgId)).map((s) => s.address)).toEqual(['b@example.com']);
  });
});

describe('suppression list by hand', () => {
  it('adds an address with an audit event; a duplicate is a clear conflict', async () => {
    const org = await createTestOrg();
    const manager = await actorFor(org.managerId);
    const row = await addSuppression({ actor: manager, address: ' Someone@Example.COM ', note: 'asked not to be written to', now: T0 });
    expect(row).toMatchObject({ address: 'someone@example.com', source: 'manual', reason: 'manual', detail: 'asked not to be written to', createdBy: `manager@${org.domain}` });
    const [event] = await audit(org.orgId, 'suppressions.added');
    expect(event).toMatchObject({ targetId: row.id, targetLabel: 'someone@example.com', actorEmail: `manager@${org.domain}` });
    expect((await refusal(addSuppression({ actor: manager, address: 'someone@example.com' }))).code).toBe('conflict');
    expect((await refusal(addSuppression({ actor: manager, address: 'not an address' }))).code).toBe('invalid_input');
    expect(await audit(org.orgId, 'suppressions.added')).toHaveLength(1);
  });

  it('removes an address with an audit event saying why it had been there', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    await ingestRawBounce({ orgId: org.orgId, raw: Buffer.from(F.QMAIL_TEXT), now: T0 });
    const page = await listSuppressions(getDb(), org.orgId, { search: 'dora', limit: 10 });
    expect(page.rows.map((r) => r.address)).toEqual(['dora@example.com']);
    await removeSuppression({ actor: owner, id: page.rows[0].id });
    expect(await isSuppressed(getDb(), org.orgId, 'dora@example.com')).toBe(false);
    const [event] = await audit(org.orgId, 'suppressions.removed');
    expect(event.summary).toMatch(/dora@example\.com removed from the suppression list \(it was there for: hard bounce, user unknown\)/);
  });

  it('refuses level 3 and another organisation, changing nothing', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    const viewer = await actorFor(org.viewerId);
    const outsider = await actorFor(other.ownerId);
    const row = await addSuppression({ actor: await actorFor(org.ownerId), address: 'kept@example.com' });
    expect((await refusal(addSuppression({ actor: viewer, address: 'x@example.com' }))).code).toBe('forbidden');
    expect((await refusal(removeSuppression({ actor: viewer, id: row.id }))).code).toBe('forbidden');
    expect((await refusal(updateSoftBounceSettings({ actor: viewer, softBounceLimit: 1, softBounceDays: 1 }))).code).toBe('forbidden');
    expect((await refusal(removeSuppression({ actor: outsider, id: row.id }))).code).toBe('not_found');
    expect((await suppressionsOf(org.orgId)).map((s) => s.address)).toEqual(['kept@example.com']);
    expect(await isSuppressed(getDb(), other.orgId, 'kept@example.com')).toBe(false);
    expect(await audit(org.orgId, 'suppressions.removed')).toHaveLength(0);
    expect(await audit(org.orgId, 'suppressions.settings_changed')).toHaveLength(0);
  });

  it('changes the soft-bounce rule with an audit event and validates it', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    expect(await updateSoftBounceSettings({ actor: owner, softBounceLimit: 3, softBounceDays: 14 })).toEqual({ softBounceLimit: 3, softBounceDays: 14 });
    expect((await audit(org.orgId, 'suppressions.settings_changed'))[0].summary).toMatch(/after 3 in a row within 14 days \(was 5 within 7\)/);
    const bad = await refusal(updateSoftBounceSettings({ actor: owner, softBounceLimit: 0, softBounceDays: 1000 }));
    expect(bad.code).toBe('invalid_input');
    expect(bad.fieldErrors).toMatchObject({ softBounceLimit: expect.any(Array), softBounceDays: expect.any(Array) });
  });
});

describe('suppressedAmong and notifications', () => {
  it('answers for a whole list in lower case, per organisation', async () => {
    const org = await createTestOrg();
    await addSuppression({ actor: await actorFor(org.ownerId), address: 'gone@example.com' });
    const found = await suppressedAmong(getDb(), org.orgId, ['GONE@example.com', 'here@example.com', '']);
    expect([...found.keys()]).toEqual(['gone@example.com']);
    expect(found.get('gone@example.com')).toMatchObject({ source: 'manual' });
  });

  it('skips a notification to a suppressed recipient and records a dropped event saying why', async () => {
    const org = await createTestOrg();
    await ingestRawBounce({ orgId: org.orgId, raw: Buffer.from(F.rfc3464Bounce()), now: T0 });
    const queued = await getDb().transaction(async (tx) =>
      Promise.all([
        queueNotification(tx, { orgId: org.orgId, channel: 'email', carriesSecret: false, kind: 'message_notification', recipient: 'Ana@example.net', subject: 'New secure message', bodyText: 'x', messageId: 'msg-1', now: T0 }),
        queueNotification(tx, { orgId: org.orgId, channel: 'email', carriesSecret: false, kind: 'message_notification', recipient: 'ok@example.net', subject: 'New secure message', bodyText: 'x', messageId: 'msg-1', now: T0 }),
      ]),
    );
    expect(queued[0]).toBeNull();
    expect(queued[1]).toEqual(expect.any(String));
    const outbox = await getDb().select({ recipient: outboxMessages.recipient }).from(outboxMessages).where(eq(outboxMessages.orgId, org.orgId));
    expect(outbox.map((o) => o.recipient)).toEqual(['ok@example.net']);
    const dropped = (await eventsOf(org.orgId)).filter((e) => e.event === 'dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ recipient: 'ana@example.net', messageId: 'msg-1' });
    expect(dropped[0].diagnostic).toMatch(/^Not sent: ana@example\.net is on the organisation's suppression list \(user unknown/);
  });
});
