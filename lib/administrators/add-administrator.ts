import { getDb } from '@/db/client';
import { administrators } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { passwordProblems } from '@/lib/auth/password-policy';
import { hashPassword } from '@/lib/auth/passwords';
import { AppError } from '@/lib/errors/app-error';
import { assertCanGrantLevel, assertCanManageAdministrators, contactPhone, isUniqueViolation } from './guards';
import type { AddAdministratorInput } from './schemas';

export const EMAIL_TAKEN = 'An administrator with this email address already exists.';

/** Adds an administrator who must change the initial password at first sign-in. */
export async function addAdministrator(input: AddAdministratorInput & { actor: AdminActor; now?: Date }) {
  const { actor, initialPassword, ...details } = input;
  const now = input.now ?? new Date();
  assertCanManageAdministrators(actor);
  assertCanGrantLevel(actor, details.level);
  const email = details.email.toLowerCase();
  const phone = contactPhone(details.phone);
  const problems = passwordProblems(initialPassword, { email });
  if (problems.length > 0) throw new AppError('invalid_input', problems[0], { initialPassword: problems });
  const passwordHash = await hashPassword(initialPassword);

  try {
    return await getDb().transaction(async (tx) => {
      const [created] = await tx
        .insert(administrators)
        .values({
          orgId: actor.orgId,
          email,
          name: details.name,
          phone,
          addressLine1: details.addressLine1,
          addressLine2: details.addressLine2,
          city: details.city,
          region: details.region,
          postalCode: details.postalCode,
          country: details.country,
          level: details.level,
          passwordHash,
          mustChangePassword: true,
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: administrators.id });
      await recordAuditEvent(tx, {
        orgId: actor.orgId,
        actor: auditActorOf(actor),
        action: 'administrators.created',
        summary: `${actor.email} added ${details.name} (${email}) as a level ${details.level} administrator`,
        target: { type: 'administrator', id: created.id, label: email },
        clientAddress: actor.clientAddress,
        metadata: { level: details.level },
        now,
      });
      return { id: created.id };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('conflict', EMAIL_TAKEN, { email: [EMAIL_TAKEN] });
    throw e;
  }
}
