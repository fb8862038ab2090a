import 'server-only';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administratorInvitations, administrators, organisations } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { passwordProblems } from '@/lib/auth/password-policy';
import { hashPassword } from '@/lib/auth/passwords';
import { hashToken, looksLikeToken } from '@/lib/auth/tokens';
import { AppError } from '@/lib/errors/app-error';
import { EMAIL_TAKEN, isUniqueViolation } from './guards';

export const INVITATION_UNKNOWN = 'This invitation link is not valid. Check that you opened the whole link from the latest invitation email.';
export const invitationRefusals = {
  expired: 'This invitation has expired. Ask a level 1 administrator of your organisation to send it again.',
  revoked: 'This invitation was revoked. Ask a level 1 administrator of your organisation if you still need access.',
  accepted: 'This invitation was already accepted. Sign in with your email address and the password you chose.',
} as const;

export type InvitationLink =
  | { state: 'open'; name: string; email: string; level: number; organisation: string }
  | { state: keyof typeof invitationRefusals; organisation: string };

/**
 * What an invitation link stands for: open (with who it is for), or why it no longer works. Null
 * for a link that was never issued or was replaced by a newer one (a resend).
 */
export async function findInvitation(token: string, now = new Date()): Promise<InvitationLink | null> {
  if (!looksLikeToken(token)) return null;
  const [row] = await getDb()
    .select({
      name: administratorInvitations.name,
      email: administratorInvitations.email,
      level: administratorInvitations.level,
      expiresAt: administratorInvitations.expiresAt,
      revokedAt: administratorInvitations.revokedAt,
      acceptedAt: administratorInvitations.acceptedAt,
      organisation: organisations.name,
    })
    .from(administratorInvitations)
    .innerJoin(organisations, eq(organisations.id, administratorInvitations.orgId))
    .where(eq(administratorInvitations.tokenHash, hashToken(token)));
  if (!row) return null;
  if (row.acceptedAt) return { state: 'accepted', organisation: row.organisation };
  if (row.revokedAt) return { state: 'revoked', organisation: row.organisation };
  if (row.expiresAt.getTime() <= now.getTime()) return { state: 'expired', organisation: row.organisation };
  return { state: 'open', name: row.name, email: row.email, level: row.level, organisation: row.organisation };
}

/**
 * The new administrator chooses their password (the rules of lib/auth/password-policy.ts): the administrator is
 * created with it, active, and the invitation is consumed by one conditional UPDATE, so a link
 * works once even under concurrent submissions. They then sign in as anyone else.
 */
export async function acceptInvitation(input: { token: string; newPassword: string; clientAddress: string; now?: Date }): Promise<{ email: string }> {
  const now = input.now ?? new Date();
  const link = await findInvitation(input.token, now);
  if (!link) throw new AppError('expired', INVITATION_UNKNOWN);
  if (link.state !== 'open') throw new AppError('expired', invitationRefusals[link.state]);
  const problems = passwordProblems(input.newPassword, { email: link.email });
  if (problems.length > 0) throw new AppError('invalid_input', problems[0], { newPassword: problems });
  const passwordHash = await hashPassword(input.newPassword);

  try {
    return await getDb().transaction(async (tx) => {
      const [invitation] = await tx
        .update(administratorInvitations)
        .set({ acceptedAt: now })
        .where(
          and(
            eq(administratorInvitations.tokenHash, hashToken(input.token)),
            isNull(administratorInvitations.acceptedAt),
            isNull(administratorInvitations.revokedAt),
            gt(administratorInvitations.expiresAt, now),
          ),
        )
        .returning();
      if (!invitation) throw new AppError('expired', invitationRefusals.accepted);
      const [created] = await tx
        .insert(administrators)
        .values({
          orgId: invitation.orgId,
          email: invitation.email,
          name: invitation.name,
          phone: invitation.phone,
          addressLine1: invitation.addressLine1,
          addressLine2: invitation.addressLine2,
          city: invitation.city,
          region: invitation.region,
          postalCode: invitation.postalCode,
          country: invitation.country,
          level: invitation.level,
          passwordHash,
          mustChangePassword: false,
          passwordChangedAt: now,
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: administrators.id });
      await tx.update(administratorInvitations).set({ administratorId: created.id }).where(eq(administratorInvitations.id, invitation.id));
      await recordAuditEvent(tx, {
        orgId: invitation.orgId,
        actor: { type: 'administrator', id: created.id, email: invitation.email },
        action: 'administrators.invitation_accepted',
        summary: `${invitation.name} (${invitation.email}) accepted the invitation, chose a password and is now a level ${invitation.level} administrator (invited by ${invitation.invitedBy})`,
        target: { type: 'administrator', id: created.id, label: invitation.email },
        clientAddress: input.clientAddress,
        metadata: { level: invitation.level, invitationId: invitation.id },
        now,
      });
      return { email: invitation.email };
    });
  } catch (e) {
    // The address was taken meanwhile (an email change confirmed to it): the unique index decides.
    if (isUniqueViolation(e)) throw new AppError('conflict', EMAIL_TAKEN);
    throw e;
  }
}
