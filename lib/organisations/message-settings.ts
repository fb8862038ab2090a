import 'server-only';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { getDb, type DbOrTx } from '@/db/client';
import { organisations } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';

/**
 * The organisation's secure-message settings: the retention period, after which a
 * message's key is destroyed (none by default), and whether senders may recall their own messages
 * from Sent (administrators always can).
 */
export type MessageSettings = { retentionDays: number | null; senderMayRecall: boolean };

export const messageSettingsSchema = z.object({
  retentionDays: z.union([z.null(), z.coerce.number().int('Enter whole days.').min(1, 'At least 1 day.').max(36_500, 'At most 36,500 days (100 years).')]),
  senderMayRecall: z.boolean(),
});

export async function getMessageSettings(db: DbOrTx, orgId: string): Promise<MessageSettings> {
  const [row] = await db.select({ retentionDays: organisations.messageRetentionDays, senderMayRecall: organisations.senderMayRecall }).from(organisations).where(eq(organisations.id, orgId));
  return row ?? { retentionDays: null, senderMayRecall: false };
}

export async function setMessageSettings(input: { actor: AdminActor; settings: MessageSettings; now?: Date }) {
  const { actor, now = new Date() } = input;
  if (!can(actor.level, 'settings.manage')) throw new AppError('forbidden', 'Only level 1 administrators change these settings.');
  const settings = messageSettingsSchema.parse(input.settings);
  await getDb().transaction(async (tx) => {
    const [before] = await tx
      .select({ retentionDays: organisations.messageRetentionDays, senderMayRecall: organisations.senderMayRecall })
      .from(organisations)
      .where(eq(organisations.id, actor.orgId))
      .for('update');
    if (!before || (before.retentionDays === settings.retentionDays && before.senderMayRecall === settings.senderMayRecall)) return;
    await tx.update(organisations).set({ messageRetentionDays: settings.retentionDays, senderMayRecall: settings.senderMayRecall }).where(eq(organisations.id, actor.orgId));
    const retention = settings.retentionDays === null ? 'no retention period' : `a retention period of ${settings.retentionDays} days (older messages' keys are destroyed)`;
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'organisations.message_settings_changed',
      summary: `${actor.email} set ${retention}; senders ${settings.senderMayRecall ? 'may' : 'may not'} recall their own messages`,
      target: { type: 'organisation', id: actor.orgId },
      clientAddress: actor.clientAddress,
      metadata: { before, after: settings },
      now,
    });
  });
}

/** Whether this portal user may recall this message of theirs from Sent: internal to its organisation, and the organisation allows it. */
export async function senderMayRecall(db: DbOrTx, orgId: string, email: string): Promise<boolean> {
  const rows = await db.execute<{ ok: boolean }>(
    sql`select o.sender_may_recall and exists (select 1 from licensed_emails l where l.org_id = o.id and l.email = ${email}) as ok from organisations o where o.id = ${orgId}`,
  );
  return rows[0]?.ok === true;
}
