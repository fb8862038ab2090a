import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { attachments, messageDrafts, portalUsers, secureMessages } from '@/db/schema';
import { hashPassword } from '@/lib/auth/passwords';
import { getPortalSession } from '@/lib/portal/queries';
import { newStorageKey } from '@/lib/storage/storage';
import { createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { issueDraftId, removeAbandonedUploads } from './attachments';
import { deleteDraft, listDrafts, openDraft, saveDraft, saveDraftSchema } from './drafts';
import { openMessage } from './open-message';
import { conversationCounts, listInbox } from './queries';
import { sendMessageSchema } from './schemas';
import { sendMessage } from './send-message';

let hash: Promise<string> | undefined;

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

type User = Awaited<ReturnType<typeof portalUser>>;

const send = (sender: User, input: Partial<Parameters<typeof sendMessage>[0]>) =>
  sendMessage({ ...sendMessageSchema.parse({ to: [], subject: 'Hello', body: 'Body', ...input }), sender, now: input.now });

const save = (user: User, input: Partial<Parameters<typeof saveDraft>[0]> & { draftId: string }) => saveDraft({ ...saveDraftSchema.parse(input), user, now: input.now });

async function setup() {
  const org = await createTestOrg({ licenses: 10, licensed: 2 });
  const alice = await portalUser(`user0@${org.domain}`);
  const bob = await portalUser(`user1@${org.domain}`);
  const tag = org.domain.split('.')[0];
  const pat = await portalUser(`pat.${tag}@partner.example`);
  return { org, alice, bob, pat, tag };
}

/** Every byte of the drafts table as text, for looking for plain words in it. */
async function draftTableText(userId: string): Promise<string> {
  const rows = await getDb().execute<{ dump: string }>(sql`select row_to_json(d)::text as dump from message_drafts d where d.user_id = ${userId}`);
  const raw = (rows as unknown as { dump: string }[]).map((r) => r.dump).join('\n');
  // bytea comes out as \x… hex: decode it too, so a plain word stored in a bytea column is found as well.
  return raw + raw.replace(/\\\\x([0-9a-f]+)/g, (_m, hex: string) => Buffer.from(hex, 'hex').toString('latin1'));
}

describe('drafts', () => {
  it('are sealed: neither subject, body nor recipients are in the table; they open for their owner only', async () => {
    const { alice, bob, pat, tag } = await setup();
    const draftId = issueDraftId(alice.id);
    const id = draftId.split('.')[0];
    const secret = `Merger plans ${tag}`;
    await save(alice, { draftId, to: [pat.email], cc: ['not-an-address'], subject: secret, body: `<p><strong>Confidential</strong> figures ${tag}</p><script>alert(1)</script>`, readReceipt: true, restriction: 'no_print', expireDays: 7 });

    const dump = await draftTableText(alice.id);
    expect(dump).toContain(id);
    expect(dump).not.toContain('Merger plans');
    expect(dump).not.toContain('Confidential');
    expect(dump).not.toContain(pat.email);

    const opened = await openDraft({ user: alice, id });
    // Half-written recipients are kept as they are: they are checked on Send.
    expect(opened).toMatchObject({ to: [pat.email], cc: ['not-an-address'], subject: secret, readReceipt: true, restriction: 'no_print', expireDays: 7, draftId });
    // The body is kept as it would be sent: sanitised, its formatting intact.
    expect(opened.body).toBe(`<p><strong>Confidential</strong> figures ${tag}</p>`);
    expect((await listDrafts(getDb(), alice)).map((d) => d.subject)).toEqual([secret]);

    // Another user, by id or by a forged draft id, finds nothing and changes nothing.
    expect((await refusal(openDraft({ user: bob, id }))).code).toBe('not_found');
    expect((await refusal(deleteDraft({ user: bob, id }))).code).toBe('not_found');
    expect((await refusal(save(bob, { draftId, subject: 'taken over' }))).code).toBe('invalid_input');
    expect((await refusal(save(bob, { draftId: `${id}.${'A'.repeat(43)}`, subject: 'forged' }))).code).toBe('invalid_input');
    expect(await listDrafts(getDb(), bob)).toEqual([]);
    expect((await openDraft({ user: alice, id })).subject).toBe(secret);
  });

  it('saving again replaces the draft; deleting it takes its files along', async () => {
    const { alice, pat } = await setup();
    const draftId = issueDraftId(alice.id);
    const id = draftId.split('.')[0];
    await save(alice, { draftId, to: [pat.email], subject: 'First words', now: new Date('2026-12-01T10:00:00Z') });
    await save(alice, { draftId, to: [pat.email], subject: 'Second words', body: '<ul><li><p>one</p></li></ul>', now: new Date('2026-12-01T10:00:05Z') });
    const rows = await getDb().select({ id: messageDrafts.id, updatedAt: messageDrafts.updatedAt }).from(messageDrafts).where(eq(messageDrafts.userId, alice.id));
    expect(rows).toEqual([{ id, updatedAt: new Date('2026-12-01T10:00:05Z') }]);
    expect(await openDraft({ user: alice, id })).toMatchObject({ subject: 'Second words', body: '<ul><li><p>one</p></li></ul>' });

    // A file uploaded for the draft stays with it past the two-day clean-up of unsent uploads…
    const old = new Date(Date.now() - 3 * 86_400_000);
    const [file] = await getDb()
      .insert(attachments)
      .values({ uploadedBy: alice.id, draftId: id, fileName: 'plan.pdf', contentType: 'application/pdf', sizeBytes: 10, sha256: '0'.repeat(64), storageKey: newStorageKey(), createdAt: old })
      .returning({ id: attachments.id });
    await removeAbandonedUploads(new Date());
    expect((await openDraft({ user: alice, id })).attachments.map((a) => a.fileName)).toEqual(['plan.pdf']);
    expect((await listDrafts(getDb(), alice))[0].attachmentCount).toBe(1);

    // … and goes when the draft is deleted.
    await deleteDraft({ user: alice, id });
    expect(await getDb().select().from(messageDrafts).where(eq(messageDrafts.id, id))).toEqual([]);
    expect(await getDb().select().from(attachments).where(eq(attachments.id, file.id))).toEqual([]);
    expect((await refusal(openDraft({ user: alice, id }))).code).toBe('not_found');
  });

  it('sending the draft removes it, and its files become the message’s', async () => {
    const { alice, pat } = await setup();
    const draftId = issueDraftId(alice.id);
    const id = draftId.split('.')[0];
    await save(alice, { draftId, to: [pat.email], subject: 'Send me' });
    const [file] = await getDb()
      .insert(attachments)
      .values({ uploadedBy: alice.id, draftId: id, fileName: 'a.txt', contentType: 'text/plain', sizeBytes: 1, sha256: '0'.repeat(64), storageKey: newStorageKey() })
      .returning({ id: attachments.id });
    const sent = await send(alice, { to: [pat.email], subject: 'Send me', body: '<p><strong>Bold</strong> and <em>italic</em></p><ol><li><p>first</p></li></ol>', bodyFormat: 'html', attachmentIds: [file.id], draftId });
    expect(await getDb().select().from(messageDrafts).where(eq(messageDrafts.id, id))).toEqual([]);
    const [attached] = await getDb().select({ messageId: attachments.messageId }).from(attachments).where(eq(attachments.id, file.id));
    expect(attached.messageId).toBe(sent.id);
    // The formatted text arrives as it was written.
    const opened = await openMessage({ user: pat, id: sent.id });
    if (opened.locked || opened.recalled) throw new Error('the message does not open');
    expect(opened.bodyHtml).toBe('<p><strong>Bold</strong> and <em>italic</em></p><ol><li><p>first</p></li></ol>');
  });
});

describe('conversations', () => {
  it('a message and its replies are one inbox row, with how many messages the conversation has and how many are unread', async () => {
    const { alice, bob, pat } = await setup();
    const t = (minutes: number) => new Date(Date.now() - 60 * 60_000 + minutes * 60_000);
    const first = await send(alice, { to: [pat.email], subject: 'Question', now: t(0) });
    const other = await send(bob, { to: [pat.email], subject: 'Unrelated', now: t(1) });
    const reply = await send(pat, { to: [alice.email], subject: 'Re: Question', inReplyTo: first.id, now: t(2) });
    const answer = await send(alice, { to: [pat.email], subject: 'Re: Re: Question', inReplyTo: reply.id, now: t(3) });

    // Every message of the chain carries the first one's id.
    const threads = await getDb()
      .select({ id: secureMessages.id, threadId: secureMessages.threadId })
      .from(secureMessages)
      .where(and(sql`${secureMessages.id} in (${sql.join([first.id, reply.id, answer.id, other.id].map((x) => sql`${x}::uuid`), sql`, `)})`));
    const byId = new Map(threads.map((r) => [r.id, r.threadId]));
    expect([byId.get(first.id), byId.get(reply.id), byId.get(answer.id)]).toEqual([first.id, first.id, first.id]);
    expect(byId.get(other.id)).toBe(other.id);

    // Pat: the conversation shows once, as its newest message (Alice's answer), with its 3 messages
    // (two received, one sent), 1 unread (replying opened the first); the unrelated message is its own row.
    const inbox = await listInbox(getDb(), pat, { now: new Date(), limit: 50 });
    expect(inbox.items.map((m) => [m.id, m.conversation])).toEqual([
      [answer.id, { messages: 3, unread: 1 }],
      [other.id, { messages: 1, unread: 1 }],
    ]);
    await openMessage({ user: pat, id: answer.id });
    expect((await conversationCounts(getDb(), pat.id, [first.id])).get(first.id)).toEqual({ messages: 3, unread: 0 });

    // Alice: her inbox has Pat's reply only (she sent the other two), counted with them; answering it opened it.
    const alices = await listInbox(getDb(), alice, { now: new Date(), limit: 50 });
    expect(alices.items.map((m) => [m.id, m.conversation])).toEqual([[reply.id, { messages: 3, unread: 0 }]]);
  });

  it('one’s own sent message offers no Reply, and a reply to it is refused', async () => {
    const { alice, pat } = await setup();
    const { id } = await send(alice, { to: [pat.email] });
    await expect(openMessage({ user: alice, id })).resolves.toMatchObject({ isSender: true, canReply: false });
    await expect(openMessage({ user: pat, id })).resolves.toMatchObject({ canReply: true });
    expect((await refusal(send(alice, { to: [pat.email], inReplyTo: id }))).message).toMatch(/cannot be replied to/);
  });

  it('the sender sees per recipient whether and when each read it', async () => {
    const { alice, bob, pat } = await setup();
    const { id } = await send(alice, { to: [pat.email], cc: [bob.email] });
    const at = new Date('2026-12-02T09:30:00Z');
    await openMessage({ user: pat, id, now: at });
    const seen = await openMessage({ user: alice, id });
    if (seen.locked || seen.recalled) throw new Error('the message does not open');
    expect(seen.recipients.sort((a, b) => a.email.localeCompare(b.email))).toEqual(
      [
        { email: pat.email, kind: 'to', readAt: at },
        { email: bob.email, kind: 'cc', readAt: null },
      ].sort((a, b) => a.email.localeCompare(b.email)),
    );
    // A recipient does not learn who else read it.
    const theirs = await openMessage({ user: bob, id });
    if (theirs.locked || theirs.recalled) throw new Error('the message does not open');
    expect(theirs.recipients.every((r) => r.readAt === null)).toBe(true);
  });
});
