import 'server-only';
import { and, eq, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administrators } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from './actor';

/** Ends every session of the administrator: the session version moves on. */
export async function signOutAdministrator(input: { actor: AdminActor; now?: Date }) {
  const now = input.now ?? new Date();
  const { actor } = input;
  await getDb().transaction(async (tx) => {
    await tx
      .update(administrators)
      .set({ sessionVersion: sql`${administrators.sessionVersion} + 1` })
      .where(and(eq(administrators.id, actor.id), eq(administrators.orgId, actor.orgId)));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'auth.signed_out',
      summary: `${actor.email} signed out`,
      target: { type: 'administrator', id: actor.id, label: actor.email },
      clientAddress: actor.clientAddress,
      now,
    });
  });
}
