import 'server-only';
import { and, eq, ne } from 'drizzle-orm';
import { getDb, type DbOrTx } from '@/db/client';
import { domainIdentities } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import type { AccountKind } from '@/lib/auth/authenticate';

/**
 * The binding of an account to one identity at the identity provider, `(issuer, subject)`. The
 * email a provider vouches for can change hands (a renamed or recycled mailbox, an edited profile);
 * the subject is the provider's stable name for one person. So the first Domain sign-in of an
 * account links it, and later ones must present the same pair.
 */

export type IdentityCheck = { outcome: 'linked' | 'matched' } | { outcome: 'mismatch'; linked: { issuer: string; subject: string } };

function accountColumn(kind: AccountKind) {
  return kind === 'administrator' ? domainIdentities.administratorId : domainIdentities.portalUserId;
}

/**
 * Links the account to this identity if it has none yet (with its audit event), or compares it
 * with the one it has. Two first sign-ins at once insert one row: the loser reads the winner's.
 */
export async function checkDomainIdentity(input: {
  kind: AccountKind;
  accountId: string;
  email: string;
  orgId: string;
  issuer: string;
  subject: string;
  clientAddress: string;
  now: Date;
}): Promise<IdentityCheck> {
  const { kind, accountId, orgId, issuer, subject, now } = input;
  return getDb().transaction(async (tx) => {
    const [inserted] = await tx
      .insert(domainIdentities)
      .values({
        orgId,
        kind,
        administratorId: kind === 'administrator' ? accountId : null,
        portalUserId: kind === 'portal_user' ? accountId : null,
        issuer,
        subject,
        linkedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: domainIdentities.id });
    if (inserted) {
      await recordAuditEvent(tx, {
        orgId,
        actor: { type: kind, id: accountId, email: input.email },
        action: 'domain_identities.linked',
        summary: `${input.email} was linked to the identity ${subject} at ${issuer} at its first Domain sign-in`,
        target: { type: kind, id: accountId, label: input.email },
        clientAddress: input.clientAddress,
        metadata: { kind, issuer, subject },
        now,
      });
      return { outcome: 'linked' } as const;
    }
    const [linked] = await tx
      .select({ issuer: domainIdentities.issuer, subject: domainIdentities.subject })
      .from(domainIdentities)
      .where(eq(accountColumn(kind), accountId));
    if (!linked) throw new Error('domain identity neither inserted nor found');
    return linked.issuer === issuer && linked.subject === subject ? ({ outcome: 'matched' } as const) : ({ outcome: 'mismatch', linked } as const);
  });
}

/**
 * Forgets the organisation's bindings to any issuer but `issuer` (the provider's issuer changed,
 * or Domain sign-in was set up again elsewhere): their accounts link again at their next Domain
 * sign-in. Returns how many were removed.
 */
export async function forgetOtherIssuers(tx: DbOrTx, orgId: string, issuer: string): Promise<number> {
  const removed = await tx
    .delete(domainIdentities)
    .where(and(eq(domainIdentities.orgId, orgId), ne(domainIdentities.issuer, issuer)))
    .returning({ id: domainIdentities.id });
  return removed.length;
}

/** Whether each of these administrators of the organisation is linked, for /administrators. */
export async function listLinkedAdministrators(db: DbOrTx, orgId: string): Promise<Set<string>> {
  const rows = await db
    .select({ id: domainIdentities.administratorId })
    .from(domainIdentities)
    .where(and(eq(domainIdentities.orgId, orgId), eq(domainIdentities.kind, 'administrator')));
  return new Set(rows.flatMap((r) => (r.id ? [r.id] : [])));
}
