import { randomBytes, randomUUID } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, licensedEmails, messageRecipients, outboxMessages, portalUsers, secureMessages } from '@/db/schema';
import { INVALID_CREDENTIALS } from '@/lib/auth/authenticate';
import { hashPassword } from '@/lib/auth/passwords';
import { sendMessageSchema } from '@/lib/messaging/schemas';
import { sendMessage } from '@/lib/messaging/send-message';
import { findPortalLink, issuePortalPasswordLink, requestPortalPasswordLink, setPortalPassword, signInPortalUser } from '@/lib/portal/accounts';
import { getPortalSession } from '@/lib/portal/queries';
import { actorFor, createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { addLicensedEmails } from './add-licensed-emails';
import { removeLicensedEmail, renameLicensedEmail } from './change-licensed-email';

const PASSWORD = 'Portal-Test-Pass-42';
let hash: Promise<string> | undefined;
/** A fresh client address per sign-in, so the per-address throttle never decides a test. */
const address = () => `203.0.113.${1 + randomBytes(1)[0] % 250}`;

async function activeUser(email: string) {
  hash ??= hashPassword(PASSWORD);
  const [row] = await getDb().insert(portalUsers).values({ email, passwordHash: await hash, status: 'active' }).returning({ id: portalUsers.id });
  const session = await getPortalSession(getDb(), row.id);
  if (!session) throw new Error('no session');
  return { ...session, sessionId: randomUUID() };
}

async function licensedRow(email: string) {
  const [row] = await getDb().select({ id: licensedEmails.id }).from(licensedEmails).where(eq(licensedEmails.email, email));
  return row.id;
}

const account = async (email: string) => (await getDb().select().from(portalUsers).where(eq(portalUsers.email, email)))[0];

async function latestAudit(orgId: string, action: string) {
  const [row] = await getDb()
    .select({ summary: auditEvents.summary })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)))
    .orderBy(desc(auditEvents.occurredAt))
    .limit(1);
  return row?.summary;
}

async function setup() {
  const org = await createTestOrg({ licenses: 10, licensed: 2 });
  const alice = await activeUser(`user0@${org.domain}`);
  const bob = await activeUser(`user1@${org.domain}`);
  const pat = await activeUser(`pat.${org.domain.split('.')[0]}@partner.example`);
  await sendMessage({ ...sendMessageSchema.parse({ to: [pat.email], subject: 'Kept for the records', body: 'Body' }), sender: alice });
  await sendMessage({ ...sendMessageSchema.parse({ to: [alice.email], subject: 'A reply', body: 'Body' }), sender: pat });
  return { org, alice, bob, pat };
}

describe('a licensed address and its portal account', () => {
  it('removing the address disables its account and ends its sessions, with the audit event; its mail stays', async () => {
    const { org, alice } = await setup();
    expect((await signInPortalUser({ email: alice.email, password: PASSWORD, clientAddress: address() })).id).toBe(alice.id);
    const link = (await getDb().transaction((tx) => issuePortalPasswordLink(tx, alice.id, new Date()))).split('/').pop() ?? '';

    await removeLicensedEmail({ actor: await actorFor(org.managerId), id: await licensedRow(alice.email) });

    const after = await account(alice.email);
    expect(after.status).toBe('disabled');
    // A session token carries the old version: it no longer matches on the next request.
    expect(after.sessionVersion).toBe(alice.sessionVersion + 1);
    const session = await getPortalSession(getDb(), alice.id);
    expect(session?.status).toBe('disabled');
    // Signing in gets the answer a wrong password gets; an unused password link is dead.
    expect((await refusal(signInPortalUser({ email: alice.email, password: PASSWORD, clientAddress: address() }))).message).toBe(INVALID_CREDENTIALS);
    expect((await refusal(signInPortalUser({ email: alice.email, password: 'Wrong-Password-1!', clientAddress: address() }))).message).toBe(INVALID_CREDENTIALS);
    expect(await findPortalLink(link)).toBeNull();
    expect(await latestAudit(org.orgId, 'licensed_emails.removed')).toBe(`${alice.email} removed; its license is free for reuse and its secure-message account is disabled`);
    // The messages it sent and received are kept.
    expect(await getDb().select({ id: secureMessages.id }).from(secureMessages).where(eq(secureMessages.senderId, alice.id))).toHaveLength(1);
    expect(await getDb().select({ id: messageRecipients.messageId }).from(messageRecipients).where(eq(messageRecipients.userId, alice.id))).toHaveLength(1);
  });

  it('another organisation cannot remove it, and a refused removal leaves the account as it was', async () => {
    const { alice } = await setup();
    const other = await createTestOrg();
    expect((await refusal(removeLicensedEmail({ actor: await actorFor(other.managerId), id: await licensedRow(alice.email) }))).code).toBe('not_found');
    expect(await account(alice.email)).toMatchObject({ status: 'active', sessionVersion: alice.sessionVersion });
  });

  it('renaming disables the old address’s account; the new address gets its own when written to', async () => {
    const { org, alice, pat } = await setup();
    const renamed = `renamed@${org.domain}`;
    await renameLicensedEmail({ actor: await actorFor(org.managerId), id: await licensedRow(alice.email), email: renamed });
    expect(await account(alice.email)).toMatchObject({ status: 'disabled', sessionVersion: alice.sessionVersion + 1 });
    expect((await refusal(signInPortalUser({ email: alice.email, password: PASSWORD, clientAddress: address() }))).message).toBe(INVALID_CREDENTIALS);
    expect(await latestAudit(org.orgId, 'licensed_emails.renamed')).toBe(`${alice.email} renamed to ${renamed}; the secure-message account of ${alice.email} is disabled`);
    expect(await account(renamed)).toBeUndefined();
    await sendMessage({ ...sendMessageSchema.parse({ to: [renamed], subject: 'To the new address', body: 'Body' }), sender: pat });
    expect(await account(renamed)).toMatchObject({ status: 'pending', passwordHash: null });
  });

  it('licensing the address again brings the account back, pending a new password set through a fresh link', async () => {
    const { org, alice } = await setup();
    const actor = await actorFor(org.managerId);
    await removeLicensedEmail({ actor, id: await licensedRow(alice.email) });
    // While removed, "Reset password" sends nothing.
    await requestPortalPasswordLink({ email: alice.email, clientAddress: address() });
    expect(await getDb().select().from(outboxMessages).where(and(eq(outboxMessages.recipient, alice.email), eq(outboxMessages.kind, 'portal_password')))).toEqual([]);

    expect(await addLicensedEmails({ actor, emails: [alice.email], source: 'manual' })).toMatchObject({ status: 'added', added: 1 });
    const back = await account(alice.email);
    expect(back).toMatchObject({ status: 'pending', passwordHash: null });
    expect(back.sessionVersion).toBe(alice.sessionVersion + 2);
    // The old password does not come back with it: the address may be someone else's now.
    expect((await refusal(signInPortalUser({ email: alice.email, password: PASSWORD, clientAddress: address() }))).message).toBe(INVALID_CREDENTIALS);

    await requestPortalPasswordLink({ email: alice.email, clientAddress: address() });
    const [mail] = await getDb().select().from(outboxMessages).where(and(eq(outboxMessages.recipient, alice.email), eq(outboxMessages.kind, 'portal_password')));
    const token = /\/secure\/activate\/([A-Za-z0-9_-]{43})/.exec(mail.bodyText)?.[1] ?? '';
    expect(await findPortalLink(token)).toEqual({ email: alice.email, firstTime: true });
    await setPortalPassword({ token, newPassword: 'Fresh-Start-Lantern-8', clientAddress: address() });
    expect((await signInPortalUser({ email: alice.email, password: 'Fresh-Start-Lantern-8', clientAddress: address() })).id).toBe(alice.id);
  });

  it('renaming to an address removed earlier brings that address’s account back, pending', async () => {
    const { org, alice, bob } = await setup();
    const actor = await actorFor(org.managerId);
    await removeLicensedEmail({ actor, id: await licensedRow(bob.email) });
    await renameLicensedEmail({ actor, id: await licensedRow(alice.email), email: bob.email });
    expect(await account(bob.email)).toMatchObject({ status: 'pending', passwordHash: null });
    expect(await account(alice.email)).toMatchObject({ status: 'disabled' });
  });
});
