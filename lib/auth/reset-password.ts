import 'server-only';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administrators, passwordTokens } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors/app-error';
import { queueMessage } from '@/lib/mail/queue-message';
import { passwordChangedEmail } from '@/lib/mail/templates';
import { passwordProblems } from './password-policy';
import { hashPassword } from './passwords';
import { clearSignInFailures } from './throttle';
import { hashToken, looksLikeToken } from './tokens';

export const RESET_LINK_INVALID = 'This reset link has expired or has already been used. Ask for a new one below.';

/** The administrator a still-valid reset link belongs to, or null. */
export async function findResetLink(token: string, now = new Date()): Promise<{ email: string } | null> {
  if (!looksLikeToken(token)) return null;
  const [row] = await getDb()
    .select({ email: administrators.email })
    .from(passwordTokens)
    .innerJoin(administrators, eq(administrators.id, passwordTokens.administratorId))
    .where(
      and(
        eq(passwordTokens.tokenHash, hashToken(token)),
        eq(passwordTokens.purpose, 'reset'),
        isNull(passwordTokens.usedAt),
        gt(passwordTokens.expiresAt, now),
        eq(administrators.status, 'active'),
      ),
    );
  return row ?? null;
}

/**
 * Sets a new password from a reset link. The link is consumed by one conditional UPDATE, so it
 * works once even under concurrent submissions; every session of the account ends.
 */
export async function resetPassword(input: { token: string; newPassword: string; clientAddress: string; now?: Date }) {
  const now = input.now ?? new Date();
  const link = await findResetLink(input.token, now);
  if (!link) throw new AppError('expired', RESET_LINK_INVALID);
  const problems = passwordProblems(input.newPassword, { email: link.email });
  if (problems.length > 0) throw new AppError('invalid_input', problems[0], { newPassword: problems });
  const passwordHash = await hashPassword(input.newPassword);

  await getDb().transaction(async (tx) => {
    const [consumed] = await tx
      .update(passwordTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(passwordTokens.tokenHash, hashToken(input.token)),
          eq(passwordTokens.purpose, 'reset'),
          isNull(passwordTokens.usedAt),
          gt(passwordTokens.expiresAt, now),
        ),
      )
      .returning({ administratorId: passwordTokens.administratorId, orgId: passwordTokens.orgId });
    if (!consumed?.administratorId || !consumed.orgId) throw new AppError('expired', RESET_LINK_INVALID);

    const [admin] = await tx
      .update(administrators)
      .set({
        passwordHash,
        mustChangePassword: false,
        sessionVersion: sql`${administrators.sessionVersion} + 1`,
        passwordChangedAt: now,
        updatedAt: now,
      })
      .where(and(eq(administrators.id, consumed.administratorId), eq(administrators.orgId, consumed.orgId), eq(administrators.status, 'active')))
      .returning({ id: administrators.id, email: administrators.email, name: administrators.name });
    if (!admin) throw new AppError('expired', RESET_LINK_INVALID);

    await clearSignInFailures(tx, admin.email, 'administrator', null);
    const notice = passwordChangedEmail({ name: admin.name, resetUrl: `${env().APP_URL}/reset-password` });
    await queueMessage(tx, {
      orgId: consumed.orgId,
      channel: 'email',
      kind: 'password_changed',
      recipient: admin.email,
      subject: notice.subject,
      bodyText: notice.text,
      bodyHtml: notice.html,
      carriesSecret: false,
    });
    await recordAuditEvent(tx, {
      orgId: consumed.orgId,
      actor: { type: 'administrator', id: admin.id, email: admin.email },
      action: 'auth.password_reset',
      summary: `${admin.email} reset their password with an emailed link`,
      target: { type: 'administrator', id: admin.id, label: admin.email },
      clientAddress: input.clientAddress,
      now,
    });
  });
}
