import { and, eq } from 'drizzle-orm';
import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents } from '@/db/schema';
import { getAdministratorSession } from '@/lib/administrators/queries';
import { createOrganisationWithInvitation } from '@/lib/organisations/create-organisation';
import { setTwoFactorRequirement, twoFactorRequired } from '@/lib/organisations/set-two-factor-requirement';
import { actorFor, createTestOrg, TEST_PASSWORD } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { firstStepFor } from './session';
import { signInAdministrator } from './sign-in-administrator';
import { CODE_REFUSED, completeSecondFactor, confirmTotpEnrolment, MAX_CHALLENGE_ATTEMPTS, regenerateRecoveryCodes, SIGN_IN_AGAIN_FOR_CODE, startSecondFactor, totpEnrolment } from './two-factor';
import { SIGN_IN_LIMITS } from './throttle';

const T0 = new Date('2026-05-04T09:00:10Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
/** The code an authenticator app shows at `when`, computed here with otplib from the known secret. */
const codeAt = (secret: string, when: Date) => generate({ secret, epoch: Math.floor(when.getTime() / 1000) });

/** An administrator with the app enrolled at T0: the secret and the recovery codes. */
async function enrolled() {
  const org = await createTestOrg();
  const actor = await actorFor(org.ownerId);
  const enrolment = await totpEnrolment(actor);
  if (!enrolment) throw new Error('no enrolment');
  const { recoveryCodes } = await confirmTotpEnrolment({ actor, code: await codeAt(enrolment.secret, T0), now: T0 });
  return { org, actor, secret: enrolment.secret, recoveryCodes, email: actor.email };
}

/** The password step, then the code step with `code` at `when` (a fresh challenge unless given). */
async function signInWith(email: string, code: string, when: Date, challenge?: { challengeId: string; ticket: string }) {
  const first = await signInAdministrator({ email, password: TEST_PASSWORD, clientAddress: '203.0.113.5', now: when });
  expect(first.pendingSecondFactor).toBe(true);
  const c = challenge ?? (await startSecondFactor(first.id, when));
  return completeSecondFactor({ ...c, code, clientAddress: '203.0.113.5', now: when });
}

describe('authenticator app (TOTP)', () => {
  it('enrols with a QR code drawn here and the key in text, confirmed by a first code; ten recovery codes', async () => {
    const org = await createTestOrg();
    const actor = await actorFor(org.ownerId);
    const enrolment = await totpEnrolment(actor);
    expect(enrolment?.secret).toMatch(/^[A-Z2-7]+$/);
    expect(enrolment?.uri).toContain(`secret=${enrolment?.secret}`);
    expect(enrolment?.qrDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    // The same secret until confirmed (a reload shows the same QR code).
    expect((await totpEnrolment(actor))?.secret).toBe(enrolment?.secret);
    const secret = enrolment?.secret ?? '';
    expect((await refusal(confirmTotpEnrolment({ actor, code: '000000', now: T0 }))).message).toBe(CODE_REFUSED);
    const { recoveryCodes } = await confirmTotpEnrolment({ actor, code: await codeAt(secret, T0), now: T0 });
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(await totpEnrolment(actor)).toBeNull();
    const [event] = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'auth.two_factor_enabled')));
    expect(event.actorEmail).toBe(actor.email);
  });

  it('signs in with the password and then a code; a code is accepted once (replay refused), within one step either way', async () => {
    const { secret, email, org } = await enrolled();
    // The code used to confirm the enrolment (T0's step) cannot sign in.
    expect((await refusal(signInWith(email, await codeAt(secret, T0), at(5)))).message).toBe(CODE_REFUSED);

    const now = at(60);
    const code = await codeAt(secret, now);
    await expect(signInWith(email, code, now)).resolves.toMatchObject({ id: org.ownerId });
    // Replay: the same code again, in a new sign-in, within its validity.
    expect((await refusal(signInWith(email, code, at(61)))).message).toBe(CODE_REFUSED);
    // An earlier step's code (still within ±1 step of now) is refused too: steps only move forward.
    expect((await refusal(signInWith(email, await codeAt(secret, at(30)), at(62)))).message).toBe(CODE_REFUSED);
    // One step ahead (a phone's clock a little fast) is accepted; two steps ahead is not.
    await expect(signInWith(email, await codeAt(secret, at(95)), at(63))).resolves.toMatchObject({ id: org.ownerId });
    expect((await refusal(signInWith(email, await codeAt(secret, at(200)), at(150)))).message).toBe(CODE_REFUSED);

    const signedIn = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'auth.signed_in')));
    expect(signedIn.map((e) => e.summary)).toContain(`${email} signed in with an authenticator code`);
    const failed = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'auth.sign_in_failed')));
    expect(failed.length).toBeGreaterThanOrEqual(4);
  });

  it('a recovery code signs in once; new codes replace the old ones', async () => {
    const { secret, email, org, actor, recoveryCodes } = await enrolled();
    const typed = recoveryCodes[0].toUpperCase().replace('-', ' ');
    await expect(signInWith(email, typed, at(60))).resolves.toMatchObject({ id: org.ownerId });
    expect((await refusal(signInWith(email, recoveryCodes[0], at(61)))).message).toBe(CODE_REFUSED);
    const { recoveryCodes: fresh } = await regenerateRecoveryCodes({ actor, now: at(70) });
    expect((await refusal(signInWith(email, recoveryCodes[1], at(71)))).message).toBe(CODE_REFUSED);
    await expect(signInWith(email, fresh[1], at(72))).resolves.toMatchObject({ id: org.ownerId });
    // The app keeps working alongside.
    await expect(signInWith(email, await codeAt(secret, at(120)), at(120))).resolves.toMatchObject({ id: org.ownerId });
  });

  it('a challenge needs its ticket, lasts 10 minutes and 5 tries; wrong codes are throttled like passwords', async () => {
    const { secret, org } = await enrolled();
    const challenge = await startSecondFactor(org.ownerId, at(60));
    const good = await codeAt(secret, at(60));
    expect((await refusal(completeSecondFactor({ ...challenge, ticket: 'x'.repeat(43), code: good, clientAddress: '', now: at(60) }))).message).toBe(SIGN_IN_AGAIN_FOR_CODE);
    expect((await refusal(completeSecondFactor({ ...challenge, code: await codeAt(secret, at(660)), clientAddress: '', now: at(661) }))).message).toBe(SIGN_IN_AGAIN_FOR_CODE);

    const tries = await startSecondFactor(org.ownerId, at(60));
    for (let i = 0; i < MAX_CHALLENGE_ATTEMPTS; i++) {
      expect((await refusal(completeSecondFactor({ ...tries, code: '000000', clientAddress: '203.0.113.7', now: at(60) }))).message).toBe(CODE_REFUSED);
    }
    // Even the right code: this challenge is spent, and the password is asked again.
    expect((await refusal(completeSecondFactor({ ...tries, code: good, clientAddress: '203.0.113.7', now: at(60) }))).message).toBe(SIGN_IN_AGAIN_FOR_CODE);

    // Wrong codes count against the same counters as wrong passwords (5 per account and address).
    const more = await startSecondFactor(org.ownerId, at(70));
    const e = await refusal(completeSecondFactor({ ...more, code: '000000', clientAddress: '203.0.113.7', now: at(70) }));
    expect(e.code).toBe('rate_limited');
    expect(SIGN_IN_LIMITS.accountAndAddress).toBe(5);
  });
});

describe('requiring two-factor authentication', () => {
  it('is on for an organisation made by org:create, off for the demo path; an administrator without a factor must enrol first', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    const created = await createOrganisationWithInvitation(getDb(), { name: `Req ${tag}`, domains: [`r${tag}.example`], owner: { name: 'R', email: `r@r${tag}.example` } });
    expect(await twoFactorRequired(getDb(), created.orgId)).toBe(true);

    const org = await createTestOrg();
    expect(await twoFactorRequired(getDb(), org.orgId)).toBe(false);
    const owner = await actorFor(org.ownerId);
    expect(firstStepFor(owner)).toBeNull();
    expect((await refusal(setTwoFactorRequirement({ actor: await actorFor(org.managerId), required: true }))).code).toBe('forbidden');
    await setTwoFactorRequirement({ actor: owner, required: true });
    const pending = await actorFor(org.managerId);
    expect(pending.mustEnrolSecondFactor).toBe(true);
    expect(firstStepFor(pending)).toBe('/two-factor');
    // Enrolling lifts it.
    const enrolment = await totpEnrolment(pending);
    await confirmTotpEnrolment({ actor: pending, code: await codeAt(enrolment?.secret ?? '', new Date()) });
    expect((await getAdministratorSession(getDb(), org.managerId))?.mustEnrolSecondFactor).toBe(false);
    const [event] = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'organisations.two_factor_requirement_changed')));
    expect(event.summary).toBe(`${owner.email} now requires two-factor authentication for administrators`);
  });
});
