import { and, desc, eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { administrators, auditEvents, outboxMessages, passwordTokens } from '@/db/schema';
import { AppError } from '@/lib/errors/app-error';
import { actorFor, createTestOrg, setMustChangePassword, TEST_PASSWORD } from '@/tests/factories';
import { changePassword } from './change-password';
import { verifyPassword } from './passwords';
import { requestPasswordReset } from './request-password-reset';
import { findResetLink, resetPassword } from './reset-password';
import { INVALID_CREDENTIALS, signInAdministrator } from './sign-in-administrator';
import { signOutAdministrator } from './sign-out-administrator';
import { refusal } from '@/tests/refusal';

const NEW_PASSWORD = 'Brand-New-Passphrase-7!';


async function eventsOf(orgId: string | null, action: string) {
  const db = getDb();
  return db
    .select()
    .from(auditEvents)
    .where(orgId ? and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)) : eq(auditEvents.action, action))
    .orderBy(desc(auditEvents.id));
}

async function admin(id: string) {
  const [row] = await getDb().select().from(administrators).where(eq(administrators.id, id));
  return row;
}

/** The token of the newest reset email sent to `email`, read from the outbox like a user would. */
async function resetTokenFromOutbox(email: string): Promise<string> {
  const [message] = await getDb()
    .select({ bodyText: outboxMessages.bodyText, carriesSecret: outboxMessages.carriesSecret })
    .from(outboxMessages)
    .where(and(eq(outboxMessages.recipient, email), eq(outboxMessages.kind, 'password_reset')))
    .orderBy(desc(outboxMessages.createdAt))
    .limit(1);
  // The link is a secret: redacted once a real transport has sent it (lib/mail/deliver.ts).
  if (message && !message.carriesSecret) throw new Error('a reset email must be marked as carrying a secret');
  const match = /\/reset-password\/([A-Za-z0-9_-]{43})/.exec(message?.bodyText ?? '');
  if (!match) throw new Error('no reset link in the outbox');
  return match[1];
}

describe('signInAdministrator', () => {
  let org: Awaited<ReturnType<typeof createTestOrg>>;
  beforeEach(async () => {
    org = await createTestOrg();
  });

  it('signs in with the right password and records the event with the client address', async () => {
    const result = await signInAdministrator({ email: `OWNER@${org.domain}`, password: TEST_PASSWORD, clientAddress: '203.0.113.5' });
    expect(result.id).toBe(org.ownerId);
    const [event] = await eventsOf(org.orgId, 'auth.signed_in');
    expect(event.clientAddress).toBe('203.0.113.5');
    expect(event.actorId).toBe(org.ownerId);
    expect((await admin(org.ownerId)).lastSignInAt).not.toBeNull();
  });

  it('answers unknown addresses, wrong passwords and inactive accounts the same way', async () => {
    await getDb().update(administrators).set({ status: 'inactive' }).where(eq(administrators.id, org.viewerId));
    const unknown = await refusal(signInAdministrator({ email: `nobody@${org.domain}`, password: TEST_PASSWORD, clientAddress: '' }));
    const wrong = await refusal(signInAdministrator({ email: `owner@${org.domain}`, password: 'Wrong-Password-1!', clientAddress: '' }));
    const inactive = await refusal(signInAdministrator({ email: `viewer@${org.domain}`, password: TEST_PASSWORD, clientAddress: '' }));
    for (const e of [unknown, wrong, inactive]) {
      expect(e.code).toBe('unauthenticated');
      expect(e.message).toBe(INVALID_CREDENTIALS);
    }
    expect(await eventsOf(org.orgId, 'auth.sign_in_failed')).toHaveLength(2);
    const [anonymous] = await eventsOf(null, 'auth.sign_in_failed').then((rows) =>
      rows.filter((r) => r.actorEmail === `nobody@${org.domain}`),
    );
    expect(anonymous.orgId).toBeNull();
  });

  it('throttles an account after five failures, even with the right password, and says to wait', async () => {
    for (let i = 0; i < 5; i++) {
      await refusal(signInAdministrator({ email: `owner@${org.domain}`, password: `Wrong-${i}-Pass!`, clientAddress: '' }));
    }
    const throttled = await refusal(signInAdministrator({ email: `owner@${org.domain}`, password: TEST_PASSWORD, clientAddress: '' }));
    expect(throttled.code).toBe('rate_limited');
    expect(throttled.message).toMatch(/Wait 15 minutes/);
    // After the window the account works again.
    const later = new Date(Date.now() + 16 * 60 * 1000);
    await expect(signInAdministrator({ email: `owner@${org.domain}`, password: TEST_PASSWORD, clientAddress: '', now: later })).resolves.toMatchObject({
      id: org.ownerId,
    });
  });

  it('lets at most five of many concurrent guesses at one account be checked; the rest are throttled', async () => {
    const attempts = Array.from({ length: 24 }, (_, i) =>
      signInAdministrator({ email: `manager@${org.domain}`, password: i === 23 ? TEST_PASSWORD : `Wrong-${i}-Pass!`, clientAddress: '192.0.2.2' }),
    );
    const outcomes = await Promise.allSettled(attempts);
    const checked = (await eventsOf(org.orgId, 'auth.sign_in_failed')).filter((e) => e.summary.includes(`manager@${org.domain}`) && !e.summary.includes('throttled'));
    const signedIn = outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(checked.length + signedIn).toBeLessThanOrEqual(5);
    const throttled = outcomes.filter((o) => o.status === 'rejected' && (o.reason as AppError).code === 'rate_limited').length;
    expect(throttled).toBeGreaterThanOrEqual(19);
    // The refusals while throttled are one event with their count, not one row each.
    const refusedEvents = (await eventsOf(org.orgId, 'auth.sign_in_failed')).filter((e) => e.summary.includes(`manager@${org.domain}`) && e.summary.includes('throttled'));
    expect(refusedEvents).toHaveLength(1);
    expect(refusedEvents[0].metadata).toMatchObject({ reason: 'throttled', count: throttled });
    expect(refusedEvents[0].summary).toBe(`${throttled} sign-in attempts for manager@${org.domain} refused while throttled`);
  });

  it('does not let someone hammering an account from one address lock out its user at another', async () => {
    const attacker = '198.51.100.1';
    for (let i = 0; i < 20; i++) {
      const e = await refusal(signInAdministrator({ email: `owner@${org.domain}`, password: `Wrong-${i}-Pass!`, clientAddress: attacker }));
      expect(e.code).toBe(i < 5 ? 'unauthenticated' : 'rate_limited');
    }
    // Refused there even with the right password …
    expect((await refusal(signInAdministrator({ email: `owner@${org.domain}`, password: TEST_PASSWORD, clientAddress: attacker }))).code).toBe('rate_limited');
    // … while the owner, elsewhere, signs in.
    await expect(signInAdministrator({ email: `owner@${org.domain}`, password: TEST_PASSWORD, clientAddress: '203.0.113.9' })).resolves.toMatchObject({ id: org.ownerId });

    const failed = (await eventsOf(org.orgId, 'auth.sign_in_failed')).filter((e) => e.actorEmail === `owner@${org.domain}`);
    // Five checked guesses, one row each; the sixteen refusals after them, one row with their count.
    expect(failed.filter((e) => e.metadata.reason === 'wrong password')).toHaveLength(5);
    const refused = failed.filter((e) => e.metadata.reason === 'throttled');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ clientAddress: attacker, summary: `16 sign-in attempts for owner@${org.domain} refused while throttled` });
    expect(refused[0].metadata).toMatchObject({ count: 16, kind: 'administrator' });
  });

  it('refuses an account everywhere past its looser ceiling, to which each address adds only its own limit', async () => {
    const guess = (address: string, i: number) => refusal(signInAdministrator({ email: `manager@${org.domain}`, password: `Wrong-${i}-Pass!`, clientAddress: address }));
    // Nine addresses guess eight times each: only the first five of each are counted on the account.
    for (let a = 0; a < 9; a++) for (let i = 0; i < 8; i++) await guess(`198.51.100.${10 + a}`, i);
    await expect(signInAdministrator({ email: `manager@${org.domain}`, password: TEST_PASSWORD, clientAddress: '203.0.113.20' })).resolves.toMatchObject({ id: org.managerId });
    // The success cleared the account's failures; fifty more from ten addresses reach the ceiling.
    for (let a = 0; a < 10; a++) for (let i = 0; i < 5; i++) await guess(`198.51.100.${30 + a}`, i);
    const refused = await refusal(signInAdministrator({ email: `manager@${org.domain}`, password: TEST_PASSWORD, clientAddress: '203.0.113.21' }));
    expect(refused.code).toBe('rate_limited');
    // A new window starts over, with a new event for its refusals.
    const later = new Date(Date.now() + 16 * 60 * 1000);
    await expect(signInAdministrator({ email: `manager@${org.domain}`, password: TEST_PASSWORD, clientAddress: '203.0.113.21', now: later })).resolves.toMatchObject({ id: org.managerId });
  });

  it('starts a new event for the refusals of a new window', async () => {
    const attempt = (now?: Date) => refusal(signInAdministrator({ email: `viewer@${org.domain}`, password: 'Wrong-Pass-1!', clientAddress: '198.51.100.99', now }));
    for (let i = 0; i < 7; i++) await attempt();
    const later = new Date(Date.now() + 16 * 60 * 1000);
    for (let i = 0; i < 8; i++) await attempt(later);
    const refused = (await eventsOf(org.orgId, 'auth.sign_in_failed')).filter((e) => e.actorEmail === `viewer@${org.domain}` && e.metadata.reason === 'throttled');
    expect(refused.map((e) => e.metadata.count)).toEqual([3, 2]);
  });

  it('does not hold successful sign-ins against their client address', async () => {
    const address = '192.0.2.88';
    for (let i = 0; i < 35; i++) await signInAdministrator({ email: `viewer@${org.domain}`, password: TEST_PASSWORD, clientAddress: address });
    await refusal(signInAdministrator({ email: `viewer@${org.domain}`, password: 'Wrong-Pass-1!', clientAddress: address }));
    await expect(signInAdministrator({ email: `viewer@${org.domain}`, password: TEST_PASSWORD, clientAddress: address })).resolves.toMatchObject({ id: org.viewerId });
  });

  it('throttles a client address that tries many accounts', async () => {
    const address = '192.0.2.77';
    for (let i = 0; i < 30; i++) {
      await refusal(signInAdministrator({ email: `probe${i}@${org.domain}`, password: 'Wrong-Pass-1!', clientAddress: address }));
    }
    const throttled = await refusal(signInAdministrator({ email: `owner@${org.domain}`, password: TEST_PASSWORD, clientAddress: address }));
    expect(throttled.code).toBe('rate_limited');
  });
});

describe('password reset', () => {
  it('emails a single-use link, stores only its hash, and answers unknown addresses the same way', async () => {
    const org = await createTestOrg();
    await expect(requestPasswordReset({ email: `nobody@${org.domain}`, clientAddress: '' })).resolves.toBeUndefined();
    await requestPasswordReset({ email: `manager@${org.domain}`, clientAddress: '203.0.113.9' });
    const token = await resetTokenFromOutbox(`manager@${org.domain}`);
    const tokens = await getDb().select().from(passwordTokens).where(eq(passwordTokens.administratorId, org.managerId));
    expect(tokens).toHaveLength(1);
    expect(tokens[0].tokenHash).not.toContain(token);
    expect(tokens[0].expiresAt.getTime() - tokens[0].createdAt.getTime()).toBe(24 * 3600 * 1000);
    expect(await eventsOf(org.orgId, 'auth.password_reset_requested')).toHaveLength(1);

    const before = await admin(org.managerId);
    await resetPassword({ token, newPassword: NEW_PASSWORD, clientAddress: '203.0.113.9' });
    const after = await admin(org.managerId);
    expect(await verifyPassword(after.passwordHash, NEW_PASSWORD)).toBe(true);
    expect(after.sessionVersion).toBe(before.sessionVersion + 1);
    expect(await eventsOf(org.orgId, 'auth.password_reset')).toHaveLength(1);

    const reused = await refusal(resetPassword({ token, newPassword: 'Another-Passphrase-8!', clientAddress: '' }));
    expect(reused.code).toBe('expired');
    expect(await findResetLink(token)).toBeNull();
  });

  it('refuses an expired link and a weak password without consuming the link', async () => {
    const org = await createTestOrg();
    await requestPasswordReset({ email: `owner@${org.domain}`, clientAddress: '' });
    const token = await resetTokenFromOutbox(`owner@${org.domain}`);
    const weak = await refusal(resetPassword({ token, newPassword: 'Password1!', clientAddress: '' }));
    expect(weak.code).toBe('invalid_input');
    expect(weak.fieldErrors?.newPassword?.[0]).toMatch(/too common/);
    const expired = await refusal(
      resetPassword({ token, newPassword: NEW_PASSWORD, clientAddress: '', now: new Date(Date.now() + 25 * 3600 * 1000) }),
    );
    expect(expired.code).toBe('expired');
    await expect(resetPassword({ token, newPassword: NEW_PASSWORD, clientAddress: '' })).resolves.toBeUndefined();
  });

  it('works once under 20 concurrent submissions of the same link', async () => {
    const org = await createTestOrg();
    await requestPasswordReset({ email: `viewer@${org.domain}`, clientAddress: '' });
    const token = await resetTokenFromOutbox(`viewer@${org.domain}`);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => resetPassword({ token, newPassword: `Concurrent-Pass-${i}!x`, clientAddress: '' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as AppError).code).toBe('expired');
    expect(await eventsOf(org.orgId, 'auth.password_reset')).toHaveLength(1);
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    expect(await verifyPassword((await admin(org.viewerId)).passwordHash, `Concurrent-Pass-${winner}!x`)).toBe(true);
  });

  it('keeps only the newest link valid', async () => {
    const org = await createTestOrg();
    await requestPasswordReset({ email: `owner@${org.domain}`, clientAddress: '' });
    const first = await resetTokenFromOutbox(`owner@${org.domain}`);
    await new Promise((r) => setTimeout(r, 5));
    await requestPasswordReset({ email: `owner@${org.domain}`, clientAddress: '' });
    const second = await resetTokenFromOutbox(`owner@${org.domain}`);
    expect(second).not.toBe(first);
    expect(await findResetLink(first)).toBeNull();
    expect(await findResetLink(second)).toEqual({ email: `owner@${org.domain}` });
  });
});

describe('changePassword', () => {
  it('changes the password, ends other sessions, clears the forced change and tells the user by email', async () => {
    const org = await createTestOrg();
    await setMustChangePassword(org.managerId);
    const actor = await actorFor(org.managerId);
    await changePassword({ actor, currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD });
    const after = await admin(org.managerId);
    expect(after.mustChangePassword).toBe(false);
    expect(after.sessionVersion).toBe(actor.sessionVersion + 1);
    expect(await verifyPassword(after.passwordHash, NEW_PASSWORD)).toBe(true);
    const [event] = await eventsOf(org.orgId, 'auth.password_changed');
    expect(event.summary).toMatch(/first sign-in/);
    const notices = await getDb().select().from(outboxMessages).where(and(eq(outboxMessages.recipient, `manager@${org.domain}`), eq(outboxMessages.kind, 'password_changed')));
    expect(notices).toHaveLength(1);
  });

  it('refuses a wrong current password, a rule-breaking password, and the same password again', async () => {
    const org = await createTestOrg();
    const actor = await actorFor(org.ownerId);
    expect((await refusal(changePassword({ actor, currentPassword: 'nope', newPassword: NEW_PASSWORD }))).fieldErrors).toHaveProperty('currentPassword');
    const withEmail = await refusal(changePassword({ actor, currentPassword: TEST_PASSWORD, newPassword: 'My-owner-Pass-9' }));
    expect(withEmail.fieldErrors?.newPassword?.join(' ')).toMatch(/email/);
    const same = await refusal(changePassword({ actor, currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD }));
    expect(same.fieldErrors?.newPassword?.[0]).toMatch(/different/);
    expect(await eventsOf(org.orgId, 'auth.password_changed')).toHaveLength(0);
    expect(await verifyPassword((await admin(org.ownerId)).passwordHash, TEST_PASSWORD)).toBe(true);
  });

  it('checks at most five concurrent guesses at the current password; the rest are throttled', async () => {
    const org = await createTestOrg();
    const actor = await actorFor(org.viewerId);
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => changePassword({ actor, currentPassword: `Wrong-${i}-Pass!`, newPassword: NEW_PASSWORD })));
    const codes = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as AppError).code : 'changed'));
    expect(codes.filter((c) => c === 'invalid_input').length).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === 'rate_limited').length).toBeGreaterThanOrEqual(7);
  });

  it("cannot change another organisation's administrator", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const forged = { ...(await actorFor(a.ownerId)), id: b.ownerId };
    const e = await refusal(changePassword({ actor: forged, currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD }));
    expect(e.code).toBe('unauthenticated');
    expect(await verifyPassword((await admin(b.ownerId)).passwordHash, TEST_PASSWORD)).toBe(true);
  });
});

describe('signOutAdministrator', () => {
  it('moves the session version on and records the event', async () => {
    const org = await createTestOrg();
    const actor = await actorFor(org.ownerId);
    await signOutAdministrator({ actor });
    expect((await admin(org.ownerId)).sessionVersion).toBe(actor.sessionVersion + 1);
    expect(await eventsOf(org.orgId, 'auth.signed_out')).toHaveLength(1);
  });
});
