import { and, eq, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administrators } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { AppError } from '@/lib/errors/app-error';
import { formatPhone } from '@/lib/phone';
import { EMAIL_TAKEN } from './add-administrator';
import { assertAnotherActiveLevelOne, assertCanGrantLevel, assertCanManageAdministrators, contactPhone, isUniqueViolation, lockAdministrator } from './guards';
import type { UpdateAdministratorInput } from './schemas';

const FIELD_LABELS = {
  name: 'name',
  email: 'email',
  phone: 'phone',
  addressLine1: 'address',
  addressLine2: 'address',
  city: 'city',
  region: 'state/region',
  postalCode: 'postal code',
  country: 'country',
} as const;

/**
 * Edits an administrator's contact details and level. A level change ends their sessions (the
 * new level applies from their next sign-in); the last active level 1 cannot be demoted.
 */
export async function updateAdministrator(input: UpdateAdministratorInput & { actor: AdminActor; now?: Date }) {
  const { actor, id, ...entered } = input;
  const now = input.now ?? new Date();
  assertCanManageAdministrators(actor);
  assertCanGrantLevel(actor, entered.level);
  const email = entered.email.toLowerCase();

  try {
    await getDb().transaction(async (tx) => {
      const current = await lockAdministrator(tx, actor.orgId, id);
      // A phone number left as the form showed it stays as stored, even one saved before numbers
      // were checked (which may not parse): only a number that was edited is checked and normalised.
      const unchanged = entered.phone.trim() === current.phone || entered.phone.trim() === (current.phone && formatPhone(current.phone));
      const details = { ...entered, email, phone: unchanged ? current.phone : contactPhone(entered.phone) };
      const levelChanged = current.level !== details.level;
      if (levelChanged && current.level === 1 && current.status === 'active') {
        await assertAnotherActiveLevelOne(tx, actor.orgId, id);
      }
      const changed = new Set<string>();
      for (const key of Object.keys(FIELD_LABELS) as (keyof typeof FIELD_LABELS)[]) {
        if (current[key] !== details[key]) changed.add(FIELD_LABELS[key]);
      }
      if (!levelChanged && changed.size === 0) return;

      await tx
        .update(administrators)
        .set({
          ...details,
          updatedAt: now,
          ...(levelChanged ? { sessionVersion: sql`${administrators.sessionVersion} + 1` } : {}),
        })
        .where(and(eq(administrators.id, id), eq(administrators.orgId, actor.orgId)));
      const parts = [...changed];
      if (levelChanged) parts.unshift(`level ${current.level} → ${details.level}`);
      await recordAuditEvent(tx, {
        orgId: actor.orgId,
        actor: auditActorOf(actor),
        action: 'administrators.updated',
        summary: `${actor.email} changed ${current.name} (${email}): ${parts.join(', ')}`,
        target: { type: 'administrator', id, label: email },
        clientAddress: actor.clientAddress,
        metadata: { changed: parts, ...(levelChanged ? { fromLevel: current.level, toLevel: details.level } : {}) },
        now,
      });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('conflict', EMAIL_TAKEN, { email: [EMAIL_TAKEN] });
    throw e;
  }
}
