import 'server-only';
import { and, eq, isNull } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { passwordTokens } from '@/db/schema';
import { getAdministratorCredentials } from '@/lib/administrators/queries';
import { recordAuditEvent } from '@/lib/audit/record';
import { env } from '@/lib/env';
import { queueMessage } from '@/lib/mail/queue-message';
import { passwordResetEmail } from '@/lib/mail/templates';
import { countAttempt, throttledFor, type ThrottleRule } from './throttle';
import { createToken } from './tokens';

export const RESET_TOKEN_HOURS = 24;
export const RESET_REQUESTED_MESSAGE =
  'If an account exists for that address, we have sent it a link to reset the password. The link expires in 24 hours.';

/**
 * Emails a single-use reset link to an active administrator. Answers the same way whether or
 * not the address exists; requests are throttled per address and per client.
 */
export async function requestPasswordReset(input: { email: string; clientAddress: string; now?: Date }): Promise<void> {
  const db = getDb();
  const now = input.now ?? new Date();
  const email = input.email.trim().toLowerCase();
  const rules: ThrottleRule[] = [{ key: `reset:account:${email}`, limit: 5, windowSeconds: 3600 }];
  if (input.clientAddress) rules.push({ key: `reset:address:${input.clientAddress}`, limit: 20, windowSeconds: 3600 });
  if ((await throttledFor(db, rules, now)) > 0) return;
  await countAttempt(db, rules, now);

  const admin = await getAdministratorCredentials(db, { email });
  if (!admin || admin.status !== 'active') return;

  const { token, tokenHash } = createToken();
  const url = `${env().APP_URL}/reset-password/${token}`;
  const message = passwordResetEmail({ name: admin.name, url, hours: RESET_TOKEN_HOURS });
  await db.transaction(async (tx) => {
    // Only the newest link works.
    await tx
      .update(passwordTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordTokens.administratorId, admin.id), eq(passwordTokens.purpose, 'reset'), isNull(passwordTokens.usedAt)));
    await tx.insert(passwordTokens).values({
      orgId: admin.orgId,
      purpose: 'reset',
      administratorId: admin.id,
      tokenHash,
      expiresAt: new Date(now.getTime() + RESET_TOKEN_HOURS * 3600 * 1000),
      createdAt: now,
    });
    await queueMessage(tx, {
      orgId: admin.orgId,
      channel: 'email',
      kind: 'password_reset',
      recipient: admin.email,
      subject: message.subject,
      bodyText: message.text,
      bodyHtml: message.html,
      carriesSecret: true,
    });
    await recordAuditEvent(tx, {
      orgId: admin.orgId,
      actor: { type: 'anonymous', email },
      action: 'auth.password_reset_requested',
      summary: `Password reset link sent to ${admin.email}`,
      target: { type: 'administrator', id: admin.id, label: admin.email },
      clientAddress: input.clientAddress,
      now,
    });
  });
}
