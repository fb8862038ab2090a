import 'server-only';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { getDb, type DbOrTx } from '@/db/client';
import { organisations } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';

/**
 * The organisation's billing email: receipts and invoices (with their PDF) also go there, besides
 * the administrator who paid. Empty: only to them.
 */
export const billingEmailSchema = z.strictObject({
  billingEmail: z
    .string()
    .trim()
    .max(254, 'At most 254 characters.')
    .refine((value) => value === '' || z.email().safeParse(value).success, 'Enter an email address, such as accounts@example.com, or leave it empty.')
    .refine((value) => !/[\r\n]/.test(value), 'Enter one email address.'),
});

export async function getBillingEmail(db: DbOrTx, orgId: string): Promise<string> {
  const [row] = await db.select({ billingEmail: organisations.billingEmail }).from(organisations).where(eq(organisations.id, orgId));
  return row?.billingEmail ?? '';
}

export async function setBillingEmail(input: { actor: AdminActor; billingEmail: string; now?: Date }) {
  const { actor, now = new Date() } = input;
  if (!can(actor.level, 'settings.manage')) throw new AppError('forbidden', 'Only level 1 administrators change the billing email.');
  const parsed = billingEmailSchema.safeParse({ billingEmail: input.billingEmail });
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'Enter an email address.';
    throw new AppError('invalid_input', message, { billingEmail: [message] });
  }
  const billingEmail = parsed.data.billingEmail.toLowerCase();
  return getDb().transaction(async (tx) => {
    const [before] = await tx.select({ billingEmail: organisations.billingEmail }).from(organisations).where(eq(organisations.id, actor.orgId)).for('update');
    if (!before) throw new AppError('not_found', 'Your organisation was not found.');
    if (before.billingEmail === billingEmail) return { billingEmail, changed: false };
    await tx.update(organisations).set({ billingEmail }).where(eq(organisations.id, actor.orgId));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'organisations.billing_email_changed',
      summary: billingEmail
        ? `${actor.email} set the billing email to ${billingEmail}${before.billingEmail ? ` (was ${before.billingEmail})` : ''}`
        : `${actor.email} removed the billing email ${before.billingEmail}`,
      target: { type: 'organisation', id: actor.orgId },
      clientAddress: actor.clientAddress,
      metadata: { before: before.billingEmail, after: billingEmail },
      now,
    });
    return { billingEmail, changed: true };
  });
}
