import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, messageRecipients, outboxMessages, policies, portalUsers, recipientAccounts, smsChallenges, smsVerifications } from '@/db/schema';
import { hashPassword } from '@/lib/auth/passwords';
import { issueDraftId, openAttachment, uploadAttachment } from '@/lib/messaging/attachments';
import { openMessage } from '@/lib/messaging/open-message';
import { listInbox, searchMessages } from '@/lib/messaging/queries';
import { sendMessageSchema } from '@/lib/messaging/schemas';
import { sendMessage } from '@/lib/messaging/send-message';
import { updateRecipientPhone } from '@/lib/recipients/recipients';
import { actorFor, createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { signInPortalUser, signOutPortalUser } from './accounts';
import { getPortalSession } from './queries';
import { deliverOutboxMessage } from '@/lib/mail/deliver';
import { outboxTransport } from '@/lib/mail/transport';
import { twilioTransport } from '@/lib/mail/twilio';
import { startFakeTwilio } from '@/tests/servers/fake-twilio';
import { MAX_CODE_ATTEMPTS, sendSmsCode, smsLockedOrgs, smsStepFor, TOO_MANY_CODES, verifySmsCode } from './two-factor';
import { resetEnvCache } from '@/lib/env';

const PASSWORD = 'Portal-Two-Factor-42';
/** A number no other test texts, so counts of texts are this test's own. */
const uniquePhone = (prefix: string, digits = 4) => `${prefix}${String(Math.floor(Math.random() * 10 ** digits)).padStart(digits, '0')}`;

let dataDir = '';
const previousDataDir = process.env.SEALPOST_DATA_DIR;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'sealpost-sms-step-'));
  process.env.SEALPOST_DATA_DIR = dataDir;
  resetEnvCache();
});
afterAll(async () => {
  if (previousDataDir === undefined) delete process.env.SEALPOST_DATA_DIR;
  else process.env.SEALPOST_DATA_DIR = previousDataDir;
  resetEnvCache();
  await rm(dataDir, { recursive: true, force: true });
});

let hash: Promise<string> | undefined;

/** An active portal user with a password, signed in: a session of its own (`sessionId`). */
async function portalUser(email: string) {
  hash ??= hashPassword(PASSWORD);
  const [row] = await getDb()
    .insert(portalUsers)
    .values({ email, passwordHash: await hash, status: 'active' })
    .returning({ id: portalUsers.id });
  return session(row.id);
}

async function session(userId: string) {
  const user = await getPortalSession(getDb(), userId);
  if (!user) throw new Error('no user');
  return { ...user, sessionId: randomUUID(), clientAddress: '198.51.100.7' };
}
type User = Awaited<ReturnType<typeof portalUser>>;

async function smsPolicy(orgId: string) {
  await getDb().insert(policies).values({ orgId, name: 'SMS', conditionKind: 'recipient_without_tls', delivery: 'sms_two_factor' });
}

/** The organisation's administrator sets the phone of one of its recipients, as /recipients does. */
async function setPhone(org: { orgId: string; managerId: string }, email: string, phone: string) {
  const [row] = await getDb()
    .select({ id: recipientAccounts.id })
    .from(recipientAccounts)
    .where(and(eq(recipientAccounts.orgId, org.orgId), eq(recipientAccounts.email, email)));
  await updateRecipientPhone({ actor: await actorFor(org.managerId), id: row.id, phone });
}

const send = (sender: User, to: string, subject: string, extra: { attachmentIds?: string[]; inReplyTo?: string } = {}) =>
  sendMessage({ ...sendMessageSchema.parse({ to: [to], subject, body: `About ${subject}`, ...extra }), sender });

const texts = (phone: string) => getDb().$count(outboxMessages, and(eq(outboxMessages.channel, 'sms'), eq(outboxMessages.recipient, phone)));

async function lastCode(phone: string): Promise<string> {
  const [sms] = await getDb()
    .select({ body: outboxMessages.bodyText })
    .from(outboxMessages)
    .where(and(eq(outboxMessages.channel, 'sms'), eq(outboxMessages.recipient, phone)))
    .orderBy(desc(outboxMessages.createdAt))
    .limit(1);
  const code = /\b(\d{6})\b/.exec(sms?.body ?? '')?.[1];
  if (!code) throw new Error(`no code sent to ${phone}`);
  return code;
}

async function attach(user: User, text: string) {
  const file = await uploadAttachment({ user, draftId: issueDraftId(user.id), fileName: 'note.txt', contentType: 'text/plain', body: Readable.from([Buffer.from(text)]), declaredSize: null });
  return file.id;
}

async function canDownload(user: User, id: string) {
  (await openAttachment({ user, id })).stream.destroy();
}

describe("one organisation's SMS two-factor never governs another's", () => {
  it("Acme setting a Globex user's phone changes nothing of his sign-in or Globex mail, and locks only Acme's messages behind Acme's number", async () => {
    const acme = await createTestOrg({ licensed: 1 });
    const globex = await createTestOrg({ licensed: 2 });
    await smsPolicy(acme.orgId);
    const alice = await portalUser(`user0@${acme.domain}`);
    const hank = await portalUser(`user0@${globex.domain}`);
    const james = await portalUser(`user1@${globex.domain}`);
    const ACME_PHONE = uniquePhone('+1617555');

    // Acme writes to James once, and sets his phone to a number Acme controls.
    const fromAcme = await send(alice, james.email, 'Acme walrus contract');
    await setPhone(acme, james.email, ACME_PHONE);
    const fromGlobex = await send(hank, james.email, 'Globex narwhal budget');

    // James signs in with his password alone: no code, no text to Acme's number.
    await expect(signInPortalUser({ email: james.email, password: PASSWORD, clientAddress: '' })).resolves.toMatchObject({ id: james.id });
    expect(await texts(ACME_PHONE)).toBe(0);

    // Globex mail opens as before: page, list, search, reply.
    await expect(openMessage({ user: james, id: fromGlobex.id })).resolves.toMatchObject({ locked: false, subject: 'Globex narwhal budget' });
    const inbox = await listInbox(getDb(), james, { now: new Date(), limit: 10 });
    expect(inbox.items.find((m) => m.id === fromGlobex.id)).toMatchObject({ locked: false, subject: 'Globex narwhal budget' });
    expect((await searchMessages(getDb(), james, 'narwhal')).items.map((m) => m.id)).toEqual([fromGlobex.id]);
    await expect(send(james, hank.email, 'Re: budget', { inReplyTo: fromGlobex.id })).resolves.toHaveProperty('id');
    expect(await texts(ACME_PHONE)).toBe(0);

    // Acme's message is Acme's to protect: locked until a code sent to Acme's number is entered.
    const locked = await openMessage({ user: james, id: fromAcme.id });
    expect(locked).toMatchObject({ locked: true, step: { orgId: acme.orgId, phoneHint: expect.stringMatching(new RegExp(`${ACME_PHONE.slice(-4)}$`)), codeSent: false } });
    expect(JSON.stringify(locked)).not.toContain('walrus');
    const acmeRow = inbox.items.find((m) => m.id === fromAcme.id);
    expect(acmeRow).toMatchObject({ locked: true, subject: '' });
    expect((await searchMessages(getDb(), james, 'walrus')).items).toEqual([]);
    // Still found by its sender (not by what it says), and then without its subject.
    expect((await searchMessages(getDb(), james, alice.email)).items.map((m) => [m.id, m.subject])).toEqual([[fromAcme.id, '']]);
    expect((await refusal(send(james, alice.email, 'Re: contract', { inReplyTo: fromAcme.id }))).code).toBe('forbidden');
    // The locked view is no reading: not marked read.
    const [mark] = await getDb().select({ readAt: messageRecipients.readAt }).from(messageRecipients).where(and(eq(messageRecipients.messageId, fromAcme.id), eq(messageRecipients.userId, james.id)));
    expect(mark.readAt).toBeNull();

    await sendSmsCode({ viewer: james, orgId: acme.orgId });
    expect(await texts(ACME_PHONE)).toBe(1);
    await verifySmsCode({ viewer: james, orgId: acme.orgId, code: await lastCode(ACME_PHONE), clientAddress: '198.51.100.7' });
    await expect(openMessage({ user: james, id: fromAcme.id })).resolves.toMatchObject({ locked: false, subject: 'Acme walrus contract' });
    expect((await searchMessages(getDb(), james, 'walrus')).items.map((m) => m.id)).toEqual([fromAcme.id]);
    await expect(send(james, alice.email, 'Re: contract', { inReplyTo: fromAcme.id })).resolves.toHaveProperty('id');

    // Globex cannot be made to send anything to Acme's number: it has no step for James at all.
    expect((await refusal(sendSmsCode({ viewer: james, orgId: globex.orgId }))).code).toBe('not_found');
    expect(await texts(ACME_PHONE)).toBe(1);
    // The passed step is Acme's event, not Globex's.
    const [passed] = await getDb().select().from(auditEvents).where(and(eq(auditEvents.actorEmail, james.email), eq(auditEvents.action, 'auth.sms_verified')));
    expect(passed.orgId).toBe(acme.orgId);
  });

  it("attachments of a locked message stay locked; another organisation's open", async () => {
    const acme = await createTestOrg({ licensed: 1 });
    const globex = await createTestOrg({ licensed: 2 });
    await smsPolicy(acme.orgId);
    const alice = await portalUser(`user0@${acme.domain}`);
    const hank = await portalUser(`user0@${globex.domain}`);
    const james = await portalUser(`user1@${globex.domain}`);
    const ACME_PHONE = uniquePhone('+1617555');
    const acmeFile = await attach(alice, 'acme file');
    const globexFile = await attach(hank, 'globex file');
    await send(alice, james.email, 'With a file', { attachmentIds: [acmeFile] });
    await setPhone(acme, james.email, ACME_PHONE);
    await send(hank, james.email, 'With a file', { attachmentIds: [globexFile] });

    await canDownload(james, globexFile);
    expect((await refusal(canDownload(james, acmeFile))).code).toBe('forbidden');
    // The sender, inside Acme, is not Acme's recipient: nothing is asked of her.
    await canDownload(alice, acmeFile);
    await sendSmsCode({ viewer: james, orgId: acme.orgId });
    await verifySmsCode({ viewer: james, orgId: acme.orgId, code: await lastCode(ACME_PHONE), clientAddress: '' });
    await canDownload(james, acmeFile);
  });

  it("passing one organisation's step opens none of another's, in this session only, and for the number it was sent to", async () => {
    const acme = await createTestOrg({ licensed: 1 });
    const globex = await createTestOrg({ licensed: 1 });
    await smsPolicy(acme.orgId);
    await smsPolicy(globex.orgId);
    const alice = await portalUser(`user0@${acme.domain}`);
    const hank = await portalUser(`user0@${globex.domain}`);
    const pat = await portalUser(`pat.${acme.domain.split('.')[0]}@partner.example`);
    const ACME_PHONE = uniquePhone('+1617555');
    const GLOBEX_PHONE = uniquePhone('+44207946', 4);
    const fromAcme = await send(alice, pat.email, 'From Acme');
    const fromGlobex = await send(hank, pat.email, 'From Globex');
    await setPhone(acme, pat.email, ACME_PHONE);
    await setPhone(globex, pat.email, GLOBEX_PHONE);

    expect([...(await smsLockedOrgs(getDb(), pat)).entries()].sort()).toEqual(
      [
        [acme.orgId, ACME_PHONE],
        [globex.orgId, GLOBEX_PHONE],
      ].sort(),
    );
    await sendSmsCode({ viewer: pat, orgId: acme.orgId });
    const acmeCode = await lastCode(ACME_PHONE);
    // Acme's code is Acme's: it does not pass Globex's step.
    expect((await refusal(verifySmsCode({ viewer: pat, orgId: globex.orgId, code: acmeCode, clientAddress: '' }))).code).toBe('expired');
    await verifySmsCode({ viewer: pat, orgId: acme.orgId, code: acmeCode, clientAddress: '' });
    await expect(openMessage({ user: pat, id: fromAcme.id })).resolves.toMatchObject({ locked: false });
    await expect(openMessage({ user: pat, id: fromGlobex.id })).resolves.toMatchObject({ locked: true, step: { orgId: globex.orgId, phoneHint: expect.stringMatching(new RegExp(`${GLOBEX_PHONE.slice(-4)}$`)) } });
    await sendSmsCode({ viewer: pat, orgId: globex.orgId });
    expect(await texts(GLOBEX_PHONE)).toBe(1);
    expect(await texts(ACME_PHONE)).toBe(1);

    // Another sign-in of the same person starts locked again.
    const elsewhere = { ...pat, sessionId: randomUUID() };
    await expect(openMessage({ user: elsewhere, id: fromAcme.id })).resolves.toMatchObject({ locked: true });
    // A new number from Acme asks for the step again.
    await setPhone(acme, pat.email, '+16175550199');
    await expect(openMessage({ user: pat, id: fromAcme.id })).resolves.toMatchObject({ locked: true, step: { phoneHint: expect.stringMatching(/0199$/) } });
    await setPhone(acme, pat.email, ACME_PHONE);
    await expect(openMessage({ user: pat, id: fromAcme.id })).resolves.toMatchObject({ locked: false });
    // Signing out ends every passed step.
    await signOutPortalUser({ user: pat, clientAddress: '' });
    expect(await getDb().$count(smsVerifications, eq(smsVerifications.portalUserId, pat.id))).toBe(0);
  });

  it('with the policy on but no phone, or the policy off, the password is enough (as before)', async () => {
    const acme = await createTestOrg({ licensed: 1 });
    await smsPolicy(acme.orgId);
    const alice = await portalUser(`user0@${acme.domain}`);
    const pat = await portalUser(`nophone.${acme.domain.split('.')[0]}@partner.example`);
    const message = await send(alice, pat.email, 'No phone');
    const ACME_PHONE = uniquePhone('+1617555');
    await expect(openMessage({ user: pat, id: message.id })).resolves.toMatchObject({ locked: false });
    await setPhone(acme, pat.email, ACME_PHONE);
    await expect(openMessage({ user: pat, id: message.id })).resolves.toMatchObject({ locked: true });
    await getDb().update(policies).set({ enabled: false }).where(eq(policies.orgId, acme.orgId));
    await expect(openMessage({ user: pat, id: message.id })).resolves.toMatchObject({ locked: false });
  });

  it('tells the sender which recipients have no phone number while the policy is on', async () => {
    const acme = await createTestOrg({ licensed: 2 });
    const alice = await portalUser(`user0@${acme.domain}`);
    const colleague = await portalUser(`user1@${acme.domain}`);
    const pat = await portalUser(`pat.${acme.domain.split('.')[0]}@partner.example`);
    const lee = await portalUser(`lee.${acme.domain.split('.')[0]}@clinic.example`);
    const both = (subject: string) => sendMessage({ ...sendMessageSchema.parse({ to: [pat.email, lee.email, colleague.email], subject, body: 'Hello' }), sender: alice });
    // No SMS policy: nothing to tell.
    await expect(both('Before the policy')).resolves.toMatchObject({ missingPhones: [] });
    await smsPolicy(acme.orgId);
    await setPhone(acme, lee.email, uniquePhone('+1617555'));
    // Colleagues are not recipients of the policy; Lee has a phone; Pat has none.
    await expect(both('Under the policy')).resolves.toMatchObject({ missingPhones: [pat.email] });
    // Pat's reply is not Pat's organisation's policy to report.
    await expect(send(pat, alice.email, 'Re: hello')).resolves.toMatchObject({ missingPhones: [] });
    await setPhone(acme, pat.email, uniquePhone('+1617555'));
    await expect(both('Everyone has a phone')).resolves.toMatchObject({ missingPhones: [] });
  });
});

describe('the SMS step keeps the limits of a sign-in code', () => {
  async function lockedPat() {
    const acme = await createTestOrg({ licensed: 1 });
    await smsPolicy(acme.orgId);
    const alice = await portalUser(`user0@${acme.domain}`);
    const pat = await portalUser(`limits.${acme.domain.split('.')[0]}@partner.example`);
    await send(alice, pat.email, 'Limits');
    const phone = uniquePhone('+1617555');
    await setPhone(acme, pat.email, phone);
    return { acme, pat, phone, step: (code: string, now?: Date) => verifySmsCode({ viewer: pat, orgId: acme.orgId, code, clientAddress: '', now }) };
  }

  it('6 digits, stored hashed, single use, and every try is an audit event of the organisation', async () => {
    const { acme, pat, phone, step } = await lockedPat();
    await sendSmsCode({ viewer: pat, orgId: acme.orgId });
    const code = await lastCode(phone);
    expect(code).toMatch(/^\d{6}$/);
    const [challenge] = await getDb().select().from(smsChallenges).where(eq(smsChallenges.portalUserId, pat.id));
    expect(challenge.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(challenge.codeHash).not.toContain(code);
    const [sms] = await getDb().select({ carriesSecret: outboxMessages.carriesSecret }).from(outboxMessages).where(eq(outboxMessages.recipient, phone));
    expect(sms.carriesSecret).toBe(true);
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await refusal(step(wrong))).code).toBe('invalid_input');
    await step(code);
    expect((await refusal(step(code))).code).toBe('expired');
    const events = await getDb().select({ action: auditEvents.action, orgId: auditEvents.orgId }).from(auditEvents).where(eq(auditEvents.actorEmail, pat.email));
    expect(events.filter((e) => e.orgId === acme.orgId).map((e) => e.action).sort()).toEqual(['auth.sign_in_failed', 'auth.sign_in_failed', 'auth.sms_verified']);
  });

  it('at most 5 tries, 10 minutes, and one success under 20 concurrent submissions', async () => {
    const { acme, pat, phone, step } = await lockedPat();
    await sendSmsCode({ viewer: pat, orgId: acme.orgId });
    const code = await lastCode(phone);
    const wrong = code === '999999' ? '888888' : '999999';
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) await refusal(step(wrong));
    expect((await refusal(step(code))).code).toBe('expired');

    await sendSmsCode({ viewer: pat, orgId: acme.orgId });
    const late = new Date(Date.now() + 11 * 60_000);
    expect((await refusal(step(await lastCode(phone), late))).code).toBe('expired');

    await sendSmsCode({ viewer: pat, orgId: acme.orgId });
    const code3 = await lastCode(phone);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => step(code3)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('a new code replaces the old one; at most 3 codes in 10 minutes, even asked for at once', async () => {
    const { acme, pat, phone, step } = await lockedPat();
    await sendSmsCode({ viewer: pat, orgId: acme.orgId });
    const oldCode = await lastCode(phone);
    await sendSmsCode({ viewer: pat, orgId: acme.orgId });
    const newCode = await lastCode(phone);
    if (oldCode !== newCode) expect((await refusal(step(oldCode))).code).toBe('invalid_input');
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => sendSmsCode({ viewer: pat, orgId: acme.orgId })));
    expect(await texts(phone)).toBe(3);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as { code: string; message: string }] : []));
    expect(refused).toHaveLength(5);
    expect(refused.every((e) => e.code === 'rate_limited' && e.message === TOO_MANY_CODES)).toBe(true);
    // Another session of the same person shares the limit (it bounds the texts to that number).
    expect((await refusal(sendSmsCode({ viewer: { ...pat, sessionId: randomUUID() }, orgId: acme.orgId }))).code).toBe('rate_limited');
    await expect(sendSmsCode({ viewer: pat, orgId: acme.orgId, now: new Date(Date.now() + 11 * 60_000) })).resolves.toHaveProperty('phoneHint');
  });
  it('says so on the step when the text carrying the code was refused (an invalid number), until a new code is asked for', async () => {
    const { acme, pat, phone } = await lockedPat();
    const twilio = await startFakeTwilio();
    try {
      const sms = twilioTransport({ accountSid: `AC${'0123456789abcdef'.repeat(2)}`, authToken: 'token', from: '+15005550006', apiBase: twilio.url }, 'http://sealpost.test');
      const deliverLatest = async () => {
        const [latest] = await getDb()
          .select({ id: outboxMessages.id })
          .from(outboxMessages)
          .where(and(eq(outboxMessages.channel, 'sms'), eq(outboxMessages.recipient, phone)))
          .orderBy(desc(outboxMessages.createdAt))
          .limit(1);
        return (await deliverOutboxMessage(getDb(), latest.id, { email: outboxTransport, sms })).status;
      };
      twilio.scriptFor(phone, [{ status: 400, code: 21211, message: 'Invalid To number' }]);
      await sendSmsCode({ viewer: pat, orgId: acme.orgId });
      await expect(smsStepFor(pat, acme.orgId)).resolves.toMatchObject({ codeSent: true, codeFailed: false });
      expect(await deliverLatest()).toBe('failed');
      await expect(smsStepFor(pat, acme.orgId)).resolves.toMatchObject({ codeSent: true, codeFailed: true });
      // A new code is a new text: the step shows it as sent again.
      await sendSmsCode({ viewer: pat, orgId: acme.orgId });
      await expect(smsStepFor(pat, acme.orgId)).resolves.toMatchObject({ codeSent: true, codeFailed: false });
      expect(await deliverLatest()).toBe('sent');
      await expect(smsStepFor(pat, acme.orgId)).resolves.toMatchObject({ codeSent: true, codeFailed: false });
    } finally {
      await twilio.close();
    }
  });
});
