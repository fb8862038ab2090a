import type { AuditActor } from '@/lib/audit/record';
import type { AdministratorSession } from '@/lib/administrators/queries';

/** Who is asking, as the domain layer sees it: resolved from the session by the action wrapper. */
export type AdminActor = AdministratorSession & { clientAddress: string };

export function auditActorOf(actor: AdminActor): AuditActor {
  return { type: 'administrator', id: actor.id, email: actor.email };
}
