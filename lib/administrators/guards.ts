import 'server-only';
import { and, eq, ne } from 'drizzle-orm';
import type { Tx } from '@/db/client';
import { administrators } from '@/db/schema';
import type { AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { normalisePhone } from '@/lib/phone';
import { isUuid } from '@/lib/ids';

export const EMAIL_TAKEN = 'An administrator with this email address already exists.';

export function assertCanManageAdministrators(actor: AdminActor) {
  if (!can(actor.level, 'administrators.manage')) throw new AppError('forbidden', 'Only level 1 administrators manage administrators.');
}

/**
 * An administrator's phone number as stored: empty when none was given, otherwise E.164. National
 * numbers are read as US numbers ("(617) 555-0142"); others need their country code.
 */
export function contactPhone(raw: string): string {
  if (!raw.trim()) return '';
  const phone = normalisePhone(raw, 'US');
  if (!phone.ok) throw new AppError('invalid_input', phone.message, { phone: [phone.message] });
  return phone.e164;
}

/** Nobody grants a level above their own (1 is the highest). */
export function assertCanGrantLevel(actor: AdminActor, level: number) {
  if (level < actor.level) throw new AppError('forbidden', 'You cannot grant a level above your own.');
}

/** Locks the target row inside the transaction; another organisation's id is "not found". */
export async function lockAdministrator(tx: Tx, orgId: string, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', 'That administrator does not exist.');
  const [row] = await tx
    .select({
      id: administrators.id,
      email: administrators.email,
      name: administrators.name,
      phone: administrators.phone,
      addressLine1: administrators.addressLine1,
      addressLine2: administrators.addressLine2,
      city: administrators.city,
      region: administrators.region,
      postalCode: administrators.postalCode,
      country: administrators.country,
      level: administrators.level,
      status: administrators.status,
    })
    .from(administrators)
    .where(and(eq(administrators.id, id), eq(administrators.orgId, orgId)))
    .for('update');
  if (!row) throw new AppError('not_found', 'That administrator does not exist.');
  return row;
}

/**
 * Refuses to leave the organisation without an active level 1 administrator. Locks every active
 * level 1 row, so two concurrent demotions or deactivations are decided one after the other.
 */
export async function assertAnotherActiveLevelOne(tx: Tx, orgId: string, exceptId: string) {
  const others = await tx
    .select({ id: administrators.id })
    .from(administrators)
    .where(and(eq(administrators.orgId, orgId), eq(administrators.level, 1), eq(administrators.status, 'active'), ne(administrators.id, exceptId)))
    .for('update');
  if (others.length === 0) {
    throw new AppError('conflict', 'This is the last active level 1 administrator. Make someone else level 1 first.');
  }
}

export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string; cause?: { code?: string } } | null)?.code ?? (e as { cause?: { code?: string } } | null)?.cause?.code;
  return code === '23505';
}
