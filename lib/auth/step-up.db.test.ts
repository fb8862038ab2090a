import { and, eq } from 'drizzle-orm';
import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { administratorRecoveryCodes, administrators, administratorSessionAuthentications, auditEvents } from '@/db/schema';
import { resetAdministratorTwoFactor } from '@/lib/administrators/reset-two-factor';
import { createApiKey } from '@/lib/delivery/api-keys';
import { actorFor, createTestOrg, TEST_PASSWORD } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import type { AdminActor } from './actor';
import { isFreshAuthentication, recordAuthentication, sessionAuthentication, STEP_UP_MINUTES } from './amr';
import { confirmStepUp, requireStepUp, STEP_UP_CODE_REFUSED, STEP_UP_PASSWORD_REFUSED, StepUpRequired } from './step-up';
import { confirmTotpEnrolment, totpEnrolment } from './two-factor';

const T0 = new Date('2026-06-01T12:00:10Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const codeAt = (secret: string, when: Date) => generate({ secret, epoch: Math.floor(when.getTime() / 1000) });
const LIMIT_SECONDS = STEP_UP_MINUTES * 60;

/** A signed-in session of `adminId` (recorded as at sign-in with `amr` at `when`). */
async function session(adminId: string, amr: Parameters<typeof recordAuthentication>[1], when: Date, clientAddress = '198.51.100.77'): Promise<AdminActor> {
  const sessionId = await recordAuthentication({ administratorId: adminId }, amr, { now: when });
  return { ...(await actorFor(adminId, clientAddress)), sessionId };
}

async function stepUpRefusal(promise: Promise<unknown>): Promise<StepUpRequired> {
  const error = await refusal(promise);
  expect(error).toBeInstanceOf(StepUpRequired);
  return error as StepUpRequired;
}

async function enrol(adminId: string) {
  const actor = await actorFor(adminId);
  const enrolment = await totpEnrolment(actor);
  if (!enrolment) throw new Error('no enrolment');
  const { recoveryCodes } = await confirmTotpEnrolment({ actor, code: await codeAt(enrolment.secret, T0), now: T0 });
  return { secret: enrolment.secret, recoveryCodes };
}

describe('freshness', () => {
  it('counts an authentication for 10 minutes; a second factor when the administrator has one', () => {
    const pwd = { amr: ['pwd' as const], at: T0 };
    const otp = { amr: ['pwd' as const, 'otp' as const], at: T0 };
    expect(isFreshAuthentication(pwd, false, at(LIMIT_SECONDS - 1))).toBe(true);
    expect(isFreshAuthentication(pwd, false, at(LIMIT_SECONDS))).toBe(false);
    expect(isFreshAuthentication(pwd, true, at(1))).toBe(false);
    expect(isFreshAuthentication(otp, true, at(LIMIT_SECONDS - 1))).toBe(true);
    expect(isFreshAuthentication(otp, true, at(LIMIT_SECONDS))).toBe(false);
    // A time well in the future is not believed; none at all is never fresh.
    expect(isFreshAuthentication(otp, true, at(-120))).toBe(false);
    expect(isFreshAuthentication(null, false, T0)).toBe(false);
  });
});

describe('step-up', () => {
  it('an administrator without a second factor: the sign-in counts for 10 minutes, then the password again', async () => {
    const org = await createTestOrg();
    const actor = await session(org.ownerId, ['pwd'], T0);
    expect(await sessionAuthentication({ administratorId: org.ownerId, sessionId: actor.sessionId ?? '' })).toEqual({ amr: ['pwd'], at: T0 });
    await expect(requireStepUp(actor, at(LIMIT_SECONDS - 1))).resolves.toEqual({ amr: ['pwd'], at: T0 });
    // Refused from the tenth minute on: the dialog asks for the password.
    expect((await stepUpRefusal(requireStepUp(actor, at(LIMIT_SECONDS)))).method).toBe('password');

    const later = at(LIMIT_SECONDS + 60);
    const wrong = await refusal(confirmStepUp({ actor, password: 'not-the-password', now: later }));
    expect(wrong.message).toBe(STEP_UP_PASSWORD_REFUSED);
    expect(wrong.fieldErrors?.password).toEqual([STEP_UP_PASSWORD_REFUSED]);
    expect((await stepUpRefusal(requireStepUp(actor, later))).method).toBe('password');

    await expect(confirmStepUp({ actor, password: TEST_PASSWORD, now: later })).resolves.toEqual({ amr: ['pwd'], at: later });
    await expect(requireStepUp(actor, at(LIMIT_SECONDS + 120))).resolves.toEqual({ amr: ['pwd'], at: later });
    expect((await stepUpRefusal(requireStepUp(actor, new Date(later.getTime() + LIMIT_SECONDS * 1000)))).method).toBe('password');

    const events = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.targetId, org.ownerId)));
    expect(events.filter((e) => e.action === 'auth.step_up_failed')).toHaveLength(1);
    const [confirmed] = events.filter((e) => e.action === 'auth.stepped_up');
    expect(confirmed.summary).toContain('with their password');
    expect(confirmed.metadata).toMatchObject({ amr: ['pwd'] });
  });

  it('an administrator with a second factor: a password-only session steps up with a code, accepted once; a recovery code works once', async () => {
    const org = await createTestOrg();
    const { secret, recoveryCodes } = await enrol(org.ownerId);
    // A session signed in before the app was enrolled: the password is not enough.
    const actor = await session(org.ownerId, ['pwd'], at(60));
    expect((await stepUpRefusal(requireStepUp(actor, at(61)))).method).toBe('code');
    expect((await refusal(confirmStepUp({ actor, password: TEST_PASSWORD, now: at(62) }))).fieldErrors?.code).toBeDefined();

    const code = await codeAt(secret, at(90));
    await expect(confirmStepUp({ actor, code, now: at(90) })).resolves.toEqual({ amr: ['otp'], at: at(90) });
    await expect(requireStepUp(actor, at(90 + LIMIT_SECONDS - 1))).resolves.toMatchObject({ amr: ['otp'] });
    expect((await stepUpRefusal(requireStepUp(actor, at(90 + LIMIT_SECONDS)))).method).toBe('code');
    // The same code again (replay) is refused.
    expect((await refusal(confirmStepUp({ actor, code, now: at(95) }))).message).toBe(STEP_UP_CODE_REFUSED);

    await expect(confirmStepUp({ actor, code: recoveryCodes[0], now: at(1000) })).resolves.toEqual({ amr: ['rc'], at: at(1000) });
    expect((await refusal(confirmStepUp({ actor, code: recoveryCodes[0], now: at(1001) }))).message).toBe(STEP_UP_CODE_REFUSED);

    // A sign-in with the second factor is itself fresh for 10 minutes.
    const fresh = await session(org.ownerId, ['pwd', 'otp'], at(2000));
    await expect(requireStepUp(fresh, at(2000 + LIMIT_SECONDS - 1))).resolves.toMatchObject({ amr: ['pwd', 'otp'] });
  });

  it("a session id is only its own administrator's, and a session without a record steps up", async () => {
    const org = await createTestOrg();
    const owner = await session(org.ownerId, ['pwd'], T0);
    const manager = { ...(await actorFor(org.managerId)), sessionId: owner.sessionId };
    expect((await stepUpRefusal(requireStepUp(manager, at(1)))).method).toBe('password');
    // Recording a step-up under someone else's session id changes nothing of theirs.
    await recordAuthentication({ administratorId: org.managerId, sessionId: owner.sessionId }, ['pwd'], { now: at(2) });
    expect(await sessionAuthentication({ administratorId: org.ownerId, sessionId: owner.sessionId ?? '' })).toEqual({ amr: ['pwd'], at: T0 });
    expect((await stepUpRefusal(requireStepUp({ ...owner, sessionId: crypto.randomUUID() }, at(1)))).method).toBe('password');
    expect((await stepUpRefusal(requireStepUp({ ...owner, sessionId: undefined }, at(1)))).method).toBe('password');
  });

  it("a change let through on a step-up records how and when in its audit event", async () => {
    const org = await createTestOrg();
    const actor = await session(org.ownerId, ['pwd'], T0);
    const stepUp = await requireStepUp(actor, at(30));
    const key = await createApiKey({ actor: { ...actor, stepUp }, name: 'Step-up test', now: at(30) });
    const [event] = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'api_keys.created'), eq(auditEvents.targetId, key.id)));
    expect(event.metadata).toMatchObject({ stepUp: { amr: ['pwd'], at: T0.toISOString() } });
  });
});

describe('resetting another administrator’s two-factor authentication', () => {
  it('removes their app and recovery codes, ends their sessions, and is an audit event', async () => {
    const org = await createTestOrg();
    await enrol(org.managerId);
    const managerSession = await session(org.managerId, ['pwd', 'otp'], T0);
    const [before] = await getDb().select().from(administrators).where(eq(administrators.id, org.managerId));
    const owner = await session(org.ownerId, ['pwd'], T0);
    const stepUp = await requireStepUp(owner, at(5));

    await resetAdministratorTwoFactor({ actor: { ...owner, stepUp }, id: org.managerId, now: at(10) });
    const [after] = await getDb().select().from(administrators).where(eq(administrators.id, org.managerId));
    expect(after.totpSecret).toBeNull();
    expect(after.totpEnabledAt).toBeNull();
    expect(after.sessionVersion).toBe(before.sessionVersion + 1);
    expect(await getDb().$count(administratorRecoveryCodes, eq(administratorRecoveryCodes.administratorId, org.managerId))).toBe(0);
    expect(await getDb().$count(administratorSessionAuthentications, eq(administratorSessionAuthentications.sessionId, managerSession.sessionId ?? ''))).toBe(0);
    // Where the organisation requires two-factor authentication, they enrol again.
    expect((await actorFor(org.managerId)).hasSecondFactor).toBe(false);

    const [event] = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'administrators.two_factor_reset')));
    expect(event.targetId).toBe(org.managerId);
    expect(event.summary).toContain('Manager Person');
    expect(event.metadata).toMatchObject({ stepUp: { amr: ['pwd'] } });

    // Nothing left to reset; not yourself; not another organisation's; not below level 1.
    expect((await refusal(resetAdministratorTwoFactor({ actor: owner, id: org.managerId, now: at(20) }))).code).toBe('conflict');
    expect((await refusal(resetAdministratorTwoFactor({ actor: owner, id: org.ownerId, now: at(20) }))).code).toBe('conflict');
    const other = await createTestOrg();
    await enrol(other.managerId);
    expect((await refusal(resetAdministratorTwoFactor({ actor: owner, id: other.managerId, now: at(20) }))).code).toBe('not_found');
    expect((await refusal(resetAdministratorTwoFactor({ actor: await actorFor(other.managerId), id: other.viewerId, now: at(20) }))).code).toBe('forbidden');
  });
});
