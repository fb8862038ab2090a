import type { AuditActor } from '@/lib/audit/record';
import type { AdministratorSession } from '@/lib/administrators/queries';
import type { SessionAuthentication } from './amr';

/**
 * Who is asking, as the domain layer sees it: resolved from the session by the action wrapper.
 * `sessionId`: the sign-in's own id (the token's `sid`). `stepUp`: the fresh authentication a
 * sensitive change was let through on (lib/auth/step-up.ts); its audit events carry it.
 */
export type AdminActor = AdministratorSession & { clientAddress: string; sessionId?: string; stepUp?: SessionAuthentication };

export function auditActorOf(actor: AdminActor): AuditActor {
  return { type: 'administrator', id: actor.id, email: actor.email, ...(actor.stepUp ? { stepUp: actor.stepUp } : {}) };
}
