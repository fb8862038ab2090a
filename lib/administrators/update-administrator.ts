import 'server-only';
import { and, eq, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administrators } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { formatPhone } from '@/lib/phone';
import { assertAnotherActiveLevelOne, assertCanGrantLevel, assertCanManageAdministrators, contactPhone, lockAdministrator } from './guards';
import { requestEmailChangeIn } from './request-email-change';
import type { UpdateAdministratorInput } from './schemas';

const FIELD_LABELS = {
  name: 'name',
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
 * new level applies from their next sign-in); the last active level 1 cannot be demoted. A new
 * email address is not applied here: it waits for confirmation from that address
 * (request-email-change.ts), and the administrator keeps signing in with the old one until then.
 * Returns the address waiting for confirmation, when the email was changed.
 */
export async function updateAdministrator(input: UpdateAdministratorInput & { actor: AdminActor; now?: Date }): Promise<{ pendingEmail: string | null }> {
  const { actor, id, email: enteredEmail, ...entered } = input;
  const now = input.now ?? new Date();
  assertCanManageAdministrators(actor);
  assertCanGrantLevel(actor, entered.level);
  const email = enteredEmail.trim().toLowerCase();

  return getDb().transaction(async (tx) => {
    const current = await lockAdministrator(tx, actor.orgId, id);
    // A phone number left as the form showed it stays as stored, even one saved before numbers
    // were checked (which may not parse): only a number that was edited is checked and normalised.
    const unchanged = entered.phone.trim() === current.phone || entered.phone.trim() === (current.phone && formatPhone(current.phone));
    const details = { ...entered, phone: unchanged ? current.phone : contactPhone(entered.phone) };
    const levelChanged = current.level !== details.level;
    if (levelChanged && current.level === 1 && current.status === 'active') {
      await assertAnotherActiveLevelOne(tx, actor.orgId, id);
    }
    const changed = new Set<string>();
    for (const key of Object.keys(FIELD_LABELS) as (keyof typeof FIELD_LABELS)[]) {
      if (current[key] !== details[key]) changed.add(FIELD_LABELS[key]);
    }
    const emailChanged = email !== current.email.toLowerCase();

    if (levelChanged || changed.size > 0) {
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
        summary: `${actor.email} changed ${current.name} (${current.email}): ${parts.join(', ')}`,
        target: { type: 'administrator', id, label: current.email },
        clientAddress: actor.clientAddress,
        metadata: { changed: parts, ...(levelChanged ? { fromLevel: current.level, toLevel: details.level } : {}) },
        now,
      });
    }
    if (!emailChanged) return { pendingEmail: null };
    await requestEmailChangeIn(tx, { actor, administrator: { id, name: details.name, email: current.email }, newEmail: email, now });
    return { pendingEmail: email };
  });
}
