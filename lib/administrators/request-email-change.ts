import 'server-only';
import { and, eq, isNull, ne } from 'drizzle-orm';
import { getDb, type Tx } from '@/db/client';
import { administratorEmailChanges, administratorInvitations, administrators } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { createToken } from '@/lib/auth/tokens';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors/app-error';
import { queueMessage } from '@/lib/mail/queue-message';
import { confirmEmailChangeEmail, emailChangeNoticeEmail } from '@/lib/mail/templates';
import { EMAIL_TAKEN, assertCanManageAdministrators, lockAdministrator } from './guards';

export const EMAIL_CHANGE_HOURS = 24;
export const CONFIRM_EMAIL_PATH = '/confirm-email';

/** An address another administrator signs in with (or is about to, or is invited with) cannot be asked for. */
async function assertEmailFree(tx: Tx, id: string, email: string) {
  const [taken] = await tx
    .select({ id: administrators.id })
    .from(administrators)
    .where(and(eq(administrators.email, email), ne(administrators.id, id)));
  if (taken) throw new AppError('conflict', EMAIL_TAKEN, { email: [EMAIL_TAKEN] });
  const [invited] = await tx
    .select({ id: administratorInvitations.id })
    .from(administratorInvitations)
    .where(and(eq(administratorInvitations.email, email), isNull(administratorInvitations.acceptedAt), isNull(administratorInvitations.revokedAt)));
  if (invited) throw new AppError('conflict', EMAIL_TAKEN, { email: [EMAIL_TAKEN] });
}

/**
 * Makes `newEmail` the administrator's pending email: a single-use link (256 random bits, only its
 * hash stored, 24 hours) goes to the new address, and the email changes only when it is opened, so
 * nobody takes over an account by typing an address they control. The old address is told (unless
 * this is a resend). A new request replaces the pending one and its link. In the caller's
 * transaction, with the administrator's row locked.
 */
export async function requestEmailChangeIn(
  tx: Tx,
  input: { actor: AdminActor; administrator: { id: string; name: string; email: string }; newEmail: string; resend?: boolean; now: Date },
) {
  const { actor, administrator, now } = input;
  const newEmail = input.newEmail.trim().toLowerCase();
  await assertEmailFree(tx, administrator.id, newEmail);
  const { token, tokenHash } = createToken();
  const pending = {
    newEmail,
    tokenHash,
    requestedBy: actor.email,
    requestedAt: now,
    expiresAt: new Date(now.getTime() + EMAIL_CHANGE_HOURS * 3600_000),
  };
  await tx
    .insert(administratorEmailChanges)
    .values({ ...pending, orgId: actor.orgId, administratorId: administrator.id })
    .onConflictDoUpdate({ target: administratorEmailChanges.administratorId, set: pending });

  const requestedBy = actor.id === administrator.id ? 'You' : `${actor.name} (${actor.email})`;
  const confirm = confirmEmailChangeEmail({
    name: administrator.name,
    oldEmail: administrator.email,
    newEmail,
    requestedBy,
    url: `${env().APP_URL}${CONFIRM_EMAIL_PATH}/${token}`,
    hours: EMAIL_CHANGE_HOURS,
  });
  await queueMessage(tx, { orgId: actor.orgId, channel: 'email', kind: 'email_change_confirmation', carriesSecret: true, recipient: newEmail, subject: confirm.subject, bodyText: confirm.text, bodyHtml: confirm.html });
  if (!input.resend) {
    const notice = emailChangeNoticeEmail({ name: administrator.name, oldEmail: administrator.email, newEmail, requestedBy, done: false });
    await queueMessage(tx, { orgId: actor.orgId, channel: 'email', kind: 'email_change_requested', carriesSecret: false, recipient: administrator.email, subject: notice.subject, bodyText: notice.text, bodyHtml: notice.html });
  }
  await recordAuditEvent(tx, {
    orgId: actor.orgId,
    actor: auditActorOf(actor),
    action: 'administrators.email_change_requested',
    summary: `${actor.email} ${input.resend ? 'sent again the confirmation link' : 'asked'} to change the email of ${administrator.name} from ${administrator.email} to ${newEmail} (waiting for confirmation from the new address)`,
    target: { type: 'administrator', id: administrator.id, label: administrator.email },
    clientAddress: actor.clientAddress,
    metadata: { from: administrator.email, to: newEmail, resend: Boolean(input.resend) },
    now,
  });
}

/** "Resend": a new link for the pending change (the previous link stops working). */
export async function resendEmailChange(input: { actor: AdminActor; id: string; now?: Date }) {
  const { actor } = input;
  assertCanManageAdministrators(actor);
  const now = input.now ?? new Date();
  await getDb().transaction(async (tx) => {
    const administrator = await lockAdministrator(tx, actor.orgId, input.id);
    const [pending] = await tx
      .select({ newEmail: administratorEmailChanges.newEmail })
      .from(administratorEmailChanges)
      .where(and(eq(administratorEmailChanges.administratorId, administrator.id), eq(administratorEmailChanges.orgId, actor.orgId)));
    if (!pending) throw new AppError('not_found', NO_PENDING_CHANGE);
    await requestEmailChangeIn(tx, { actor, administrator, newEmail: pending.newEmail, resend: true, now });
  });
}

export const NO_PENDING_CHANGE = 'There is no email change waiting for confirmation.';
