import 'server-only';
import type { DbOrTx } from '@/db/client';
import { auditEvents } from '@/db/schema';
import type { AuditAction } from './catalog';

export type AuditActor =
  /** `stepUp`: how and when the administrator confirmed it was them for this change (recorded as `metadata.stepUp`). */
  | { type: 'administrator'; id: string; email: string; stepUp?: { amr: readonly string[]; at: Date } }
  | { type: 'portal_user'; id: string; email: string }
  | { type: 'system'; email?: string }
  | { type: 'anonymous'; email?: string };

export type AuditEventInput = {
  orgId: string | null;
  actor: AuditActor;
  action: AuditAction;
  summary: string;
  target?: { type: string; id: string; label?: string };
  clientAddress?: string;
  metadata?: Record<string, unknown>;
  now?: Date;
};

/**
 * Writes one audit event and returns its id. Call it with the transaction that makes the change,
 * so the change and its event commit or roll back together.
 */
export async function recordAuditEvent(tx: DbOrTx, input: AuditEventInput): Promise<number> {
  const [row] = await tx.insert(auditEvents).values({
    orgId: input.orgId,
    occurredAt: input.now ?? new Date(),
    actorType: input.actor.type,
    actorId: 'id' in input.actor ? input.actor.id : null,
    actorEmail: input.actor.email ?? '',
    action: input.action,
    targetType: input.target?.type ?? '',
    targetId: input.target?.id ?? '',
    targetLabel: input.target?.label ?? '',
    summary: input.summary,
    clientAddress: input.clientAddress ?? '',
    metadata: input.actor.type === 'administrator' && input.actor.stepUp
      ? { ...input.metadata, stepUp: { amr: [...input.actor.stepUp.amr], at: input.actor.stepUp.at.toISOString() } }
      : (input.metadata ?? {}),
  }).returning({ id: auditEvents.id });
  return row.id;
}
