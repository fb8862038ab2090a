import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { attachments, messageRecipients, outboxMessages, portalUsers, secureMessages, subscriptions } from '@/db/schema';
import { hashPassword } from '@/lib/auth/passwords';
import { getPortalSession } from '@/lib/portal/queries';
import { createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { adoptDeviceTimeZone, deleteMessage, deleteMessages, markMessage, markMessages } from './mailbox-actions';
import { openMessage } from './open-message';
import { openMessageContent } from '@/lib/crypto/envelope';
import { listInbox, listSent, type MailboxPage, type MailboxPosition } from './queries';
import { sendMessageSchema } from './schemas';
import { EXTERNAL_LIMIT, findContacts, replyAddresses, sendingPausedFor, sendingPausedMessage, sendMessage } from './send-message';

let hash: Promise<string> | undefined;

/** An active portal user (internal when the address is licensed). */
async function portalUser(email: string) {
  hash ??= hashPassword('Portal-Test-Pass-42');
  const [row] = await getDb()
    .insert(portalUsers)
    .values({ email, passwordHash: await hash, status: 'active' })
    .returning({ id: portalUsers.id });
  const session = await getPortalSession(getDb(), row.id);
  if (!session) throw new Error('no session');
  return { ...session, sessionId: randomUUID() };
}

const send = (sender: Awaited<ReturnType<typeof portalUser>>, input: Partial<Parameters<typeof sendMessage>[0]>) =>
  sendMessage({ ...sendMessageSchema.parse({ to: [], subject: 'Hello', body: 'Body', ...input }), sender, now: input.now });

async function setup() {
  const org = await createTestOrg({ licenses: 10, licensed: 2 });
  const alice = await portalUser(`user0@${org.domain}`);
  const bob = await portalUser(`user1@${org.domain}`);
  const tag = org.domain.split('.')[0];
  const pat = await portalUser(`pat.${tag}@partner.example`);
  const eve = await portalUser(`eve.${tag}@elsewhere.example`);
  return { org, alice, bob, pat, eve };
}

describe('sending and reading secure messages', () => {
  it('an internal user writes to a new address: a pending account and a create-password notification', async () => {
    const { org, alice } = await setup();
    const newcomer = `new.${org.domain.split('.')[0]}@client.example`;
    const { id } = await send(alice, { to: [newcomer], subject: 'Welcome', body: 'Hi <script>alert(1)</script> <b>there</b>' });
    const [row] = await getDb().select().from(secureMessages).where(eq(secureMessages.id, id));
    // Stored sealed only: the plain columns stay empty.
    expect(row).toMatchObject({ orgId: org.orgId, direction: 'outbound', subject: null, bodyHtml: null, bodyText: null, keyVersion: 1 });
    const message = await openMessageContent(row);
    if (!message) throw new Error('the message does not open');
    expect(message.subject).toBe('Welcome');
    expect(message.bodyHtml).not.toMatch(/<script/i);
    expect(message.bodyHtml).toContain('&lt;b&gt;there&lt;/b&gt;');
    const [user] = await getDb().select().from(portalUsers).where(eq(portalUsers.email, newcomer));
    expect(user.status).toBe('pending');
    const [notice] = await getDb().select().from(outboxMessages).where(eq(outboxMessages.recipient, newcomer));
    expect(notice.bodyText).toMatch(/\/secure\/activate\/[A-Za-z0-9_-]{43}/);
    expect(notice.bodyText).not.toContain('there');
    // The activation link is a secret: redacted once a real transport has sent it (lib/mail/deliver.ts).
    expect(notice.carriesSecret).toBe(true);
  });

  it('a message carries at most 50 MB of attachments, even gathered from several drafts', async () => {
    const { alice, bob } = await setup();
    const { newStorageKey } = await import('@/lib/storage/storage');
    const upload = async (draftId: string, name: string) => {
      const [row] = await getDb()
        .insert(attachments)
        .values({ uploadedBy: alice.id, draftId, fileName: name, contentType: 'application/octet-stream', sizeBytes: 30 * 1024 * 1024, sha256: '0'.repeat(64), storageKey: newStorageKey() })
        .returning({ id: attachments.id });
      return row.id;
    };
    const first = await upload(crypto.randomUUID(), 'a.bin');
    const second = await upload(crypto.randomUUID(), 'b.bin');
    const refused = await refusal(send(alice, { to: [bob.email], subject: 'Too much', attachmentIds: [first, second] }));
    expect(refused.message).toBe('Attachments can total at most 50 MB per message. Remove some and send again.');
    expect(await getDb().select().from(secureMessages).where(and(eq(secureMessages.senderId, alice.id), eq(secureMessages.subject, 'Too much')))).toEqual([]);
    const { id } = await send(alice, { to: [bob.email], subject: 'Just right', attachmentIds: [first] });
    expect((await getDb().select({ messageId: attachments.messageId }).from(attachments).where(eq(attachments.uploadedBy, alice.id))).map((r) => r.messageId).sort()).toEqual(
      [id, null].sort(),
    );
    // The lists show which messages carry attachments.
    const plain = await send(alice, { to: [bob.email], subject: 'No files' });
    const inbox = await listInbox(getDb(), bob, { now: new Date(), limit: 10 });
    expect(Object.fromEntries(inbox.items.map((m) => [m.id, m.hasAttachments]))).toEqual({ [id]: true, [plain.id]: false });
    expect((await listSent(getDb(), alice, { limit: 10 })).items.find((m) => m.id === id)?.hasAttachments).toBe(true);
  });

  it('external recipients write only to internal users of organisations that wrote to them', async () => {
    const { alice, bob, pat, eve } = await setup();
    expect((await refusal(send(pat, { to: [alice.email] }))).message).toBe(EXTERNAL_LIMIT);
    await send(alice, { to: [pat.email] });
    await expect(send(pat, { to: [alice.email, bob.email] })).resolves.toHaveProperty('id');
    const outside = await refusal(send(pat, { to: [eve.email] }));
    expect(outside.message).toBe(EXTERNAL_LIMIT);
    // The To field names the address that is the problem.
    expect(outside.fieldErrors).toEqual({ to: [`${eve.email} is not among the people you can write to.`] });
    // A licensed address of an organisation that never wrote gets the very same answer as an
    // address nobody licenses: the refusal does not tell which addresses an organisation has.
    const licensed = await refusal(send(eve, { to: [alice.email] }));
    const unknown = await refusal(send(eve, { to: [`nobody.${alice.email}`] }));
    expect(licensed.message).toBe(EXTERNAL_LIMIT);
    expect(licensed.fieldErrors).toEqual({ to: [`${alice.email} is not among the people you can write to.`] });
    expect(unknown.fieldErrors).toEqual({ to: [`nobody.${alice.email} is not among the people you can write to.`] });
  });

  it('Reply and Reply all address the right people, in To and Cc, and an external reply only those it may write to', async () => {
    const { alice, bob, pat, eve } = await setup();
    const { id } = await send(alice, { to: [pat.email], cc: [bob.email, eve.email] });
    const as = async (user: typeof alice, all: boolean) => replyAddresses(user, await openMessage({ user, id }).then((m) => (m.recalled || m.locked ? Promise.reject(new Error('not open')) : m)), all);
    await expect(as(pat, false)).resolves.toEqual({ to: [alice.email], cc: [] });
    // pat is external: eve (external too) is left out, bob (alice's colleague) stays in Cc.
    await expect(as(pat, true)).resolves.toEqual({ to: [alice.email], cc: [bob.email] });
    await expect(as(bob, true)).resolves.toEqual({ to: [alice.email, pat.email], cc: [eve.email] });
    // On one's own message: Reply goes to its To, Reply all keeps its Cc.
    await expect(as(alice, false)).resolves.toEqual({ to: [pat.email], cc: [] });
    const mine = await as(alice, true);
    expect(mine.to).toEqual([pat.email]);
    expect([...mine.cc].sort()).toEqual([bob.email, eve.email].sort());
  });

  it('"All addresses" finds colleagues for internal users, and never shows an organisation’s directory outside it', async () => {
    const { alice, bob, pat } = await setup();
    await send(alice, { to: [pat.email] });
    const emails = async (user: typeof alice, search = '') => (await findContacts(user, { search })).map((c) => c.email);
    // Alice: her correspondent and her colleague bob (a licensed address she never wrote to).
    expect(await emails(alice)).toEqual(expect.arrayContaining([pat.email, bob.email]));
    expect(await emails(alice)).not.toContain(alice.email);
    expect(await emails(alice, bob.email.slice(0, 5))).toEqual([bob.email]);
    // Pat, outside: only the people who wrote to them.
    expect(await emails(pat)).toEqual([alice.email]);
    expect(await emails(pat, bob.email.slice(0, 5))).toEqual([]);
  });

  it('one recipient never reads another person’s message, by any id', async () => {
    const { alice, bob, pat, eve } = await setup();
    const { id } = await send(alice, { to: [pat.email] });
    await expect(openMessage({ user: pat, id })).resolves.toMatchObject({ subject: 'Hello' });
    await expect(openMessage({ user: alice, id })).resolves.toMatchObject({ isSender: true });
    for (const outsider of [bob, eve]) {
      expect((await refusal(openMessage({ user: outsider, id }))).code).toBe('not_found');
      expect((await refusal(markMessage({ user: outsider, id, read: true }))).code).toBe('not_found');
      expect((await refusal(deleteMessage({ user: outsider, id }))).code).toBe('not_found');
    }
    // '-' × 36 passed the old /^[0-9a-f-]{36}$/ check and reached PostgreSQL, which refused it: a 500.
    for (const malformed of ['not-a-uuid', '------------------------------------']) {
      expect((await refusal(openMessage({ user: pat, id: malformed }))).code).toBe('not_found');
      expect((await refusal(markMessage({ user: pat, id: malformed, read: true }))).code).toBe('not_found');
      expect((await refusal(deleteMessage({ user: pat, id: malformed }))).code).toBe('not_found');
    }
  });

  it('the first open marks read and sends one read receipt, even when opened concurrently', async () => {
    const { alice, pat } = await setup();
    await getDb().update(portalUsers).set({ preferences: { dateFormat: 'MM/dd/yyyy', timeFormat: '12h', weekStartsOn: 0, signature: '' } }).where(eq(portalUsers.id, alice.id));
    const { id } = await send(alice, { to: [pat.email], subject: 'Receipt please', readReceipt: true });
    await Promise.all(Array.from({ length: 10 }, () => openMessage({ user: pat, id })));
    const receipts = await getDb().select().from(outboxMessages).where(and(eq(outboxMessages.recipient, alice.email), eq(outboxMessages.kind, 'read_receipt')));
    expect(receipts).toHaveLength(1);
    // The time reads the way the sender reads dates: here "11/29/2026 2:05 PM UTC".
    expect(receipts[0].bodyText).toMatch(/opened your secure message of \d{2}\/\d{2}\/\d{4} \d{1,2}:\d{2} [AP]M UTC on \d{2}\/\d{2}\/\d{4} \d{1,2}:\d{2} [AP]M UTC\./);
    // Never the subject: mail and the outbox are not encrypted at rest.
    expect(receipts[0].bodyText).not.toContain('Receipt please');
    expect(receipts[0].subject).not.toContain('Receipt please');
    const [copy] = await getDb().select().from(messageRecipients).where(eq(messageRecipients.messageId, id));
    expect(copy.readAt).not.toBeNull();
  });

  it('restricted, expired and recalled messages cannot be replied to, even by a direct call', async () => {
    const { alice, pat } = await setup();
    const restricted = await send(alice, { to: [pat.email], restriction: 'no_print_no_reply' });
    expect((await refusal(send(pat, { to: [alice.email], inReplyTo: restricted.id }))).message).toMatch(/cannot be replied to/);
    const opened = await openMessage({ user: pat, id: restricted.id });
    expect(opened).toMatchObject({ canReply: false, canPrint: false });

    const past = new Date(Date.now() - 2 * 86_400_000);
    const expiring = await send(alice, { to: [pat.email], expireDays: 1, now: past });
    expect((await refusal(send(pat, { to: [alice.email], inReplyTo: expiring.id }))).message).toMatch(/cannot be replied to/);
    await expect(openMessage({ user: pat, id: expiring.id })).resolves.toMatchObject({ expired: true, canPrint: true });

    const recalled = await send(alice, { to: [pat.email] });
    await getDb().update(secureMessages).set({ status: 'recalled' }).where(eq(secureMessages.id, recalled.id));
    await expect(openMessage({ user: pat, id: recalled.id })).resolves.toMatchObject({ recalled: true });
    expect((await refusal(send(pat, { to: [alice.email], inReplyTo: recalled.id }))).code).toBe('forbidden');
  });

  it('refuses CR/LF in the subject and writing to oneself', async () => {
    expect(sendMessageSchema.safeParse({ to: ['a@b.example'], subject: 'Hi\r\nBcc: x@y.example', body: '' }).success).toBe(false);
    const { alice } = await setup();
    expect((await refusal(send(alice, { to: [alice.email] }))).code).toBe('invalid_input');
  });

  it('the inbox shows the last 60 days, newest first, and deleted copies disappear', async () => {
    const { alice, pat } = await setup();
    const old = await send(alice, { to: [pat.email], subject: 'Old', now: new Date(Date.now() - 61 * 86_400_000) });
    const recent = await send(alice, { to: [pat.email], subject: 'Recent' });
    let inbox = await listInbox(getDb(), pat, { now: new Date(), limit: 50 });
    expect(inbox.items.map((m) => m.id)).toEqual([recent.id]);
    expect(inbox.items.map((m) => m.id)).not.toContain(old.id);
    await deleteMessage({ user: pat, id: recent.id });
    inbox = await listInbox(getDb(), pat, { now: new Date(), limit: 50 });
    expect(inbox.items).toHaveLength(0);
    expect((await refusal(openMessage({ user: pat, id: recent.id }))).code).toBe('not_found');
  });
});

describe('mailbox pages', () => {
  it('pages older and newer by keyset in Inbox and Sent, ties broken by id, and "Newer" never shows a short page', async () => {
    const { alice, pat } = await setup();
    const base = Date.now() - 3_600_000;
    const times = [0, 1, 2, 3, 3, 4, 5]; // two messages share a time
    for (const [i, t] of times.entries()) await send(alice, { to: [pat.email], subject: `M${i}`, now: new Date(base + t * 60_000) });
    for (const list of [
      (position?: MailboxPosition) => listInbox(getDb(), pat, { now: new Date(), limit: 3, position }),
      (position?: MailboxPosition) => listSent(getDb(), alice, { limit: 3, position }),
    ]) {
      const subjects = (p: MailboxPage) => p.items.map((m) => m.subject);
      const from = (cursor: MailboxPage['older'], direction: 'older' | 'newer') => {
        if (!cursor) throw new Error(`expected a page ${direction}`);
        return list({ cursor, direction: direction === 'older' ? 'after' : 'before' });
      };
      const first = await list();
      expect(first.newer).toBeNull();
      expect(first.older).not.toBeNull();
      const second = await from(first.older, 'older');
      const third = await from(second.older, 'older');
      // Every message once, newest first, across the three pages.
      const all = [...subjects(first), ...subjects(second), ...subjects(third)];
      expect(new Set(all).size).toBe(7);
      expect(all.slice(0, 3)).toEqual(['M6', 'M5', all[2]]);
      expect(all.at(-1)).toBe('M0');
      expect(third.older).toBeNull();
      // Back up: the same pages again.
      const back = await from(third.newer, 'newer');
      expect(subjects(back)).toEqual(subjects(second));
      expect(back.older).toEqual(second.older);
      const top = await from(back.newer, 'newer');
      expect(subjects(top)).toEqual(subjects(first));
      expect(top.newer).toBeNull();
    }
  });
});

describe('send policies', () => {
  it('a policy is a minimum: a weaker restriction, a later expiry or no read receipt chosen by the sender is raised to it', async () => {
    const { policies } = await import('@/db/schema');
    const { org, alice, bob, pat } = await setup();
    const [policy] = await getDb()
      .insert(policies)
      .values({ orgId: org.orgId, name: 'Confidential', conditionKind: 'subject_contains', conditionValue: '[confidential]', delivery: 'secure_portal', expireAfterDays: 7, readReceipt: true, restriction: 'no_print' })
      .returning({ id: policies.id });
    const now = new Date('2026-11-02T10:00:00Z');
    const stored = async (id: string) => (await getDb().select().from(secureMessages).where(eq(secureMessages.id, id)))[0];

    // The sender asks for less than the policy: no restriction, 30 days, no receipt.
    const weaker = await send(alice, { to: [pat.email], subject: '[Confidential] results', restriction: 'none', expireDays: 30, readReceipt: false, now });
    expect(await stored(weaker.id)).toMatchObject({ policyId: policy.id, restriction: 'no_print', readReceipt: true, expiresAt: new Date('2026-11-09T10:00:00Z') });
    // The sender asks for more than the policy: what they chose stands.
    const stricter = await send(alice, { to: [pat.email], subject: '[Confidential] more', restriction: 'no_print_no_reply', expireDays: 1, now });
    expect(await stored(stricter.id)).toMatchObject({ restriction: 'no_print_no_reply', readReceipt: true, expiresAt: new Date('2026-11-03T10:00:00Z') });
    // No policy applies: the sender's choices as they are.
    const plain = await send(alice, { to: [bob.email], subject: 'Lunch', restriction: 'none', expireDays: 30, now });
    expect(await stored(plain.id)).toMatchObject({ policyId: null, restriction: 'none', readReceipt: false, expiresAt: new Date('2026-12-02T10:00:00Z') });
  });
});

describe('search pages', () => {
  it('pages search results both ways by keyset, like the mailbox', async () => {
    const { searchMessages } = await import('./queries');
    const { alice, pat } = await setup();
    const base = Date.now() - 3_600_000;
    for (let i = 0; i < 7; i++) await send(alice, { to: [pat.email], subject: `Walrus ${i}`, now: new Date(base + i * 60_000) });
    await send(alice, { to: [pat.email], subject: 'Unrelated' });
    const search = (position?: MailboxPosition) => searchMessages(getDb(), pat, 'walrus', { limit: 3, position });
    const subjects = (p: { items: { subject: string }[] }) => p.items.map((m) => m.subject);
    const first = await search();
    expect(subjects(first)).toEqual(['Walrus 6', 'Walrus 5', 'Walrus 4']);
    expect(first.newer).toBeNull();
    if (!first.older) throw new Error('expected an older page');
    const second = await search({ cursor: first.older, direction: 'after' });
    expect(subjects(second)).toEqual(['Walrus 3', 'Walrus 2', 'Walrus 1']);
    if (!second.older || !second.newer) throw new Error('expected pages either side');
    const third = await search({ cursor: second.older, direction: 'after' });
    expect(subjects(third)).toEqual(['Walrus 0']);
    expect(third.older).toBeNull();
    const back = await search({ cursor: second.newer, direction: 'before' });
    expect(subjects(back)).toEqual(subjects(first));
    expect(back.newer).toBeNull();
  });
});

describe('search', () => {
  it('finds messages across all dates by subject, body words, sender and recipient — only the user’s own', async () => {
    const { searchMessages } = await import('./queries');
    const { alice, pat, bob } = await setup();
    const old = await send(alice, { to: [pat.email], subject: 'Quarterly audit', body: 'The pelican report is attached.', now: new Date(Date.now() - 400 * 86_400_000) });
    const ids = async (user: typeof pat, q: string) => (await searchMessages(getDb(), user, q)).items.map((m) => m.id);
    expect(await ids(pat, 'pelican')).toEqual([old.id]);
    expect(await ids(pat, 'quarterly')).toEqual([old.id]);
    // Words are found by their beginning, as the user types them.
    expect(await ids(pat, 'pelic')).toEqual([old.id]);
    expect(await ids(pat, 'Quart PEL')).toEqual([old.id]);
    expect(await ids(pat, 'pelicans')).toEqual([]);
    expect(await ids(pat, 'quart walrus')).toEqual([]);
    // The search syntax is read as written; a phrase finds its words in any order (the keyed
    // index keeps no word order, lib/messaging/search-index.ts).
    expect(await ids(pat, '"pelican report"')).toEqual([old.id]);
    expect(await ids(pat, '"report pelican"')).toEqual([old.id]);
    expect(await ids(pat, '"report walrus"')).toEqual([]);
    expect(await ids(pat, 'pelican -quarterly')).toEqual([]);
    expect(await ids(pat, 'walrus or pelican')).toEqual([old.id]);
    expect(await ids(pat, "pel:* & ' | !")).toEqual([old.id]);
    expect(await ids(pat, alice.email.slice(0, 5))).toContain(old.id);
    expect(await ids(alice, pat.email)).toEqual([old.id]);
    // People are found by the name the lists show, too.
    await getDb().update(portalUsers).set({ displayName: 'Pat Rivera' }).where(eq(portalUsers.id, pat.id));
    await getDb().update(portalUsers).set({ displayName: 'Alice Morgan' }).where(eq(portalUsers.id, alice.id));
    expect(await ids(alice, 'Rivera')).toEqual([old.id]);
    expect(await ids(pat, 'alice morgan')).toEqual([old.id]);
    expect(await ids(bob, 'pelican')).toEqual([]);
    expect(await ids(pat, '%')).toEqual([]);
  });

  it('a recalled message is no longer found by its recipients — by its words, subject or sender — and by its sender only by its recipients', async () => {
    const { searchMessages } = await import('./queries');
    const { recallMessage } = await import('./recall-message');
    const { org, alice, pat, bob } = await setup();
    const kept = await send(alice, { to: [pat.email], subject: 'Albatross kept', body: 'Nothing secret.' });
    const recalled = await send(alice, { to: [pat.email], cc: [bob.email], subject: 'Albatross merger', body: 'The flamingo acquisition closes Friday.' });
    const ids = async (user: typeof pat, q: string) => (await searchMessages(getDb(), user, q)).items.map((m) => m.id);
    expect(await ids(pat, 'flamingo')).toEqual([recalled.id]);
    const { actorFor } = await import('@/tests/factories');
    await recallMessage({ actor: await actorFor(org.managerId), messageId: recalled.id });
    for (const user of [pat, bob]) {
      expect(await ids(user, 'flamingo')).toEqual([]);
      expect(await ids(user, 'merger')).toEqual([]);
    }
    expect(await ids(pat, 'albatross')).toEqual([kept.id]);
    expect(await ids(pat, alice.email)).toEqual([kept.id]);
    // The sender still finds what they sent by whom they sent it to; its words are gone with its content.
    expect(await ids(alice, 'flamingo')).toEqual([]);
    expect(await ids(alice, bob.email)).toEqual([recalled.id]);
  });
});

describe('recipient accounts', () => {
  it('an outbound send records the organisation’s external recipients; an inbound one its external sender', async () => {
    const { recipientAccounts } = await import('@/db/schema');
    const { org, alice, bob, pat } = await setup();
    await send(alice, { to: [pat.email], cc: [bob.email] });
    let rows = await getDb().select().from(recipientAccounts).where(eq(recipientAccounts.orgId, org.orgId));
    expect(rows.map((r) => r.email)).toEqual([pat.email]);
    await send(pat, { to: [alice.email] });
    rows = await getDb().select().from(recipientAccounts).where(eq(recipientAccounts.orgId, org.orgId));
    expect(rows).toHaveLength(1);
  });
});

describe('a disabled subscription (past its grace period)', () => {
  it("refuses new messages from the organisation's internal users, who still read theirs; external replies and renewal restore", async () => {
    const { org, alice, pat } = await setup();
    await getDb().update(subscriptions).set({ termStart: '2031-01-01', renewalDate: '2032-01-01' }).where(eq(subscriptions.orgId, org.orgId));
    const { id } = await send(alice, { to: [pat.email], subject: 'Before', now: new Date('2031-12-20T10:00:00Z') });
    const expiredDay = new Date('2032-01-20T10:00:00Z');
    await send(alice, { to: [pat.email], subject: 'In the grace period', now: expiredDay });

    const disabledDay = new Date('2032-02-10T10:00:00Z');
    const refused = await refusal(send(alice, { to: [pat.email], subject: 'After', now: disabledDay }));
    expect(refused).toMatchObject({ code: 'forbidden', message: sendingPausedMessage('2032-01-01') });
    expect(refused.message).toBe(
      "Sending secure messages is paused: your organisation's Sealpost subscription expired on 1 Jan 2032 and has not been renewed. You can still read your messages. Ask your administrator to renew.",
    );
    expect(await sendingPausedFor(alice, disabledDay)).toBe(refused.message);
    expect(await sendingPausedFor(alice, expiredDay)).toBeNull();
    expect(await sendingPausedFor(pat, disabledDay)).toBeNull();
    expect(await getDb().$count(secureMessages, and(eq(secureMessages.orgId, org.orgId), eq(secureMessages.subject, 'After')))).toBe(0);
    // Reading goes on, and the correspondent may still answer.
    expect(await openMessage({ user: alice, id, now: disabledDay })).toMatchObject({ subject: 'Before' });
    await send(pat, { to: [alice.email], subject: 'Re: Before', now: disabledDay });

    await getDb().update(subscriptions).set({ termStart: '2032-01-01', renewalDate: '2033-01-01' }).where(eq(subscriptions.orgId, org.orgId));
    await send(alice, { to: [pat.email], subject: 'Renewed', now: disabledDay });
  });
});

describe("a new user's time zone", () => {
  it("adopts the device's zone once, never over a zone the user chose, and refuses an unknown zone", async () => {
    const { pat } = await setup();
    expect(pat.timeZoneChosen).toBe(false);
    expect(pat.preferences.timeZone).toBe('UTC');
    await expect(adoptDeviceTimeZone({ user: pat, timeZone: 'Mars/Olympus_Mons' })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await adoptDeviceTimeZone({ user: pat, timeZone: 'Asia/Tokyo' })).toBe(true);
    const after = await getPortalSession(getDb(), pat.id);
    expect(after).toMatchObject({ timeZoneChosen: true, preferences: { timeZone: 'Asia/Tokyo', dateFormat: 'd MMM yyyy' } });
    // A second device elsewhere does not move it.
    expect(await adoptDeviceTimeZone({ user: pat, timeZone: 'Europe/Lisbon' })).toBe(false);
    expect((await getPortalSession(getDb(), pat.id))?.preferences.timeZone).toBe('Asia/Tokyo');
  });
});

describe('inbox bulk actions', () => {
  it('mark several read and unread, and delete several, each only the user’s own; another’s is reported', async () => {
    const { alice, bob, pat } = await setup();
    const ids = [];
    for (const subject of ['One', 'Two', 'Three']) ids.push((await send(alice, { to: [pat.email], subject })).id);
    const notPats = (await send(alice, { to: [bob.email], subject: 'For Bob' })).id;
    const readOf = async (id: string) =>
      (await getDb().select({ readAt: messageRecipients.readAt }).from(messageRecipients).where(and(eq(messageRecipients.messageId, id), eq(messageRecipients.userId, pat.id))))[0]?.readAt ?? null;

    const marked = await markMessages({ user: pat, ids: [ids[0], ids[1], notPats], read: true });
    expect(marked.done).toBe(2);
    expect(marked.refused.map((r) => r.id)).toEqual([notPats]);
    expect(await readOf(ids[0])).not.toBeNull();
    expect(await readOf(ids[2])).toBeNull();
    await markMessages({ user: pat, ids: [ids[0]], read: false });
    expect(await readOf(ids[0])).toBeNull();

    const deleted = await deleteMessages({ user: pat, ids: [ids[1], ids[2], notPats] });
    expect(deleted.done).toBe(2);
    expect(deleted.refused.map((r) => r.id)).toEqual([notPats]);
    const inbox = await listInbox(getDb(), pat, { now: new Date(), limit: 50 });
    expect(inbox.items.map((m) => m.subject)).toEqual(['One']);
    // Bob's copy is untouched.
    expect((await listInbox(getDb(), bob, { now: new Date(), limit: 50 })).items.map((m) => m.subject)).toEqual(['For Bob']);
  });
});
