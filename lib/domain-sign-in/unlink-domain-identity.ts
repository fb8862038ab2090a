import 'server-only';
import { and, eq, or, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administrators, domainIdentities, portalUsers } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { AppError } from '@/lib/errors/app-error';
import { assertCanManageIdentityProvider } from './save-identity-provider';

export const NOT_LINKED = 'No account with this address is linked to Domain sign-in in your organisation.';

/**
 * Removes the Domain sign-in binding of the organisation's accounts with this address (its
 * administrator account, its secure-portal account, or both): the person's next Domain sign-in
 * links whichever identity the provider then vouches for. This is how someone whose identity at
 * the provider was replaced (a new account there) gets back in. Level 1 only.
 */
export async function unlinkDomainIdentity(input: { actor: AdminActor; email: string; now?: Date }): Promise<{ unlinked: number }> {
  const { actor } = input;
  assertCanManageIdentityProvider(actor);
  const email = input.email.trim().toLowerCase();
  const now = input.now ?? new Date();
  return getDb().transaction(async (tx) => {
    const removed = await tx
      .delete(domainIdentities)
      .where(
        and(
          eq(domainIdentities.orgId, actor.orgId),
          or(
            sql`${domainIdentities.administratorId} in (select ${administrators.id} from ${administrators} where ${administrators.orgId} = ${actor.orgId} and ${administrators.email} = ${email})`,
            sql`${domainIdentities.portalUserId} in (select ${portalUsers.id} from ${portalUsers} where ${portalUsers.email} = ${email})`,
          ),
        ),
      )
      .returning({
        kind: domainIdentities.kind,
        administratorId: domainIdentities.administratorId,
        portalUserId: domainIdentities.portalUserId,
        issuer: domainIdentities.issuer,
        subject: domainIdentities.subject,
      });
    if (removed.length === 0) throw new AppError('not_found', NOT_LINKED, { email: [NOT_LINKED] });
    for (const link of removed) {
      const what = link.kind === 'administrator' ? 'administrator account' : 'secure-portal account';
      await recordAuditEvent(tx, {
        orgId: actor.orgId,
        actor: auditActorOf(actor),
        action: 'domain_identities.unlinked',
        summary: `${actor.email} unlinked the ${what} ${email} from the identity ${link.subject} at ${link.issuer}; its next Domain sign-in links again`,
        target: { type: link.kind, id: link.administratorId ?? link.portalUserId ?? '', label: email },
        clientAddress: actor.clientAddress,
        metadata: { kind: link.kind, issuer: link.issuer, subject: link.subject },
        now,
      });
    }
    return { unlinked: removed.length };
  });
}
