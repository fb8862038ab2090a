import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { administrators, auditEvents } from '@/db/schema';
import { signInAdministrator } from '@/lib/auth/sign-in-administrator';
import { actorFor, createTestOrg } from '@/tests/factories';
import { addAdministrator } from './add-administrator';
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

describe('addAdministrator', () => {
  it('adds an administrator who must change the password, with its event in the same transaction', async () => {
    const org = await createTestOrg();
    const actor = await actorFor(org.ownerId);
    const { id } = await addAdministrator({ actor, ...details(`new@${org.domain}`), initialPassword: INITIAL });
    const created = await row(id);
    // A national number is read as a US one and stored as E.164.
    expect(created).toMatchObject({ orgId: org.orgId, level: 2, status: 'active', mustChangePassword: true, phone: '+16175550100' });
    const [event] = (await events(org.orgId, 'administrators.created')).filter((e) => e.targetId === id);
    expect(event.summary).toContain(`new@${org.domain}`);
    expect(event.actorEmail).toBe(`owner@${org.domain}`);
    await expect(signInAdministrator({ email: `new@${org.domain}`, password: INITIAL, clientAddress: '' })).resolves.toMatchObject({
      mustChangePassword: true,
    });
  });

  it('refuses levels 2 and 3, a duplicate email, and a weak initial password', async () => {
    const org = await createTestOrg();
    for (const lower of [org.managerId, org.viewerId]) {
      const e = await refusal(addAdministrator({ actor: await actorFor(lower), ...details(`x@${org.domain}`), initialPassword: INITIAL }));
      expect(e.code).toBe('forbidden');
    }
    const owner = await actorFor(org.ownerId);
    expect((await refusal(addAdministrator({ actor: owner, ...details(`manager@${org.domain}`), initialPassword: INITIAL }))).code).toBe('conflict');
    expect((await refusal(addAdministrator({ actor: owner, ...details(`weak@${org.domain}`), initialPassword: 'Password1!' }))).fieldErrors).toHaveProperty(
      'initialPassword',
    );
    expect(await events(org.orgId, 'administrators.created')).toHaveLength(1); // only the owner, at creation
  });

  it('refuses a phone number that is not one, on its field, and takes no phone at all', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    for (const phone of ['555 0100', '+44 20 7946', '12345678901234567']) {
      const e = await refusal(addAdministrator({ actor: owner, ...details(`p@${org.domain}`), phone, initialPassword: INITIAL }));
      expect(e.code).toBe('invalid_input');
      expect(e.fieldErrors?.phone?.[0]).toMatch(/phone number/);
    }
    expect(await events(org.orgId, 'administrators.created')).toHaveLength(1);
    const { id } = await addAdministrator({ actor: owner, ...details(`p@${org.domain}`), phone: '  ', initialPassword: INITIAL });
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
    const { id: second } = await addAdministrator({ actor: owner, ...details(`second@${org.domain}`, 1), initialPassword: INITIAL });
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
