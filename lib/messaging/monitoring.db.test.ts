import { randomBytes } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, messageEvents, messageRecipients, policies, portalUsers, recipientAccounts, secureMessages } from '@/db/schema';
import { actorFor, createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import type { Cursor } from '@/lib/lists/cursor';
import { getMessageLog, listMonitoredMessages, messageStates, type MonitorStateFilter } from './monitoring';
import { secureMessageList, stateFilterOf, withLegacyStatus } from './secure-message-list';
import { extendMessageExpiry, extendMessages, recallMessage, recallMessages } from './recall-message';
import { messagesPerDay, parseReportRange } from './reports';
import { formatDateTime } from '@/lib/format';
import { indexMessage } from './search-index';

const DAY = 86_400_000;
const NOW = new Date('2026-06-15T12:00:00.000Z');

async function portalUser(email: string) {
  const [row] = await getDb().insert(portalUsers).values({ email, status: 'active' }).returning({ id: portalUsers.id });
  return row.id;
}

type MessageSpec = {
  subject: string;
  sender: string;
  to: { id: string; readAt?: Date | null; kind?: 'to' | 'cc' }[];
  sentAt: Date;
  direction?: 'outbound' | 'inbound';
  status?: 'sent' | 'recalled';
  extendedAt?: Date | null;
  expiresAt?: Date | null;
  policyId?: string | null;
};

async function insertMessage(orgId: string, spec: MessageSpec) {
  const db = getDb();
  const [message] = await db
    .insert(secureMessages)
    .values({
      orgId,
      senderId: spec.sender,
      direction: spec.direction ?? 'outbound',
      subject: spec.subject,
      bodyHtml: '<p>Hello</p>',
      bodyText: 'Hello',
      sentAt: spec.sentAt,
      expiresAt: spec.expiresAt === undefined ? new Date(spec.sentAt.getTime() + 30 * DAY) : spec.expiresAt,
      status: spec.status ?? 'sent',
      extendedAt: spec.extendedAt ?? null,
      policyId: spec.policyId ?? null,
    })
    .returning({ id: secureMessages.id });
  await db.insert(messageRecipients).values(
    spec.to.map((r) => ({ messageId: message.id, userId: r.id, kind: r.kind ?? ('to' as const), sentAt: spec.sentAt, readAt: r.readAt ?? null })),
  );
  await db.insert(messageEvents).values([
    { messageId: message.id, orgId, kind: 'sent', actor: 'sender', occurredAt: spec.sentAt },
    { messageId: message.id, orgId, kind: 'notified', actor: 'recipient', occurredAt: new Date(spec.sentAt.getTime() + 1000) },
  ]);
  // The keyed search index, as sending builds it (a recalled message has none).
  if (spec.status !== 'recalled') {
    await indexMessage(db, { messageId: message.id, orgId, subject: spec.subject, bodyText: 'Hello', partyIds: [spec.sender, ...spec.to.map((r) => r.id)] });
  }
  return message.id;
}

/**
 * An organisation with one message of each status, plus people to send them:
 * sent (unread), read (one of two recipients read it), recalled, extended (unread), all-read.
 */
async function monitoredOrg() {
  const org = await createTestOrg();
  const tag = randomBytes(3).toString('hex');
  const alice = await portalUser(`alice-${tag}@${org.domain}`);
  const pat = await portalUser(`pat-${tag}@partner.example`);
  const sam = await portalUser(`sam_${tag}@other.example`);
  const [policy] = await getDb()
    .insert(policies)
    .values({ orgId: org.orgId, name: `Secure on request ${tag}`, conditionKind: 'subject_contains', conditionValue: '[secure]', delivery: 'secure_portal' })
    .returning({ id: policies.id });
  const at = (daysAgo: number) => new Date(NOW.getTime() - daysAgo * DAY);
  const ids = {
    sent: await insertMessage(org.orgId, { subject: 'Lab results', sender: alice, to: [{ id: pat }], sentAt: at(1), policyId: policy.id }),
    read: await insertMessage(org.orgId, {
      subject: 'Discharge 100% done',
      sender: alice,
      to: [{ id: pat, readAt: at(1) }, { id: sam, kind: 'cc' }],
      sentAt: at(2),
    }),
    recalled: await insertMessage(org.orgId, { subject: 'Wrong attachment', sender: alice, to: [{ id: pat }], sentAt: at(3), status: 'recalled' }),
    extended: await insertMessage(org.orgId, { subject: 'Consent form', sender: alice, to: [{ id: pat }], sentAt: at(4), extendedAt: at(3) }),
    allRead: await insertMessage(org.orgId, {
      subject: 'Re: Lab results',
      sender: pat,
      to: [{ id: alice, readAt: at(4) }],
      sentAt: at(5),
      direction: 'inbound',
      expiresAt: at(-20),
    }),
  };
  return { ...org, tag, alice, pat, sam, policyId: policy.id, ids, at };
}

async function subjects(orgId: string, states: MonitorStateFilter, search?: string, now = NOW) {
  const { rows } = await listMonitoredMessages(getDb(), orgId, { states, search, now, limit: 50 });
  return rows.map((r) => r.subject);
}

async function audit(orgId: string, action: string) {
  return getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));
}

async function log(messageId: string) {
  return getDb().select().from(messageEvents).where(eq(messageEvents.messageId, messageId)).orderBy(asc(messageEvents.id));
}

async function message(id: string) {
  const [row] = await getDb().select().from(secureMessages).where(eq(secureMessages.id, id));
  return row;
}

describe('listMonitoredMessages', () => {
  it('lists every message of the organisation newest first with from, to, status and policy', async () => {
    const org = await monitoredOrg();
    const { rows, next } = await listMonitoredMessages(getDb(), org.orgId, { limit: 50, now: NOW });
    expect(next).toBeNull();
    // The states side by side: none hides another.
    expect(rows.map((r) => [r.subject, messageStates(r)])).toEqual([
      ['Lab results', ['unread']],
      ['Discharge 100% done', ['read']],
      ['Wrong attachment', ['unread', 'recalled']],
      ['Consent form', ['unread', 'extended']],
      ['Re: Lab results', ['read']],
    ]);
    expect(rows[0]).toMatchObject({
      from: `alice-${org.tag}@${org.domain}`,
      to: [`pat-${org.tag}@partner.example`],
      policyName: `Secure on request ${org.tag}`,
      direction: 'outbound',
      recipientCount: 1,
      readCount: 0,
    });
    // To before CC.
    expect(rows[1]).toMatchObject({ to: [`pat-${org.tag}@partner.example`, `sam_${org.tag}@other.example`], readCount: 1, recipientCount: 2, policyName: null });
    expect(rows[4]).toMatchObject({ direction: 'inbound', from: `pat-${org.tag}@partner.example` });
  });

  it('gives each recipient its route: the secure portal, with SMS when a phone and an SMS two-factor policy make it ask for a code', async () => {
    const org = await monitoredOrg();
    const route = async () => (await listMonitoredMessages(getDb(), org.orgId, { limit: 50 })).rows.find((r) => r.subject === 'Discharge 100% done')?.routes;
    expect(await route()).toEqual([
      { email: `pat-${org.tag}@partner.example`, route: 'secure_portal' },
      { email: `sam_${org.tag}@other.example`, route: 'secure_portal' },
    ]);
    await getDb().insert(recipientAccounts).values({ orgId: org.orgId, email: `sam_${org.tag}@other.example`, phone: '+31612345678' });
    // A phone alone asks for nothing: the organisation has no SMS two-factor policy yet.
    expect((await route())?.map((r) => r.route)).toEqual(['secure_portal', 'secure_portal']);
    await getDb().insert(policies).values({ orgId: org.orgId, name: `By SMS ${org.tag}`, position: 9, conditionKind: 'subject_contains', conditionValue: '[sms]', delivery: 'sms_two_factor' });
    expect((await route())?.map((r) => r.route)).toEqual(['secure_portal', 'secure_portal_sms']);
    const opened = (await listMonitoredMessages(getDb(), org.orgId, { limit: 50 })).rows.find((r) => r.subject === 'Discharge 100% done');
    expect((await getMessageLog(getDb(), org.orgId, opened?.id ?? ''))?.message.routes.map((r) => r.route)).toEqual(['secure_portal', 'secure_portal_sms']);
  });

  it('filters on each state on its own, and on several together (AND); none hides another', async () => {
    const org = await monitoredOrg();
    expect(await subjects(org.orgId, { read: 'unread' })).toEqual(['Lab results', 'Wrong attachment', 'Consent form']);
    // Read = at least one recipient has opened it.
    expect(await subjects(org.orgId, { read: 'read' })).toEqual(['Discharge 100% done', 'Re: Lab results']);
    expect(await subjects(org.orgId, { recalled: true })).toEqual(['Wrong attachment']);
    expect(await subjects(org.orgId, { extended: true })).toEqual(['Consent form']);
    expect(await subjects(org.orgId, { extended: true, read: 'unread' })).toEqual(['Consent form']);
    expect(await subjects(org.orgId, { expired: true })).toEqual([]);
    // 27½ days on, three are past their expiry: expired, and still read, extended or recalled.
    const later = new Date(NOW.getTime() + 27.5 * DAY);
    expect(await subjects(org.orgId, { expired: true }, undefined, later)).toEqual(['Wrong attachment', 'Consent form', 'Re: Lab results']);
    expect(await subjects(org.orgId, { expired: true, extended: true }, undefined, later)).toEqual(['Consent form']);
    expect(await subjects(org.orgId, { expired: true, read: 'read' }, undefined, later)).toEqual(['Re: Lab results']);
    const consent = (await listMonitoredMessages(getDb(), org.orgId, { limit: 50, now: later })).rows.find((r) => r.subject === 'Consent form');
    expect(consent && messageStates(consent)).toEqual(['unread', 'extended', 'expired']);
    expect(await subjects(org.orgId, {})).toHaveLength(5);
  });

  it('searches subject words (by their beginning, through the keyed index), sender and recipients, treating %, _ and \\ literally in addresses', async () => {
    const org = await monitoredOrg();
    expect(await subjects(org.orgId, {}, 'lab RESULTS')).toEqual(['Lab results', 'Re: Lab results']);
    expect(await subjects(org.orgId, {}, 'res la')).toEqual(['Lab results', 'Re: Lab results']);
    // Sender: only the inbound message is from pat; recipients: pat received the other four.
    expect(await subjects(org.orgId, {}, `sam_${org.tag}`)).toEqual(['Discharge 100% done']);
    expect(await subjects(org.orgId, {}, `alice-${org.tag}`)).toHaveLength(5);
    expect(await subjects(org.orgId, {}, '100%')).toEqual(['Discharge 100% done']);
    // "_" would match any character and "%" anything in an address if they were not escaped.
    expect(await subjects(org.orgId, {}, 'sam_')).toEqual(['Discharge 100% done']);
    expect(await subjects(org.orgId, {}, 'sam%')).toEqual([]);
    // Subjects are searched by their words: punctuation separates them, as in the portal.
    expect(await subjects(org.orgId, {}, 'Lab_results')).toEqual(['Lab results', 'Re: Lab results']);
    expect(await subjects(org.orgId, {}, '%')).toEqual([]);
    expect(await subjects(org.orgId, {}, '\\')).toEqual([]);
    expect(await subjects(org.orgId, { read: 'read' }, 'lab')).toEqual(['Re: Lab results']);
  });

  it('pages by keyset without gaps or repeats, also between messages sent at the same instant', async () => {
    const org = await createTestOrg();
    const tag = randomBytes(3).toString('hex');
    const from = await portalUser(`a-${tag}@${org.domain}`);
    const to = await portalUser(`b-${tag}@partner.example`);
    const sameInstant = new Date('2026-05-01T10:00:00.123Z');
    for (let i = 0; i < 7; i++) {
      await insertMessage(org.orgId, { subject: `m${i}`, sender: from, to: [{ id: to }], sentAt: i < 3 ? sameInstant : new Date(sameInstant.getTime() + i * 60_000) });
    }
    // Microseconds a JS Date could not hold: the cursor must keep them.
    await getDb().execute(sql`update secure_messages set sent_at = sent_at + interval '7 microseconds' where subject = 'm6' and org_id = ${org.orgId}`);
    const seen: string[] = [];
    let next: Cursor | null = null;
    let pages = 0;
    do {
      const page = await listMonitoredMessages(getDb(), org.orgId, { limit: 3, position: next ? { direction: 'after', cursor: next } : undefined });
      seen.push(...page.rows.map((r) => r.subject));
      next = page.next;
      pages++;
    } while (next && pages < 10);
    expect(pages).toBe(3);
    expect(seen.slice(0, 4)).toEqual(['m6', 'm5', 'm4', 'm3']);
    expect([...seen].sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);

    // Back up with "Previous", through the cursor's URL form: the same pages, up to the newest.
    const state = secureMessageList.parse({});
    const list = (href: string | null) => {
      const parsed = secureMessageList.parse(Object.fromEntries(new URL(href ?? '/secure-messages', 'http://x').searchParams));
      return listMonitoredMessages(getDb(), org.orgId, { limit: 3, position: parsed.page });
    };
    const first = await list(null);
    const second = await list(secureMessageList.pagerLinks(state, first).next);
    const third = await list(secureMessageList.pagerLinks(state, second).next);
    expect(first.previous).toBeNull();
    expect(third.start).toBe(7);
    const back = await list(third.previous && secureMessageList.href(state, { page: { direction: 'before', cursor: third.previous } }));
    expect(back.rows.map((r) => r.subject)).toEqual(second.rows.map((r) => r.subject));
    const top = await list(back.previous && secureMessageList.href(state, { page: { direction: 'before', cursor: back.previous } }));
    expect(top.rows.map((r) => r.subject)).toEqual(['m6', 'm5', 'm4']);
    expect(top.previous).toBeNull();
  });

  it("never shows another organisation's messages, and refuses a bad page size", async () => {
    const a = await monitoredOrg();
    const b = await monitoredOrg();
    const { rows } = await listMonitoredMessages(getDb(), a.orgId, { limit: 50, search: b.tag });
    expect(rows).toEqual([]);
    const all = await listMonitoredMessages(getDb(), a.orgId, { limit: 50 });
    expect(all.rows.map((r) => r.id).sort()).toEqual(Object.values(a.ids).sort());
    expect((await refusal(listMonitoredMessages(getDb(), a.orgId, { limit: 0 }))).code).toBe('invalid_input');
  });
});

describe('getMessageLog', () => {
  it('gives the message and its log in time order; another organisation or a bad id gives null', async () => {
    const a = await monitoredOrg();
    const b = await monitoredOrg();
    const found = await getMessageLog(getDb(), a.orgId, a.ids.read);
    expect(found?.message).toMatchObject({ subject: 'Discharge 100% done', read: true, recalled: false, restriction: 'none' });
    expect(found?.message.recipients.map((r) => [r.email, r.kind, r.readAt !== null])).toEqual([
      [`pat-${a.tag}@partner.example`, 'to', true],
      [`sam_${a.tag}@other.example`, 'cc', false],
    ]);
    expect(found?.events.map((e) => e.kind)).toEqual(['sent', 'notified']);
    expect(await getMessageLog(getDb(), a.orgId, b.ids.read)).toBeNull();
    expect(await getMessageLog(getDb(), a.orgId, 'not-a-uuid')).toBeNull();
  });
});

describe('recallMessage', () => {
  it('recalls, logs "recalled" with the administrator, and writes its audit event', async () => {
    const org = await monitoredOrg();
    const manager = await actorFor(org.managerId);
    await recallMessage({ actor: manager, messageId: org.ids.sent, now: NOW });
    expect((await message(org.ids.sent)).status).toBe('recalled');
    const events = await log(org.ids.sent);
    expect(events.at(-1)).toMatchObject({ kind: 'recalled', actor: `manager@${org.domain}`, occurredAt: NOW });
    const [event] = await audit(org.orgId, 'secure_messages.recalled');
    expect(event).toMatchObject({
      actorEmail: `manager@${org.domain}`,
      targetId: org.ids.sent,
      summary: `Recalled the message of ${formatDateTime(new Date(NOW.getTime() - DAY))} from alice-${org.tag}@${org.domain} to pat-${org.tag}@partner.example; its key was destroyed`,
      clientAddress: '198.51.100.10',
    });
    // The key and the content went with the recall: monitoring keeps who, when and the status.
    expect(await subjects(org.orgId, { recalled: true })).toEqual(['(recalled)', 'Wrong attachment']);
    expect(await message(org.ids.sent)).toMatchObject({ subject: null, bodyHtml: null, dataKey: null, contentDestroyedReason: 'recalled' });
  });

  it('refuses a second recall with a conflict, and changes nothing more', async () => {
    const org = await monitoredOrg();
    const owner = await actorFor(org.ownerId);
    const e = await refusal(recallMessage({ actor: owner, messageId: org.ids.recalled }));
    expect(e.code).toBe('conflict');
    expect(e.message).toMatch(/already recalled/);
    // Two at the same moment: exactly one wins.
    const results = await Promise.allSettled([recallMessage({ actor: owner, messageId: org.ids.sent }), recallMessage({ actor: owner, messageId: org.ids.sent })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await log(org.ids.sent)).filter((ev) => ev.kind === 'recalled')).toHaveLength(1);
    expect(await audit(org.orgId, 'secure_messages.recalled')).toHaveLength(1);
  });

  it('refuses level 3, and answers another organisation’s message as not found', async () => {
    const a = await monitoredOrg();
    const b = await monitoredOrg();
    expect((await refusal(recallMessage({ actor: await actorFor(a.viewerId), messageId: a.ids.sent }))).code).toBe('forbidden');
    expect((await refusal(recallMessage({ actor: await actorFor(a.ownerId), messageId: b.ids.sent }))).code).toBe('not_found');
    expect((await refusal(recallMessage({ actor: await actorFor(a.ownerId), messageId: 'nope' }))).code).toBe('not_found');
    expect((await message(a.ids.sent)).status).toBe('sent');
    expect((await message(b.ids.sent)).status).toBe('sent');
    expect(await audit(a.orgId, 'secure_messages.recalled')).toHaveLength(0);
    expect(await audit(b.orgId, 'secure_messages.recalled')).toHaveLength(0);
  });
});

describe('extendMessageExpiry', () => {
  it('extends from the current expiry, marks it Extended, and logs and audits it', async () => {
    const org = await monitoredOrg();
    const manager = await actorFor(org.managerId);
    const before = await message(org.ids.sent);
    const { expiresAt } = await extendMessageExpiry({ actor: manager, messageId: org.ids.sent, days: 7, now: NOW });
    expect(before.expiresAt).not.toBeNull();
    expect(expiresAt.getTime()).toBe((before.expiresAt?.getTime() ?? 0) + 7 * DAY);
    const after = await message(org.ids.sent);
    expect(after.expiresAt).toEqual(expiresAt);
    expect(after.extendedAt).toEqual(NOW);
    expect((await log(org.ids.sent)).at(-1)).toMatchObject({ kind: 'extended', actor: `manager@${org.domain}` });
    const [event] = await audit(org.orgId, 'secure_messages.extended');
    expect(event.summary).toMatch(/^Extended the expiry of the message of .* from alice-.* to pat-.* by 7 days, to /);
    expect(event.summary).not.toContain('Lab results');
    expect(event.metadata).toMatchObject({ days: 7 });
    expect(await subjects(org.orgId, { extended: true })).toEqual(['Lab results', 'Consent form']);
    // Extended does not hide unread: both still show, and filter, side by side.
    expect(await subjects(org.orgId, { extended: true, read: 'unread' })).toEqual(['Lab results', 'Consent form']);
  });

  it('extends an expired message from now, and a partly read one', async () => {
    const org = await monitoredOrg();
    const owner = await actorFor(org.ownerId);
    await getDb().update(secureMessages).set({ expiresAt: new Date(NOW.getTime() - DAY) }).where(eq(secureMessages.id, org.ids.sent));
    const { expiresAt } = await extendMessageExpiry({ actor: owner, messageId: org.ids.sent, days: 1, now: NOW });
    expect(expiresAt).toEqual(new Date(NOW.getTime() + DAY));
    // One of its two recipients has not read it yet.
    await extendMessageExpiry({ actor: owner, messageId: org.ids.read, days: 30, now: NOW });
    expect((await message(org.ids.read)).extendedAt).toEqual(NOW);
  });

  it('refuses once every recipient has read it, after a recall, without an expiry, and odd day counts', async () => {
    const org = await monitoredOrg();
    const owner = await actorFor(org.ownerId);
    const allRead = await refusal(extendMessageExpiry({ actor: owner, messageId: org.ids.allRead, days: 7 }));
    expect(allRead.code).toBe('conflict');
    expect(allRead.message).toMatch(/already read/);
    expect((await refusal(extendMessageExpiry({ actor: owner, messageId: org.ids.recalled, days: 7 }))).code).toBe('conflict');
    await getDb().update(secureMessages).set({ expiresAt: null }).where(eq(secureMessages.id, org.ids.sent));
    expect((await refusal(extendMessageExpiry({ actor: owner, messageId: org.ids.sent, days: 7 }))).code).toBe('conflict');
    expect((await refusal(extendMessageExpiry({ actor: owner, messageId: org.ids.extended, days: 3 }))).code).toBe('invalid_input');
    expect(await audit(org.orgId, 'secure_messages.extended')).toHaveLength(0);
    expect((await log(org.ids.allRead)).map((e) => e.kind)).toEqual(['sent', 'notified']);
  });

  it('refuses level 3 and another organisation’s message', async () => {
    const a = await monitoredOrg();
    const b = await monitoredOrg();
    expect((await refusal(extendMessageExpiry({ actor: await actorFor(a.viewerId), messageId: a.ids.sent, days: 7 }))).code).toBe('forbidden');
    expect((await refusal(extendMessageExpiry({ actor: await actorFor(a.managerId), messageId: b.ids.sent, days: 7 }))).code).toBe('not_found');
    expect((await message(b.ids.sent)).extendedAt).toBeNull();
    expect(await audit(b.orgId, 'secure_messages.extended')).toHaveLength(0);
    expect(await audit(a.orgId, 'secure_messages.extended')).toHaveLength(0);
  });
});

describe('messagesPerDay', () => {
  it('gives every day of the range, zero days included, inbound and outbound, for the organisation only', async () => {
    const a = await monitoredOrg();
    await monitoredOrg(); // another organisation's traffic on the same days
    // Days of NOW - 1 … NOW - 5: sent, read, recalled, extended (outbound) and the inbound reply.
    const report = await messagesPerDay(getDb(), a.orgId, { from: '2026-06-08', to: '2026-06-15' });
    expect(report.days).toEqual([
      { day: '2026-06-08', outbound: 0, inbound: 0 },
      { day: '2026-06-09', outbound: 0, inbound: 0 },
      { day: '2026-06-10', outbound: 0, inbound: 1 },
      { day: '2026-06-11', outbound: 1, inbound: 0 },
      { day: '2026-06-12', outbound: 1, inbound: 0 },
      { day: '2026-06-13', outbound: 1, inbound: 0 },
      { day: '2026-06-14', outbound: 1, inbound: 0 },
      { day: '2026-06-15', outbound: 0, inbound: 0 },
    ]);
    expect(report.totals).toEqual({ total: 5, outbound: 4, inbound: 1 });
    const one = await messagesPerDay(getDb(), a.orgId, { from: '2026-06-11', to: '2026-06-11' });
    expect(one).toEqual({ days: [{ day: '2026-06-11', outbound: 1, inbound: 0 }], totals: { total: 1, outbound: 1, inbound: 0 } });
  });

  it('refuses more than 366 days, reversed ranges and impossible dates', async () => {
    const org = await createTestOrg();
    expect((await messagesPerDay(getDb(), org.orgId, { from: '2024-01-01', to: '2024-12-31' })).days).toHaveLength(366);
    for (const range of [
      { from: '2024-01-01', to: '2025-01-01' },
      { from: '2026-02-02', to: '2026-02-01' },
      { from: '2026-02-30', to: '2026-03-01' },
      { from: "2026-01-01'; drop table x; --", to: '2026-03-01' },
    ]) {
      expect((await refusal(messagesPerDay(getDb(), org.orgId, range))).code).toBe('invalid_input');
    }
  });
});

describe('URL parameters', () => {
  it('reads each state, the search and the cursor, drops bad values, and reads old ?status= links', () => {
    const state = secureMessageList.parse({ read: 'bogus', extended: '1', expired: 'yes', q: ' lab ', after: 'garbage!' });
    expect(stateFilterOf(state)).toEqual({ read: undefined, extended: true, expired: false, recalled: false });
    expect(state.q).toBe('lab');
    expect(state.page).toBeUndefined();
    const cursor = { keys: ['2026-05-01T10:00:00.123456Z', '00000000-0000-4000-8000-000000000001'] as const, position: 51 };
    const href = secureMessageList.href(secureMessageList.parse({ recalled: '1', q: 'a&b' }), { page: { direction: 'after', cursor } });
    const back = secureMessageList.parse(Object.fromEntries(new URL(href, 'http://x').searchParams));
    expect(stateFilterOf(back)).toEqual({ read: undefined, extended: false, expired: false, recalled: true });
    expect(back.q).toBe('a&b');
    expect(back.page).toEqual({ direction: 'after', cursor });
    expect(stateFilterOf(secureMessageList.parse(withLegacyStatus({ status: 'sent' })))).toMatchObject({ read: 'unread' });
    expect(stateFilterOf(secureMessageList.parse(withLegacyStatus({ status: 'extended' })))).toMatchObject({ extended: true });
  });

  it('defaults the report to the last 30 days and explains a bad range', () => {
    expect(parseReportRange({}, NOW)).toEqual({ range: { from: '2026-05-17', to: '2026-06-15' }, error: null });
    expect(parseReportRange({ from: '2026-01-01', to: '2026-01-31' }, NOW)).toEqual({ range: { from: '2026-01-01', to: '2026-01-31' }, error: null });
    const bad = parseReportRange({ from: '2020-01-01', to: '2026-01-31' }, NOW);
    expect(bad.range).toEqual({ from: '2026-05-17', to: '2026-06-15' });
    expect(bad.error).toMatch(/at most 366 days/);
  });
});

describe('bulk recall and extension', () => {
  it('recalls the selected with the reason in each log and audit event; says which could not be and why', async () => {
    const org = await monitoredOrg();
    const other = await monitoredOrg();
    const actor = await actorFor(org.managerId);
    const outcome = await recallMessages({ actor, selection: { mode: 'ids', ids: [org.ids.sent, org.ids.recalled, other.ids.sent] }, reason: 'Sent to the wrong clinic' });
    expect(outcome.done).toBe(1);
    expect(outcome.refused.map((r) => [r.id, r.reason])).toEqual([
      [org.ids.recalled, 'This message was already recalled.'],
      [other.ids.sent, 'That secure message does not exist.'],
    ]);
    expect((await message(org.ids.sent)).status).toBe('recalled');
    expect((await message(other.ids.sent)).status).toBe('sent');
    expect((await log(org.ids.sent)).find((e) => e.kind === 'recalled')?.detail).toBe('Reason: Sent to the wrong clinic');
    const [event] = await audit(org.orgId, 'secure_messages.recalled');
    expect(event.summary).toMatch(/; its key was destroyed\. Reason: Sent to the wrong clinic$/);
    expect(await audit(other.orgId, 'secure_messages.recalled')).toHaveLength(0);
  });

  it('extends the selected unread ones and refuses the one everybody read', async () => {
    const org = await monitoredOrg();
    const actor = await actorFor(org.managerId);
    const outcome = await extendMessages({ actor, selection: { mode: 'ids', ids: [org.ids.sent, org.ids.allRead, org.ids.extended] }, days: 7, reason: 'Patient on holiday' });
    expect(outcome.done).toBe(2);
    expect(outcome.refused).toEqual([
      { id: org.ids.allRead, label: expect.stringMatching(/^From pat-/), reason: 'Every recipient has already read this message, so its expiry can no longer be extended.' },
    ]);
    expect((await log(org.ids.sent)).find((e) => e.kind === 'extended')?.detail).toMatch(/^Expiry extended by 7 days to .+\. Reason: Patient on holiday$/);
    expect(await audit(org.orgId, 'secure_messages.extended')).toHaveLength(2);
  });

  it('takes all matching the filters, and needs a reason', async () => {
    const org = await monitoredOrg();
    const actor = await actorFor(org.managerId);
    const outcome = await recallMessages({ actor, selection: { mode: 'matching', q: '', filters: {} }, filters: { states: { read: 'read' } }, reason: 'Leak' });
    expect(outcome.done).toBe(2);
    expect((await message(org.ids.read)).status).toBe('recalled');
    expect((await message(org.ids.allRead)).status).toBe('recalled');
    expect((await message(org.ids.sent)).status).toBe('sent');
    expect((await refusal(recallMessages({ actor, selection: { mode: 'ids', ids: [org.ids.sent] }, reason: ' ' }))).code).toBe('invalid_input');
    const viewer = await actorFor(org.viewerId);
    expect((await refusal(recallMessages({ actor: viewer, selection: { mode: 'ids', ids: [org.ids.sent] }, reason: 'Leak' }))).code).toBe('forbidden');
  });
});
