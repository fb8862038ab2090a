import { and, desc, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { administratorEmailChanges, administratorInvitations, administrators, auditEvents, outboxMessages, passwordTokens } from '@/db/schema';
import { signInAdministrator } from '@/lib/auth/sign-in-administrator';
import { actorFor, createTestOrg, TEST_PASSWORD } from '@/tests/factories';
import { acceptInvitation, findInvitation, invitationRefusals } from './accept-invitation';
import { ALREADY_INVITED, inviteAdministrator, resendInvitation, revokeInvitation } from './invite-administrator';
import { cancelEmailChange } from './cancel-email-change';
import { confirmEmailChange, EMAIL_CHANGE_LINK_INVALID, findEmailChange } from './confirm-email-change';
import { listAdministrators, listPendingInvitations } from './queries';
import { resendEmailChange } from './request-email-change';
import { deactivateAdministrator, reactivateAdministrator } from './set-administrator-status';
import { updateAdministrator } from './update-administrator';
import { refusal } from '@/tests/refusal';

const details = (email: string, level: 1 | 2 | 3 = 2) => ({
  name: 'Jordan Hale',
  email,
  phone: '(617) 555-0100',
  addressLine1: '1 Main St',
  addressLine2: '',
  city: 'Springfield',
  region: 'IL',
  postalCode: '62701',
  country: 'United States',
  level,
});
const INITIAL = 'Initial-Granite-Pass-4';


async function row(id: string) {
  const [r] = await getDb().select().from(administrators).where(eq(administrators.id, id));
  return r;
}

async function events(orgId: string, action: string) {
  return getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));
}

/** The link in the latest invitation email to `email` (read from the outbox, as the browser would). */
async function invitationLink(email: string): Promise<string> {
  const sent = await getDb()
    .select({ bodyText: outboxMessages.bodyText })
    .from(outboxMessages)
    .where(and(eq(outboxMessages.recipient, email), eq(outboxMessages.kind, 'administrator_invitation')))
    .orderBy(desc(outboxMessages.createdAt));
  const match = sent[0]?.bodyText.match(/\/accept-invitation\/([A-Za-z0-9_-]{43})/);
  if (!match) throw new Error(`no invitation sent to ${email}`);
  return match[1];
}

/** Invites `email` and accepts with INITIAL as the password: the new administrator's id. */
async function invitedAdministrator(actor: Awaited<ReturnType<typeof actorFor>>, input: ReturnType<typeof details>) {
  await inviteAdministrator({ actor, ...input });
  await acceptInvitation({ token: await invitationLink(input.email), newPassword: INITIAL, clientAddress: '203.0.113.9' });
  const [created] = await getDb().select({ id: administrators.id }).from(administrators).where(eq(administrators.email, input.email));
  return created.id;
}

describe('invitations', () => {
  it('invites by email (no password chosen by anyone else); the link sets the password once, then they sign in', async () => {
    const org = await createTestOrg();
    const actor = await actorFor(org.ownerId);
    const email = `new@${org.domain}`;
    const { id: invitationId } = await inviteAdministrator({ actor, ...details(email) });
    // No administrator exists until the invitation is accepted.
    expect(await getDb().$count(administrators, eq(administrators.email, email))).toBe(0);
    const [pending] = await listPendingInvitations(getDb(), org.orgId);
    expect(pending).toMatchObject({ id: invitationId, email, level: 2 });
    expect(pending.expiresAt.getTime() - pending.invitedAt.getTime()).toBe(7 * 86_400_000);
    const [mail] = await getDb().select().from(outboxMessages).where(eq(outboxMessages.recipient, email));
    expect(mail).toMatchObject({ kind: 'administrator_invitation', carriesSecret: true });
    const token = await invitationLink(email);
    // Only the hash is stored.
    const [stored] = await getDb().select().from(administratorInvitations).where(eq(administratorInvitations.id, invitationId));
    expect(stored.tokenHash).not.toContain(token);
    expect(await findInvitation(token)).toMatchObject({ state: 'open', email, name: 'Jordan Hale' });

    expect((await refusal(acceptInvitation({ token, newPassword: 'Password1!', clientAddress: '' }))).fieldErrors).toHaveProperty('newPassword');
    await acceptInvitation({ token, newPassword: INITIAL, clientAddress: '203.0.113.9' });
    const [created] = await getDb().select().from(administrators).where(eq(administrators.email, email));
    // A national number is read as a US one and stored as E.164.
    expect(created).toMatchObject({ orgId: org.orgId, level: 2, status: 'active', mustChangePassword: false, phone: '+16175550100' });
    await expect(signInAdministrator({ email, password: INITIAL, clientAddress: '' })).resolves.toMatchObject({ id: created.id, mustChangePassword: false });
    // Single use.
    expect(await findInvitation(token)).toMatchObject({ state: 'accepted' });
    expect((await refusal(acceptInvitation({ token, newPassword: 'Another-Granite-Pass-5', clientAddress: '' }))).message).toBe(invitationRefusals.accepted);
    expect(await listPendingInvitations(getDb(), org.orgId)).toHaveLength(0);

    const invited = await events(org.orgId, 'administrators.invited');
    expect(invited).toHaveLength(1);
    expect(invited[0]).toMatchObject({ actorEmail: `owner@${org.domain}`, targetId: invitationId });
    const [accepted] = await events(org.orgId, 'administrators.invitation_accepted');
    expect(accepted).toMatchObject({ actorEmail: email, targetId: created.id, clientAddress: '203.0.113.9' });
  });

  it('accepts a link once under concurrent submissions', async () => {
    const org = await createTestOrg();
    const email = `race@${org.domain}`;
    await inviteAdministrator({ actor: await actorFor(org.ownerId), ...details(email) });
    const token = await invitationLink(email);
    const results = await Promise.allSettled([1, 2, 3].map(() => acceptInvitation({ token, newPassword: INITIAL, clientAddress: '' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await getDb().$count(administrators, eq(administrators.email, email))).toBe(1);
  });

  it('resend replaces the link and renews 7 days; revoke and expiry make the link say so', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    const email = `later@${org.domain}`;
    const t0 = new Date('2026-03-01T10:00:00Z');
    const { id } = await inviteAdministrator({ actor: owner, ...details(email), now: t0 });
    const first = await invitationLink(email);
    const eightDays = new Date(t0.getTime() + 8 * 86_400_000);
    expect(await findInvitation(first, eightDays)).toMatchObject({ state: 'expired' });
    expect((await refusal(acceptInvitation({ token: first, newPassword: INITIAL, clientAddress: '', now: eightDays }))).message).toBe(invitationRefusals.expired);

    await resendInvitation({ actor: owner, id, now: eightDays });
    const second = await invitationLink(email);
    expect(second).not.toBe(first);
    expect(await findInvitation(first, eightDays)).toBeNull();
    expect(await findInvitation(second, eightDays)).toMatchObject({ state: 'open' });
    expect(await events(org.orgId, 'administrators.invitation_resent')).toHaveLength(1);

    await revokeInvitation({ actor: owner, id, now: eightDays });
    expect(await findInvitation(second, eightDays)).toMatchObject({ state: 'revoked' });
    expect((await refusal(acceptInvitation({ token: second, newPassword: INITIAL, clientAddress: '', now: eightDays }))).message).toBe(invitationRefusals.revoked);
    expect((await refusal(resendInvitation({ actor: owner, id, now: eightDays }))).code).toBe('not_found');
    expect(await events(org.orgId, 'administrators.invitation_revoked')).toHaveLength(1);
    expect(await getDb().$count(administrators, eq(administrators.email, email))).toBe(0);
    // A revoked invitation frees the address for a new one.
    await inviteAdministrator({ actor: owner, ...details(email), now: eightDays });
  });

  it('refuses levels 2 and 3, a taken or already invited address, a level above one\'s own, another organisation\'s invitation', async () => {
    const org = await createTestOrg();
    for (const lower of [org.managerId, org.viewerId]) {
      const e = await refusal(inviteAdministrator({ actor: await actorFor(lower), ...details(`x@${org.domain}`) }));
      expect(e.code).toBe('forbidden');
    }
    const owner = await actorFor(org.ownerId);
    expect((await refusal(inviteAdministrator({ actor: owner, ...details(`manager@${org.domain}`) }))).code).toBe('conflict');
    const { id } = await inviteAdministrator({ actor: owner, ...details(`twice@${org.domain}`) });
    expect((await refusal(inviteAdministrator({ actor: owner, ...details(`twice@${org.domain}`) }))).message).toBe(ALREADY_INVITED);
    // An email change cannot take an invited address either.
    expect((await refusal(updateAdministrator({ actor: owner, id: org.managerId, ...details(`twice@${org.domain}`) }))).code).toBe('conflict');
    const other = await createTestOrg();
    const otherOwner = await actorFor(other.ownerId);
    expect((await refusal(revokeInvitation({ actor: otherOwner, id }))).code).toBe('not_found');
    expect((await refusal(resendInvitation({ actor: otherOwner, id }))).code).toBe('not_found');
    expect(await events(org.orgId, 'administrators.invited')).toHaveLength(1);
  });

  it('refuses a phone number that is not one, on its field, and takes no phone at all', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    for (const phone of ['555 0100', '+44 20 7946', '12345678901234567']) {
      const e = await refusal(inviteAdministrator({ actor: owner, ...details(`p@${org.domain}`), phone }));
      expect(e.code).toBe('invalid_input');
      expect(e.fieldErrors?.phone?.[0]).toMatch(/phone number/);
    }
    expect(await events(org.orgId, 'administrators.invited')).toHaveLength(0);
    const id = await invitedAdministrator(owner, { ...details(`p@${org.domain}`), phone: '  ' });
    expect((await row(id)).phone).toBe('');
    await updateAdministrator({ actor: owner, id, ...details(`p@${org.domain}`), phone: '+44 20 7946 0321' });
    expect((await row(id)).phone).toBe('+442079460321');
  });
});

describe('updateAdministrator', () => {
  it('changes details and level, ends the sessions on a level change, and says what changed', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    const before = await row(org.managerId);
    await updateAdministrator({ actor: owner, id: org.managerId, ...details(`manager@${org.domain}`, 3), name: 'Mona Manager' });
    const after = await row(org.managerId);
    expect(after).toMatchObject({ level: 3, name: 'Mona Manager', city: 'Springfield' });
    expect(after.sessionVersion).toBe(before.sessionVersion + 1);
    const [event] = await events(org.orgId, 'administrators.updated');
    expect(event.summary).toMatch(/level 2 → 3/);
    expect(event.summary).toMatch(/name/);
  });

  it('keeps a phone number stored before numbers were checked when the form leaves it as it was', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    await getDb().update(administrators).set({ phone: '555-0100 ext 3' }).where(eq(administrators.id, org.managerId));
    const before = (await events(org.orgId, 'administrators.updated')).length;
    await updateAdministrator({ actor: owner, id: org.managerId, ...details(`manager@${org.domain}`, 3), phone: '555-0100 ext 3' });
    const after = await row(org.managerId);
    expect(after).toMatchObject({ level: 3, phone: '555-0100 ext 3' });
    const [event] = (await events(org.orgId, 'administrators.updated')).slice(before);
    expect(event.summary).not.toMatch(/phone/);
    // Edited, it must be a phone number.
    expect((await refusal(updateAdministrator({ actor: owner, id: org.managerId, ...details(`manager@${org.domain}`, 3), phone: '555-0100 ext 4' }))).fieldErrors).toHaveProperty('phone');
  });

  it('does not count the same phone number, written another way, as a change', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    await updateAdministrator({ actor: owner, id: org.managerId, ...details(`manager@${org.domain}`) });
    const first = (await events(org.orgId, 'administrators.updated')).length;
    await updateAdministrator({ actor: owner, id: org.managerId, ...details(`manager@${org.domain}`), phone: '+1 617 555 0100' });
    expect(await events(org.orgId, 'administrators.updated')).toHaveLength(first);
  });

  it('never demotes the last active level 1 administrator', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    const e = await refusal(updateAdministrator({ actor: owner, id: org.ownerId, ...details(`owner@${org.domain}`, 2) }));
    expect(e.code).toBe('conflict');
    expect((await row(org.ownerId)).level).toBe(1);
  });

  it("answers another organisation's administrator as not found and changes nothing", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const e = await refusal(updateAdministrator({ actor: await actorFor(a.ownerId), id: b.managerId, ...details(`manager@${b.domain}`, 3) }));
    expect(e.code).toBe('not_found');
    expect((await row(b.managerId)).level).toBe(2);
    expect(await events(a.orgId, 'administrators.updated')).toHaveLength(0);
  });
});

describe('deactivate and reactivate', () => {
  it('deactivation refuses sign-in and ends sessions; reactivation restores sign-in', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    const before = await row(org.managerId);
    await deactivateAdministrator({ actor: owner, id: org.managerId });
    const after = await row(org.managerId);
    expect(after.status).toBe('inactive');
    expect(after.sessionVersion).toBe(before.sessionVersion + 1);
    await expect(signInAdministrator({ email: `manager@${org.domain}`, password: 'Correct-Horse-42!', clientAddress: '' })).rejects.toThrow(
      /Incorrect/,
    );
    expect(await events(org.orgId, 'administrators.deactivated')).toHaveLength(1);
    await reactivateAdministrator({ actor: owner, id: org.managerId });
    expect((await row(org.managerId)).status).toBe('active');
    expect(await events(org.orgId, 'administrators.reactivated')).toHaveLength(1);
  });

  it('refuses self-deactivation, a lower level, and leaving no active level 1 — even concurrently', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    expect((await refusal(deactivateAdministrator({ actor: owner, id: org.ownerId }))).code).toBe('conflict');
    expect((await refusal(deactivateAdministrator({ actor: await actorFor(org.managerId), id: org.viewerId }))).code).toBe('forbidden');

    // Two level 1 administrators deactivate each other at the same moment: one must fail.
    const second = await invitedAdministrator(owner, details(`second@${org.domain}`, 1));
    const secondActor = await actorFor(second);
    const results = await Promise.allSettled([
      deactivateAdministrator({ actor: owner, id: second }),
      deactivateAdministrator({ actor: secondActor, id: org.ownerId }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const active = await getDb()
      .select({ id: administrators.id })
      .from(administrators)
      .where(and(eq(administrators.orgId, org.orgId), eq(administrators.level, 1), eq(administrators.status, 'active')));
    expect(active).toHaveLength(1);
    expect(await events(org.orgId, 'administrators.deactivated')).toHaveLength(1);
  });
});

describe('changing an administrator email', () => {
  async function confirmationLinks(to: string) {
    const messages = await getDb().select().from(outboxMessages).where(and(eq(outboxMessages.recipient, to), eq(outboxMessages.kind, 'email_change_confirmation')));
    return messages.map((m) => /\/confirm-email\/([A-Za-z0-9_-]{43})/.exec(m.bodyText)?.[1] ?? '');
  }
  async function noticesTo(to: string) {
    return getDb()
      .select()
      .from(outboxMessages)
      .where(and(eq(outboxMessages.recipient, to), inArray(outboxMessages.kind, ['email_change_requested', 'email_changed'])));
  }

  it('waits for confirmation from the new address: the old one keeps signing in until the link is opened, once', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    const oldEmail = `manager@${org.domain}`;
    const newEmail = `new.manager@${org.domain}`;
    const result = await updateAdministrator({ actor: owner, id: org.managerId, ...details(newEmail), city: 'Shelbyville' });
    expect(result).toEqual({ pendingEmail: newEmail });
    // The other details change at once; the email does not.
    expect(await row(org.managerId)).toMatchObject({ email: oldEmail, city: 'Shelbyville' });
    const [pending] = await getDb().select().from(administratorEmailChanges).where(eq(administratorEmailChanges.administratorId, org.managerId));
    expect(pending).toMatchObject({ newEmail, requestedBy: owner.email });
    expect(pending.expiresAt.getTime() - pending.requestedAt.getTime()).toBe(24 * 3600_000);
    const [token] = await confirmationLinks(newEmail);
    expect(token).toHaveLength(43);
    expect(pending.tokenHash).not.toContain(token);
    const [requested] = await noticesTo(oldEmail);
    expect(requested.bodyText).toContain(`to ${newEmail}`);
    const [event] = await events(org.orgId, 'administrators.email_change_requested');
    expect(event.summary).toContain(`from ${oldEmail} to ${newEmail}`);
    expect(await signInAdministrator({ email: oldEmail, password: TEST_PASSWORD, clientAddress: '' })).toMatchObject({ id: org.managerId });
    await expect(signInAdministrator({ email: newEmail, password: TEST_PASSWORD, clientAddress: '' })).rejects.toThrow(/Incorrect/);
    expect((await listAdministrators(getDb(), org.orgId)).find((a) => a.id === org.managerId)).toMatchObject({ email: oldEmail, pendingEmail: newEmail });

    // A reset link sent to the old address before the change stops working with it.
    await getDb().insert(passwordTokens).values({ orgId: org.orgId, purpose: 'reset', administratorId: org.managerId, tokenHash: 'old-reset', expiresAt: new Date(Date.now() + 3600_000) });
    expect(await findEmailChange(token)).toEqual({ name: 'Jordan Hale', oldEmail, newEmail });
    // Twenty browsers open the link at once: one changes the email.
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => confirmEmailChange({ token, clientAddress: '203.0.113.9' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.message === EMAIL_CHANGE_LINK_INVALID)).toBe(true);
    expect((await row(org.managerId)).email).toBe(newEmail);
    expect(await events(org.orgId, 'administrators.email_changed')).toMatchObject([{ clientAddress: '203.0.113.9', targetId: org.managerId }]);
    expect((await noticesTo(oldEmail)).map((m) => m.kind).sort()).toEqual(['email_change_requested', 'email_changed']);
    const [reset] = await getDb().select().from(passwordTokens).where(eq(passwordTokens.tokenHash, 'old-reset'));
    expect(reset.usedAt).not.toBeNull();
    expect(await findEmailChange(token)).toBeNull();
    expect(await signInAdministrator({ email: newEmail, password: TEST_PASSWORD, clientAddress: '' })).toMatchObject({ id: org.managerId });
  });

  it('refuses an expired link, and Resend replaces the link while Cancel drops the change', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    const newEmail = `moved@${org.domain}`;
    const asked = new Date('2026-12-01T10:00:00Z');
    await updateAdministrator({ actor: owner, id: org.managerId, ...details(newEmail), now: asked });
    const [first] = await confirmationLinks(newEmail);
    expect((await refusal(confirmEmailChange({ token: first, clientAddress: '', now: new Date(asked.getTime() + 24 * 3600_000 + 1) }))).code).toBe('expired');

    await resendEmailChange({ actor: owner, id: org.managerId });
    const links = await confirmationLinks(newEmail);
    expect(links).toHaveLength(2);
    const second = links.find((t) => t !== first) ?? '';
    expect((await refusal(confirmEmailChange({ token: first, clientAddress: '' }))).code).toBe('expired');
    // The old address was told once, not again at the resend.
    expect(await noticesTo(`manager@${org.domain}`)).toHaveLength(1);

    await cancelEmailChange({ actor: owner, id: org.managerId });
    expect(await events(org.orgId, 'administrators.email_change_cancelled')).toHaveLength(1);
    expect((await refusal(confirmEmailChange({ token: second, clientAddress: '' }))).code).toBe('expired');
    expect((await row(org.managerId)).email).toBe(`manager@${org.domain}`);
    expect((await refusal(cancelEmailChange({ actor: owner, id: org.managerId }))).code).toBe('not_found');
    expect((await refusal(resendEmailChange({ actor: owner, id: org.managerId }))).code).toBe('not_found');
  });

  it("applies to one's own email too, and refuses a taken address, lower levels and another organisation", async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    await updateAdministrator({ actor: owner, id: org.ownerId, ...details(`me@${org.domain}`, 1) });
    expect((await row(org.ownerId)).email).toBe(`owner@${org.domain}`);
    expect(await confirmationLinks(`me@${org.domain}`)).toHaveLength(1);

    const taken = await refusal(updateAdministrator({ actor: owner, id: org.managerId, ...details(`viewer@${org.domain}`) }));
    expect(taken.code).toBe('conflict');
    expect(taken.fieldErrors?.email).toBeDefined();
    const manager = await actorFor(org.managerId);
    expect((await refusal(resendEmailChange({ actor: manager, id: org.ownerId }))).code).toBe('forbidden');
    expect((await refusal(cancelEmailChange({ actor: manager, id: org.ownerId }))).code).toBe('forbidden');
    const other = await createTestOrg();
    const stranger = await actorFor(other.ownerId);
    expect((await refusal(resendEmailChange({ actor: stranger, id: org.ownerId }))).code).toBe('not_found');
    expect((await refusal(cancelEmailChange({ actor: stranger, id: org.ownerId }))).code).toBe('not_found');
    expect(await events(other.orgId, 'administrators.email_change_requested')).toHaveLength(0);

    // Someone else takes the address before the link is opened: refused, nothing changes.
    const [token] = await confirmationLinks(`me@${org.domain}`);
    await getDb().insert(administrators).values({ orgId: org.orgId, email: `me@${org.domain}`, name: 'Squatter', level: 3, passwordHash: 'x' });
    expect((await refusal(confirmEmailChange({ token, clientAddress: '' }))).code).toBe('conflict');
    expect((await row(org.ownerId)).email).toBe(`owner@${org.domain}`);
  });
});
