import 'server-only';
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '@/db/client';
import { messageRecipients, passwordTokens, portalUsers } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { authenticate, type AccountSource, type SignInAccount } from '@/lib/auth/authenticate';
import { forgetSmsSteps } from './two-factor';
import { passwordProblems } from '@/lib/auth/password-policy';
import { hashPassword, verifyPassword } from '@/lib/auth/passwords';
import { countAttempt, signInRules, takeAttempt, throttledFor, type ThrottleRule } from '@/lib/auth/throttle';
import { createToken, hashToken, looksLikeToken } from '@/lib/auth/tokens';
import { DOMAIN_SIGN_IN_REQUIRED, signInMethodFor } from '@/lib/domain-sign-in/queries';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors/app-error';
import { queueMessage } from '@/lib/mail/queue-message';
import { portalPasswordEmail } from '@/lib/mail/templates';
import { getPortalCredentials, type PortalSession } from './queries';

export const PORTAL_LINK_HOURS = 24;
export const PORTAL_LINK_INVALID = 'This link has expired or has already been used. Ask for a new one below.';

type PortalAccount = SignInAccount & { sessionVersion: number };

export const portalSource: AccountSource<PortalAccount> = {
  kind: 'portal_user',
  async find(email) {
    const user = await getPortalCredentials(getDb(), { email });
    return user ? { ...user, orgId: user.internalOrgId, active: user.status === 'active' } : null;
  },
  async passwordRefused(email) {
    return (await signInMethodFor(getDb(), email, 'portal_user')) === 'domain' ? DOMAIN_SIGN_IN_REQUIRED : null;
  },
  async recordSignIn(tx, account, now) {
    await tx.update(portalUsers).set({ lastSignInAt: now }).where(eq(portalUsers.id, account.id));
  },
};

/**
 * Email and password: the portal session. An organisation's SMS two-factor is not a step of the
 * sign-in (the account is shared by every organisation that writes to it); it guards that
 * organisation's messages within the session (lib/portal/two-factor.ts).
 */
export async function signInPortalUser(input: { email: string; password: string; clientAddress: string; now?: Date }): Promise<{ id: string; sessionVersion: number }> {
  const user = await authenticate(portalSource, input);
  return { id: user.id, sessionVersion: user.sessionVersion };
}

/** Finds or creates the portal account of an address (pending until its owner sets a password). */
export async function ensurePortalUser(tx: DbOrTx, email: string, now: Date): Promise<{ id: string; status: 'pending' | 'active' | 'disabled' }> {
  const address = email.trim().toLowerCase();
  await tx.insert(portalUsers).values({ email: address, createdAt: now }).onConflictDoNothing({ target: portalUsers.email });
  const [row] = await tx.select({ id: portalUsers.id, status: portalUsers.status }).from(portalUsers).where(eq(portalUsers.email, address));
  return row;
}

/** A single-use link to set the password (first time or forgotten), valid 24 hours; earlier links stop working. */
export async function issuePortalPasswordLink(tx: DbOrTx, userId: string, now: Date): Promise<string> {
  await tx
    .update(passwordTokens)
    .set({ usedAt: now })
    .where(and(eq(passwordTokens.portalUserId, userId), isNull(passwordTokens.usedAt)));
  const { token, tokenHash } = createToken();
  await tx.insert(passwordTokens).values({
    purpose: 'activation',
    portalUserId: userId,
    tokenHash,
    expiresAt: new Date(now.getTime() + PORTAL_LINK_HOURS * 3600 * 1000),
    createdAt: now,
  });
  return `${env().APP_URL}/secure/activate/${token}`;
}

/** "Reset password" on the portal: always the same answer; a link only for an existing account. */
export async function requestPortalPasswordLink(input: { email: string; clientAddress: string; now?: Date }) {
  const db = getDb();
  const now = input.now ?? new Date();
  const email = input.email.trim().toLowerCase();
  const rules: ThrottleRule[] = [{ key: `portal-reset:account:${email}`, limit: 5, windowSeconds: 3600 }];
  if (input.clientAddress) rules.push({ key: `portal-reset:address:${input.clientAddress}`, limit: 20, windowSeconds: 3600 });
  if ((await throttledFor(db, rules, now)) > 0) return;
  await countAttempt(db, rules, now);
  const user = await getPortalCredentials(db, { email });
  if (!user || user.status === 'disabled') return;
  await db.transaction(async (tx) => {
    const url = await issuePortalPasswordLink(tx, user.id, now);
    const message = portalPasswordEmail({ url, hours: PORTAL_LINK_HOURS, firstTime: user.status === 'pending' });
    await queueMessage(tx, { orgId: null, channel: 'email', kind: 'portal_password', recipient: user.email, subject: message.subject, bodyText: message.text, bodyHtml: message.html, carriesSecret: true });
  });
}

export async function findPortalLink(token: string, now = new Date()): Promise<{ email: string; firstTime: boolean } | null> {
  if (!looksLikeToken(token)) return null;
  const [row] = await getDb()
    .select({ email: portalUsers.email, status: portalUsers.status })
    .from(passwordTokens)
    .innerJoin(portalUsers, eq(portalUsers.id, passwordTokens.portalUserId))
    .where(and(eq(passwordTokens.tokenHash, hashToken(token)), isNull(passwordTokens.usedAt), gt(passwordTokens.expiresAt, now)));
  return row && row.status !== 'disabled' ? { email: row.email, firstTime: row.status === 'pending' } : null;
}

/**
 * Sets the password from a link (activation or reset): single use, ends every other session.
 * A first password was asked for by a message's notification: `firstMessageId` is the newest
 * message to them, where signing in should lead.
 */
export async function setPortalPassword(input: { token: string; newPassword: string; clientAddress: string; now?: Date }) {
  const now = input.now ?? new Date();
  const link = await findPortalLink(input.token, now);
  if (!link) throw new AppError('expired', PORTAL_LINK_INVALID);
  const problems = passwordProblems(input.newPassword, { email: link.email });
  if (problems.length > 0) throw new AppError('invalid_input', problems[0], { newPassword: problems });
  const passwordHash = await hashPassword(input.newPassword);
  const userId = await getDb().transaction(async (tx) => {
    const [consumed] = await tx
      .update(passwordTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordTokens.tokenHash, hashToken(input.token)), isNull(passwordTokens.usedAt), gt(passwordTokens.expiresAt, now)))
      .returning({ userId: passwordTokens.portalUserId });
    if (!consumed?.userId) throw new AppError('expired', PORTAL_LINK_INVALID);
    const [user] = await tx
      .update(portalUsers)
      .set({ passwordHash, status: 'active', sessionVersion: sql`${portalUsers.sessionVersion} + 1` })
      .where(and(eq(portalUsers.id, consumed.userId), sql`${portalUsers.status} <> 'disabled'`))
      .returning({ id: portalUsers.id, email: portalUsers.email });
    if (!user) throw new AppError('expired', PORTAL_LINK_INVALID);
    await forgetSmsSteps(tx, user.id);
    await recordAuditEvent(tx, {
      orgId: null,
      actor: { type: 'portal_user', id: user.id, email: user.email },
      action: link.firstTime ? 'auth.password_changed' : 'auth.password_reset',
      summary: link.firstTime ? `${user.email} created a secure-message portal password` : `${user.email} reset their secure-message portal password`,
      target: { type: 'portal_user', id: user.id, label: user.email },
      clientAddress: input.clientAddress,
      now,
    });
    return user.id;
  });
  if (!link.firstTime) return { email: link.email, firstMessageId: null };
  const [newest] = await getDb()
    .select({ id: messageRecipients.messageId })
    .from(messageRecipients)
    .where(and(eq(messageRecipients.userId, userId), isNull(messageRecipients.deletedAt)))
    .orderBy(desc(messageRecipients.sentAt))
    .limit(1);
  return { email: link.email, firstMessageId: newest?.id ?? null };
}

export async function changePortalPassword(input: { user: PortalSession; currentPassword: string; newPassword: string; clientAddress: string; now?: Date }) {
  const db = getDb();
  const now = input.now ?? new Date();
  // Counted before the current password is checked, so concurrent guesses cannot outrun the limit.
  const giveBack = await takeAttempt(db, signInRules(input.user.email, input.clientAddress, 'portal_user'), now);
  const account = await getPortalCredentials(db, { id: input.user.id });
  if (!account?.passwordHash || account.status !== 'active') throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');
  if (!(await verifyPassword(account.passwordHash, input.currentPassword))) {
    throw new AppError('invalid_input', 'The current password is not correct.', { currentPassword: ['The current password is not correct.'] });
  }
  await giveBack();
  const problems = passwordProblems(input.newPassword, { email: account.email });
  if (input.newPassword === input.currentPassword) problems.unshift('Choose a password different from the current one.');
  if (problems.length > 0) throw new AppError('invalid_input', problems[0], { newPassword: problems });
  const passwordHash = await hashPassword(input.newPassword);
  await db.transaction(async (tx) => {
    await tx.update(portalUsers).set({ passwordHash, sessionVersion: sql`${portalUsers.sessionVersion} + 1` }).where(eq(portalUsers.id, account.id));
    await forgetSmsSteps(tx, account.id);
    await recordAuditEvent(tx, {
      orgId: account.internalOrgId,
      actor: { type: 'portal_user', id: account.id, email: account.email },
      action: 'auth.password_changed',
      summary: `${account.email} changed their secure-message portal password`,
      target: { type: 'portal_user', id: account.id, label: account.email },
      clientAddress: input.clientAddress,
      now,
    });
  });
}

export async function signOutPortalUser(input: { user: PortalSession; clientAddress: string; now?: Date }) {
  const now = input.now ?? new Date();
  await getDb().transaction(async (tx) => {
    await tx.update(portalUsers).set({ sessionVersion: sql`${portalUsers.sessionVersion} + 1` }).where(eq(portalUsers.id, input.user.id));
    await forgetSmsSteps(tx, input.user.id);
    await recordAuditEvent(tx, {
      orgId: input.user.internalOrgId,
      actor: { type: 'portal_user', id: input.user.id, email: input.user.email },
      action: 'auth.signed_out',
      summary: `${input.user.email} signed out of the secure-message portal`,
      clientAddress: input.clientAddress,
      now,
    });
  });
}
