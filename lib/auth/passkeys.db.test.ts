import { and, eq } from 'drizzle-orm';
import { randomInt } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { administratorPasskeys, administrators, auditEvents } from '@/db/schema';
import { getAdministratorSession } from '@/lib/administrators/queries';
import { setTwoFactorRequirement } from '@/lib/organisations/set-two-factor-requirement';
import { actorFor, createTestOrg, TEST_PASSWORD } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { softwareAuthenticator } from '@/tests/webauthn';
import {
  addPasskey,
  completeSecondFactorWithPasskey,
  listPasskeys,
  PASSKEY_NEEDS_VERIFICATION,
  PASSKEY_REFUSED,
  PASSKEY_REQUEST_EXPIRED,
  PASSKEY_UNKNOWN,
  passkeyRegistrationOptions,
  passkeySignInOptions,
  relyingParty,
  removePasskey,
  renamePasskey,
  secondFactorPasskeyOptions,
  signInWithPasskey,
} from './passkeys';
import { signInAdministrator } from './sign-in-administrator';
import { completeSecondFactor, startSecondFactor } from './two-factor';

const T0 = new Date('2026-06-01T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
/** Each test signs in from its own address: the per-address counters of one test do not reach the next. */
let ADDRESS = '';
beforeEach(() => {
  ADDRESS = `198.18.${randomInt(256)}.${randomInt(256)}`;
});

function authenticator(o: { synced?: boolean; transports?: string[] } = {}) {
  const rp = relyingParty();
  return softwareAuthenticator({ origin: rp.origin, rpId: rp.id, ...o });
}

/** Registers a new software authenticator for the administrator. */
async function registered(adminId: string, name = 'YubiKey', o: { synced?: boolean; transports?: string[]; now?: Date } = {}) {
  const actor = await actorFor(adminId);
  const key = authenticator(o);
  const now = o.now ?? T0;
  const { challengeId, options } = await passkeyRegistrationOptions({ actor, now });
  const added = await addPasskey({ actor, challengeId, name, response: key.register(options), now });
  return { key, added, actor };
}

async function passwordless(key: ReturnType<typeof authenticator>, when: Date, o: { uv?: boolean; counter?: number } = {}) {
  const { challengeId, options } = await passkeySignInOptions({ clientAddress: ADDRESS, now: when });
  return signInWithPasskey({ challengeId, response: key.assert(options, o), clientAddress: ADDRESS, now: when });
}

async function secondStep(email: string, key: ReturnType<typeof authenticator>, when: Date, o: { counter?: number } = {}) {
  const first = await signInAdministrator({ email, password: TEST_PASSWORD, clientAddress: ADDRESS, now: when });
  expect(first.pendingSecondFactor).toBe(true);
  const challenge = await startSecondFactor(first.id, when);
  const { passkeyChallengeId, options } = await secondFactorPasskeyOptions({ ...challenge, now: when });
  // A second factor need not verify its user: a security key without a PIN is fine after the password.
  return completeSecondFactorWithPasskey({ ...challenge, passkeyChallengeId, response: key.assert(options, { uv: false, ...o }), clientAddress: ADDRESS, now: when });
}

async function events(orgId: string, action: string) {
  return getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));
}

describe('passkeys: registration', () => {
  it('registers several passkeys with names; the first turns two-factor on with recovery codes; the RP comes from APP_URL', async () => {
    const org = await createTestOrg();
    expect(relyingParty()).toEqual({ id: 'sealpost.test', origin: 'http://sealpost.test', name: 'Sealpost' });
    const { added, actor, key } = await registered(org.ownerId, 'YubiKey 5');
    expect(added.recoveryCodes).toHaveLength(10);
    const second = await registered(org.ownerId, '  ', { synced: true, transports: ['internal', 'hybrid'], now: at(1) });
    expect(second.added.recoveryCodes).toBeNull();
    expect(second.added.name).toBe('Passkey');

    const list = await listPasskeys(getDb(), org.ownerId);
    expect(list.map((p) => [p.name, p.kind])).toEqual([
      ['YubiKey 5', 'security_key'],
      ['Passkey', 'synced'],
    ]);
    const [row] = await getDb().select().from(administratorPasskeys).where(eq(administratorPasskeys.credentialId, key.id));
    expect(row.transports).toEqual(['usb']);
    expect(row.counter).toBe(0);
    expect(row.publicKey.length).toBeGreaterThan(60);

    // The next options exclude both, so the same authenticator is not registered twice.
    const { options } = await passkeyRegistrationOptions({ actor, now: T0 });
    expect(options.excludeCredentials?.map((c) => c.id).sort()).toEqual([key.id, second.key.id].sort());
    expect(options.rp.id).toBe('sealpost.test');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'preferred', userVerification: 'preferred' });

    expect((await events(org.orgId, 'auth.passkey_added')).map((e) => e.summary).sort()).toEqual([`${actor.email} added the passkey "Passkey"`, `${actor.email} added the passkey "YubiKey 5"`]);
    expect((await events(org.orgId, 'auth.two_factor_enabled'))[0].summary).toBe(`${actor.email} turned on two-factor authentication with a passkey`);
  });

  it('a challenge is single use, expires after 5 minutes, belongs to its administrator; another origin is refused', async () => {
    const org = await createTestOrg();
    const actor = await actorFor(org.ownerId);
    const manager = await actorFor(org.managerId);
    const key = authenticator();
    const first = await passkeyRegistrationOptions({ actor, now: T0 });
    const response = key.register(first.options);
    expect((await refusal(addPasskey({ actor: manager, challengeId: first.challengeId, name: 'x', response, now: T0 }))).message).toBe(PASSKEY_REQUEST_EXPIRED);
    await addPasskey({ actor, challengeId: first.challengeId, name: 'x', response, now: T0 });
    expect((await refusal(addPasskey({ actor, challengeId: first.challengeId, name: 'x', response, now: T0 }))).message).toBe(PASSKEY_REQUEST_EXPIRED);

    const late = await passkeyRegistrationOptions({ actor, now: T0 });
    expect((await refusal(addPasskey({ actor, challengeId: late.challengeId, name: 'y', response: authenticator().register(late.options), now: at(301) }))).message).toBe(PASSKEY_REQUEST_EXPIRED);

    const phished = await passkeyRegistrationOptions({ actor, now: T0 });
    const e = await refusal(addPasskey({ actor, challengeId: phished.challengeId, name: 'z', response: authenticator().register(phished.options, { origin: 'https://sealpost.test.evil.example' }), now: T0 }));
    expect(e.message).toBe('The passkey could not be added. Try again.');
    expect(await listPasskeys(getDb(), org.ownerId)).toHaveLength(1);
  });

  it('renames and removes (audit events); a removed passkey signs in no more; the last one stays while the organisation requires a second factor', async () => {
    const org = await createTestOrg();
    const { key, added, actor } = await registered(org.ownerId, 'Old name');
    await renamePasskey({ actor, id: added.id, name: ' Desk key ', now: at(1) });
    expect((await listPasskeys(getDb(), org.ownerId))[0].name).toBe('Desk key');
    expect((await events(org.orgId, 'auth.passkey_renamed'))[0].summary).toBe(`${actor.email} renamed the passkey "Old name" to "Desk key"`);
    // Another administrator's passkey is not theirs to rename or remove.
    const manager = await actorFor(org.managerId);
    expect((await refusal(renamePasskey({ actor: manager, id: added.id, name: 'Mine' }))).code).toBe('not_found');
    expect((await refusal(removePasskey({ actor: manager, id: added.id }))).code).toBe('not_found');

    await setTwoFactorRequirement({ actor: await actorFor(org.ownerId), required: true });
    const owner = await actorFor(org.ownerId);
    expect(owner.mustEnrolSecondFactor).toBe(false);
    expect((await refusal(removePasskey({ actor: owner, id: added.id, now: at(2) }))).code).toBe('conflict');
    await setTwoFactorRequirement({ actor: owner, required: false });

    await removePasskey({ actor: owner, id: added.id, now: at(3) });
    expect(await listPasskeys(getDb(), org.ownerId)).toEqual([]);
    expect((await events(org.orgId, 'auth.passkey_removed'))[0].summary).toBe(`${actor.email} removed the passkey "Desk key" (two-factor authentication is now off)`);
    expect((await refusal(passwordless(key, at(4)))).message).toBe(PASSKEY_UNKNOWN);
    // Without a second factor the password is enough again.
    expect((await signInAdministrator({ email: actor.email, password: TEST_PASSWORD, clientAddress: ADDRESS, now: at(5) })).pendingSecondFactor).toBe(false);
  });

  it('enrolling a passkey satisfies "require two-factor authentication"', async () => {
    const org = await createTestOrg();
    await setTwoFactorRequirement({ actor: await actorFor(org.ownerId), required: true });
    expect((await actorFor(org.managerId)).mustEnrolSecondFactor).toBe(true);
    await registered(org.managerId);
    expect((await getAdministratorSession(getDb(), org.managerId))?.mustEnrolSecondFactor).toBe(false);
  });
});

describe('passkeys: signing in', () => {
  it('is a second factor after the password (amr pwd + hwk), alongside recovery codes', async () => {
    const org = await createTestOrg();
    const { key, added, actor } = await registered(org.ownerId, 'YubiKey');
    const done = await secondStep(actor.email, key, at(10));
    expect(done).toMatchObject({ id: org.ownerId, amr: ['pwd', 'hwk', 'user', 'mfa'] });
    expect((await listPasskeys(getDb(), org.ownerId))[0].lastUsedAt).toEqual(at(10));
    const signedIn = await events(org.orgId, 'auth.signed_in');
    expect(signedIn.map((e) => e.summary)).toContain(`${actor.email} signed in with the passkey "YubiKey"`);
    expect(signedIn.find((e) => e.summary.includes('passkey'))?.metadata).toMatchObject({ amr: ['pwd', 'hwk', 'user', 'mfa'] });

    // Recovery codes work without an authenticator app.
    const first = await signInAdministrator({ email: actor.email, password: TEST_PASSWORD, clientAddress: ADDRESS, now: at(20) });
    const challenge = await startSecondFactor(first.id, at(20));
    await expect(completeSecondFactor({ ...challenge, code: added.recoveryCodes?.[0] ?? '', clientAddress: ADDRESS, now: at(20) })).resolves.toMatchObject({ id: org.ownerId });
  });

  it('as a second factor: only this administrator\'s passkey, with the challenge of this sign-in, once', async () => {
    const org = await createTestOrg();
    const { key } = await registered(org.ownerId);
    const other = await registered(org.managerId);
    const owner = await actorFor(org.ownerId);
    const first = await signInAdministrator({ email: owner.email, password: TEST_PASSWORD, clientAddress: ADDRESS, now: at(10) });
    const challenge = await startSecondFactor(first.id, at(10));
    const { passkeyChallengeId, options } = await secondFactorPasskeyOptions({ ...challenge, now: at(10) });
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([key.id]);
    expect(options.userVerification).toBe('discouraged');
    // The manager's key answering the owner's challenge.
    expect((await refusal(completeSecondFactorWithPasskey({ ...challenge, passkeyChallengeId, response: other.key.assert(options), clientAddress: ADDRESS, now: at(10) }))).message).toBe(PASSKEY_REFUSED);
    // The passkey challenge was used up by that try.
    expect((await refusal(completeSecondFactorWithPasskey({ ...challenge, passkeyChallengeId, response: key.assert(options), clientAddress: ADDRESS, now: at(10) }))).message).toBe(PASSKEY_REQUEST_EXPIRED);
    const again = await secondFactorPasskeyOptions({ ...challenge, now: at(11) });
    await expect(completeSecondFactorWithPasskey({ ...challenge, passkeyChallengeId: again.passkeyChallengeId, response: key.assert(again.options), clientAddress: ADDRESS, now: at(11) })).resolves.toMatchObject({ id: org.ownerId });
  });

  it('signs in without a password when the passkey verifies its user (amr swk for a synced one); refused without verification', async () => {
    const org = await createTestOrg();
    const { key, actor } = await registered(org.ownerId, 'Phone', { synced: true, transports: ['hybrid', 'internal'] });
    const { challengeId, options } = await passkeySignInOptions({ clientAddress: ADDRESS, now: at(10) });
    expect(options.userVerification).toBe('required');
    expect(options.allowCredentials ?? []).toEqual([]);
    await expect(signInWithPasskey({ challengeId, response: key.assert(options), clientAddress: ADDRESS, now: at(10) })).resolves.toEqual({
      id: org.ownerId,
      sessionVersion: 1,
      mustChangePassword: false,
      amr: ['swk', 'user', 'mfa'],
    });
    // The challenge worked once.
    expect((await refusal(signInWithPasskey({ challengeId, response: key.assert(options), clientAddress: ADDRESS, now: at(11) }))).message).toBe(PASSKEY_REQUEST_EXPIRED);
    expect((await refusal(passwordless(key, at(12), { uv: false }))).message).toBe(PASSKEY_NEEDS_VERIFICATION);
    expect((await events(org.orgId, 'auth.signed_in')).map((e) => e.summary)).toContain(`${actor.email} signed in with the passkey "Phone" (no password)`);
    expect((await events(org.orgId, 'auth.sign_in_failed')).map((e) => e.summary)).toContain(`Failed sign-in for ${actor.email} (passkey did not verify its user)`);
  });

  it('refuses a counter that did not grow (a cloned key), a wrong signature, and a deactivated administrator', async () => {
    const org = await createTestOrg();
    const { key, actor } = await registered(org.ownerId);
    await passwordless(key, at(10), { counter: 5 });
    expect((await refusal(passwordless(key, at(11), { counter: 5 }))).message).toBe(PASSKEY_REFUSED);
    expect((await refusal(passwordless(key, at(12), { counter: 3 }))).message).toBe(PASSKEY_REFUSED);
    expect((await refusal(secondStep(actor.email, key, at(13), { counter: 4 }))).message).toBe(PASSKEY_REFUSED);
    const reasons = (await events(org.orgId, 'auth.sign_in_failed')).map((e) => (e.metadata as { reason: string }).reason);
    expect(reasons.filter((r) => r.includes('counter did not increase'))).toHaveLength(3);
    const [row] = await getDb().select().from(administratorPasskeys).where(eq(administratorPasskeys.credentialId, key.id));
    expect(row.counter).toBe(5);
    await passwordless(key, at(14), { counter: 6 });

    const forged = authenticator();
    const { challengeId, options } = await passkeySignInOptions({ clientAddress: ADDRESS, now: at(15) });
    const response = key.assert(options, { counter: 7 });
    const signedByOther = forged.assert(options);
    expect((await refusal(signInWithPasskey({ challengeId, response: { ...response, response: { ...response.response, signature: signedByOther.response.signature } }, clientAddress: ADDRESS, now: at(15) }))).message).toBe(PASSKEY_REFUSED);

    await getDb().update(administrators).set({ status: 'inactive' }).where(eq(administrators.id, org.ownerId));
    expect((await refusal(passwordless(key, at(16), { counter: 8 }))).message).toBe(PASSKEY_REFUSED);
  });

  it('failed assertions are throttled like passwords', async () => {
    const org = await createTestOrg();
    const { key } = await registered(org.ownerId);
    await passwordless(key, at(10));
    for (let i = 0; i < 5; i++) {
      expect((await refusal(passwordless(key, at(20 + i), { counter: 1 }))).message).toBe(PASSKEY_REFUSED);
    }
    const e = await refusal(passwordless(key, at(30)));
    expect(e.code).toBe('rate_limited');
    expect(e.message).toMatch(/^Too many attempts/);
  });
});
