import 'server-only';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { getDb, type Tx } from '@/db/client';
import { administratorInvitations, administrators, organisations } from '@/db/schema';
import { recordAuditEvent, type AuditActor } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { createToken } from '@/lib/auth/tokens';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors/app-error';
import { isUuid } from '@/lib/ids';
import { queueMessage } from '@/lib/mail/queue-message';
import { administratorInvitationEmail } from '@/lib/mail/templates';
import { EMAIL_TAKEN, assertCanGrantLevel, assertCanManageAdministrators, contactPhone, isUniqueViolation } from './guards';
import type { AdministratorDetails } from './schemas';

export const INVITATION_DAYS = 7;
export const ACCEPT_INVITATION_PATH = '/accept-invitation';
export const ALREADY_INVITED = 'This address already has an invitation waiting. Send it again from the list of invitations.';
export const NO_OPEN_INVITATION = 'This invitation was already accepted or revoked.';

/** Who sends an invitation: an administrator, or the operator creating the organisation. */
type Inviter = { auditActor: AuditActor; label: string; clientAddress?: string };

/**
 * Queues the invitation email with a fresh single-use link (256 random bits; only its hash is
 * kept, so the link exists only in the email) and returns the link. The email carries a secret:
 * its body is redacted from the outbox once delivered.
 */
async function sendInvitationIn(
  tx: Tx,
  invitation: { id: string; orgId: string; email: string; name: string; level: number },
  inviter: Inviter,
  now: Date,
): Promise<string> {
  const { token, tokenHash } = createToken();
  await tx
    .update(administratorInvitations)
    .set({ tokenHash, invitedBy: inviter.label, invitedAt: now, expiresAt: new Date(now.getTime() + INVITATION_DAYS * 86_400_000) })
    .where(eq(administratorInvitations.id, invitation.id));
  const [org] = await tx.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, invitation.orgId));
  const url = `${env().APP_URL}${ACCEPT_INVITATION_PATH}/${token}`;
  const mail = administratorInvitationEmail({ name: invitation.name, organisation: org?.name ?? 'your organisation', invitedBy: inviter.label, level: invitation.level, url, days: INVITATION_DAYS });
  await queueMessage(tx, {
    orgId: invitation.orgId,
    channel: 'email',
    kind: 'administrator_invitation',
    carriesSecret: true,
    recipient: invitation.email,
    subject: mail.subject,
    bodyText: mail.text,
    bodyHtml: mail.html,
  });
  return url;
}

/**
 * Invites `details.email` to become an administrator of `orgId`, in the caller's transaction.
 * Refused when an administrator (of any organisation: the address signs in) already has the
 * address, or an invitation is already open for it.
 */
export async function inviteAdministratorIn(
  tx: Tx,
  input: { orgId: string; details: AdministratorDetails; inviter: Inviter; now: Date },
): Promise<{ id: string; url: string }> {
  const { details, now } = input;
  const email = details.email.trim().toLowerCase();
  const [taken] = await tx.select({ id: administrators.id }).from(administrators).where(eq(administrators.email, email));
  if (taken) throw new AppError('conflict', EMAIL_TAKEN, { email: [EMAIL_TAKEN] });
  const [open] = await tx
    .select({ id: administratorInvitations.id })
    .from(administratorInvitations)
    .where(and(eq(administratorInvitations.email, email), isNull(administratorInvitations.acceptedAt), isNull(administratorInvitations.revokedAt)));
  if (open) throw new AppError('conflict', ALREADY_INVITED, { email: [ALREADY_INVITED] });
  const [created] = await tx
    .insert(administratorInvitations)
    .values({
      orgId: input.orgId,
      email,
      name: details.name.trim() || email,
      phone: contactPhone(details.phone),
      addressLine1: details.addressLine1,
      addressLine2: details.addressLine2,
      city: details.city,
      region: details.region,
      postalCode: details.postalCode,
      country: details.country,
      level: details.level,
      // Replaced at once by the real link's hash (sendInvitationIn); unique, and no token hashes to it.
      tokenHash: sql`'pending:' || gen_random_uuid()`,
      invitedBy: input.inviter.label,
      invitedAt: now,
      expiresAt: now,
    })
    .returning({ id: administratorInvitations.id, name: administratorInvitations.name });
  const url = await sendInvitationIn(tx, { id: created.id, orgId: input.orgId, email, name: created.name, level: details.level }, input.inviter, now);
  await recordAuditEvent(tx, {
    orgId: input.orgId,
    actor: input.inviter.auditActor,
    action: 'administrators.invited',
    summary: `${input.inviter.label} invited ${created.name} (${email}) to be a level ${details.level} administrator`,
    target: { type: 'administrator_invitation', id: created.id, label: email },
    clientAddress: input.inviter.clientAddress,
    metadata: { level: details.level },
    now,
  });
  return { id: created.id, url };
}

function inviterOf(actor: AdminActor): Inviter {
  return { auditActor: auditActorOf(actor), label: `${actor.name} (${actor.email})`, clientAddress: actor.clientAddress };
}

/** "Add administrator": an invitation by email; the new administrator chooses their own password. */
export async function inviteAdministrator(input: AdministratorDetails & { actor: AdminActor; now?: Date }) {
  const { actor, now = new Date(), ...details } = input;
  assertCanManageAdministrators(actor);
  assertCanGrantLevel(actor, details.level);
  try {
    return await getDb().transaction(async (tx) => {
      const { id } = await inviteAdministratorIn(tx, { orgId: actor.orgId, details, inviter: inviterOf(actor), now });
      return { id };
    });
  } catch (e) {
    // Two concurrent invitations to one address: the partial unique index decides.
    if (isUniqueViolation(e)) throw new AppError('conflict', ALREADY_INVITED, { email: [ALREADY_INVITED] });
    throw e;
  }
}

/** Locks an open invitation of the actor's organisation; anything else is "not found". */
async function lockOpenInvitation(tx: Tx, orgId: string, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', NO_OPEN_INVITATION);
  const [row] = await tx
    .select({ id: administratorInvitations.id, orgId: administratorInvitations.orgId, email: administratorInvitations.email, name: administratorInvitations.name, level: administratorInvitations.level })
    .from(administratorInvitations)
    .where(and(eq(administratorInvitations.id, id), eq(administratorInvitations.orgId, orgId), isNull(administratorInvitations.acceptedAt), isNull(administratorInvitations.revokedAt)))
    .for('update');
  if (!row) throw new AppError('not_found', NO_OPEN_INVITATION);
  return row;
}

/** "Resend": a new link, valid 7 days from now; the previous link stops working. */
export async function resendInvitation(input: { actor: AdminActor; id: string; now?: Date }) {
  const { actor, now = new Date() } = input;
  assertCanManageAdministrators(actor);
  await getDb().transaction(async (tx) => {
    const invitation = await lockOpenInvitation(tx, actor.orgId, input.id);
    assertCanGrantLevel(actor, invitation.level);
    await sendInvitationIn(tx, invitation, inviterOf(actor), now);
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'administrators.invitation_resent',
      summary: `${actor.email} sent again the invitation of ${invitation.name} (${invitation.email})`,
      target: { type: 'administrator_invitation', id: invitation.id, label: invitation.email },
      clientAddress: actor.clientAddress,
      now,
    });
  });
}

/** "Revoke": the link stops working at once and says it was revoked. */
export async function revokeInvitation(input: { actor: AdminActor; id: string; now?: Date }) {
  const { actor, now = new Date() } = input;
  assertCanManageAdministrators(actor);
  await getDb().transaction(async (tx) => {
    const invitation = await lockOpenInvitation(tx, actor.orgId, input.id);
    await tx.update(administratorInvitations).set({ revokedAt: now }).where(eq(administratorInvitations.id, invitation.id));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'administrators.invitation_revoked',
      summary: `${actor.email} revoked the invitation of ${invitation.name} (${invitation.email})`,
      target: { type: 'administrator_invitation', id: invitation.id, label: invitation.email },
      clientAddress: actor.clientAddress,
      now,
    });
  });
}
