import 'server-only';
import { timingSafeEqual } from 'node:crypto';
import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { domainSignIns, licensedEmails, portalUsers } from '@/db/schema';
import { getAdministratorCredentials } from '@/lib/administrators/queries';
import { recordAuditEvent } from '@/lib/audit/record';
import { recordCompletedSignIn, type AccountKind } from '@/lib/auth/authenticate';
import { administratorSource } from '@/lib/auth/sign-in-administrator';
import { countAttempt, exhaustedRule, recordThrottledAttempt, signInRules, waitMessage } from '@/lib/auth/throttle';
import { createToken, hashToken } from '@/lib/auth/tokens';
import { AppError } from '@/lib/errors/app-error';
import { ensurePortalUser, portalSource } from '@/lib/portal/accounts';
import { getPortalCredentials } from '@/lib/portal/queries';
import { checkDomainIdentity } from './identities';
import { authorizationRequest, describe, discover, verifiedClaims } from './oidc';
import { emailDomain, findProviderForEmail, getProviderForSignIn } from './queries';
import { openSecret } from './secret-box';
import { isUuid } from '@/lib/ids';

/**
 * Domain sign-in (OpenID Connect authorization code flow with PKCE, state and nonce):
 * `startDomainSignIn` sends the browser to the organisation's provider, `completeDomainSignIn`
 * checks what comes back and decides who it is, `redeemDomainSignIn` turns that decision into a
 * session once. The same throttling, audit and session-version rules as a password sign-in.
 */

const ATTEMPT_MINUTES = 10;
/** Between the provider's answer and the session: one server-side step, so a minute is plenty. */
const TICKET_SECONDS = 60;

export function identityMismatchForAdministrator(email: string) {
  return `Your identity provider signed you in as a different person than the one linked to ${email}, so Sealpost refused it. A level 1 administrator can unlink Domain sign-in for this account on the Administrators page; your next Domain sign-in then links it again.`;
}

export function identityMismatchForUser(email: string) {
  return `Your identity provider signed you in as a different person than the one linked to ${email}, so Sealpost refused it. Ask your organisation's administrator to unlink Domain sign-in for this address; your next Domain sign-in then links it again.`;
}

export const SIGN_IN_AGAIN = 'This sign-in was not started in this browser, was already used, or took too long. Start again.';

export async function startDomainSignIn(input: { email: string; kind: AccountKind; returnTo: string; now?: Date }): Promise<{ url: string; state: string }> {
  const db = getDb();
  const now = input.now ?? new Date();
  const provider = await findProviderForEmail(db, input.email);
  if (!provider) throw new AppError('invalid_input', 'Domain sign-in is not set up for this address. Sign in with your password.');
  const config = await discover({ issuer: provider.issuer, clientId: provider.clientId, clientSecret: openSecret(provider.clientSecretEncrypted) });
  const request = await authorizationRequest(config, input.email.trim().toLowerCase());
  await db.transaction(async (tx) => {
    // Attempts nobody finished are of no use a day later.
    await tx.delete(domainSignIns).where(lt(domainSignIns.expiresAt, new Date(now.getTime() - 86_400_000)));
    await tx.insert(domainSignIns).values({
      stateHash: hashToken(request.state),
      orgId: provider.orgId,
      kind: input.kind,
      nonce: request.nonce,
      codeVerifier: request.codeVerifier,
      returnTo: input.returnTo,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ATTEMPT_MINUTES * 60_000),
    });
  });
  return { url: request.url.href, state: request.state };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

type Refusal = {
  message: string;
  reason: string;
  email?: string;
  orgId?: string;
  kind: AccountKind;
  /** The refused account, when one was found; with `action`, the event names it. */
  account?: { id: string };
  action?: 'domain_identities.refused';
  metadata?: Record<string, unknown>;
};

async function refuse(refusal: Refusal, clientAddress: string, now: Date): Promise<never> {
  await getDb().transaction(async (tx) => {
    if (refusal.email) await countAttempt(tx, signInRules(refusal.email, clientAddress, refusal.kind), now);
    await recordAuditEvent(tx, {
      orgId: refusal.orgId ?? null,
      actor: { type: 'anonymous', email: refusal.email ?? '' },
      action: refusal.action ?? 'auth.sign_in_failed',
      summary: `Failed Domain sign-in${refusal.email ? ` for ${refusal.email}` : ''} (${refusal.reason})`,
      target: refusal.account ? { type: refusal.kind, id: refusal.account.id, label: refusal.email } : undefined,
      clientAddress,
      metadata: { reason: refusal.reason, kind: refusal.kind, method: 'domain', ...refusal.metadata },
      now,
    });
  });
  throw new AppError('unauthenticated', refusal.message);
}

/**
 * The provider's answer: `currentUrl` is our callback URL with the query the provider added,
 * `browserState` the state kept in this browser's cookie when the sign-in started.
 */
export async function completeDomainSignIn(input: {
  currentUrl: URL;
  browserState: string | undefined;
  clientAddress: string;
  now?: Date;
}): Promise<{ attemptId: string; ticket: string; kind: AccountKind; returnTo: string }> {
  const db = getDb();
  const now = input.now ?? new Date();
  const { clientAddress } = input;
  const state = input.currentUrl.searchParams.get('state') ?? '';
  if (!state || !input.browserState || !sameText(state, input.browserState)) {
    await refuse({ message: SIGN_IN_AGAIN, reason: 'state does not match this browser', kind: 'administrator' }, clientAddress, now);
  }
  const [attempt] = await db
    .update(domainSignIns)
    .set({ usedAt: now })
    .where(and(eq(domainSignIns.stateHash, hashToken(state)), isNull(domainSignIns.usedAt), gt(domainSignIns.expiresAt, now)))
    .returning();
  if (!attempt) return refuse({ message: SIGN_IN_AGAIN, reason: 'unknown, used or expired state', kind: 'administrator' }, clientAddress, now);
  const { kind, orgId } = attempt;

  const providerError = input.currentUrl.searchParams.get('error');
  if (providerError) {
    const detail = input.currentUrl.searchParams.get('error_description') ?? providerError;
    await refuse({ message: `Your identity provider did not sign you in (${detail.slice(0, 200)}).`, reason: `provider error ${providerError.slice(0, 100)}`, orgId, kind }, clientAddress, now);
  }
  const provider = await getProviderForSignIn(db, orgId);
  if (!provider) return refuse({ message: 'Domain sign-in is no longer set up for your organisation. Sign in with your password.', reason: 'no identity provider', orgId, kind }, clientAddress, now);

  let claims: Awaited<ReturnType<typeof verifiedClaims>>;
  try {
    const config = await discover({ issuer: provider.issuer, clientId: provider.clientId, clientSecret: openSecret(provider.clientSecretEncrypted) });
    claims = await verifiedClaims(config, input.currentUrl, { state, nonce: attempt.nonce, codeVerifier: attempt.codeVerifier });
  } catch (error) {
    console.warn('[domain sign-in] answer refused:', describe(error));
    return refuse({ message: "Your identity provider's answer could not be verified. Start again.", reason: `answer not verified: ${describe(error).slice(0, 200)}`, orgId, kind }, clientAddress, now);
  }
  const email = claims.email;
  if (!email) return refuse({ message: 'Your identity provider did not give an email address.', reason: 'no email claim', orgId, kind }, clientAddress, now);
  if (!claims.emailVerified) {
    return refuse({ message: `Your identity provider has not verified the email address ${email}.`, reason: 'email not verified', email, orgId, kind }, clientAddress, now);
  }
  if (!provider.domains.includes(emailDomain(email))) {
    return refuse({ message: `${email} is not in a domain that signs in through this identity provider.`, reason: 'email outside the provider domains', email, orgId, kind }, clientAddress, now);
  }
  const throttled = await exhaustedRule(db, signInRules(email, clientAddress, kind), now);
  if (throttled) {
    // Counted on the one event of the attempts refused while throttled, as password sign-ins are.
    await db.transaction(async (tx) => {
      await countAttempt(tx, signInRules(email, clientAddress, kind), now);
      await recordThrottledAttempt(tx, throttled.key, {
        orgId,
        actor: { type: 'anonymous', email },
        action: 'auth.sign_in_failed',
        // The same words as password sign-ins: refusals of both kinds may count on the same event.
        summary: (n) => `${n} sign-in attempt${n === 1 ? '' : 's'} for ${email} refused while throttled`,
        clientAddress,
        metadata: { reason: 'throttled', kind, method: 'domain' },
        now,
      });
    });
    throw new AppError('unauthenticated', waitMessage(throttled.wait));
  }

  const account = kind === 'administrator' ? await administratorAccount(email, orgId) : await internalUserAccount(email, orgId, now);
  if ('refused' in account) return refuse({ message: account.refused, reason: account.reason, email, orgId, kind }, clientAddress, now);

  // The email only finds the account; the identity behind it must be the one the account is linked to.
  const identity = await checkDomainIdentity({ kind, accountId: account.id, email, orgId, issuer: provider.issuer, subject: claims.subject, clientAddress, now });
  if (identity.outcome === 'mismatch') {
    return refuse(
      {
        message: kind === 'administrator' ? identityMismatchForAdministrator(email) : identityMismatchForUser(email),
        reason: `identity ${claims.subject} is not the one linked to this account`,
        email,
        orgId,
        kind,
        account,
        action: 'domain_identities.refused',
        metadata: { presented: { issuer: provider.issuer, subject: claims.subject }, linked: identity.linked },
      },
      clientAddress,
      now,
    );
  }

  const ticket = createToken();
  await db.update(domainSignIns).set({ accountId: account.id, ticketHash: ticket.tokenHash }).where(eq(domainSignIns.id, attempt.id));
  if (kind === 'administrator') {
    await recordCompletedSignIn(administratorSource, { ...account, orgId, sessionVersion: 0, mustChangePassword: false }, { clientAddress, how: 'through Domain sign-in', now });
  } else {
    await recordCompletedSignIn(portalSource, { ...account, orgId, sessionVersion: 0 }, { clientAddress, how: 'through Domain sign-in', now });
  }
  return { attemptId: attempt.id, ticket: ticket.token, kind, returnTo: attempt.returnTo };
}

type Account = { id: string; email: string; passwordHash: string | null; active: boolean } | { refused: string; reason: string };

async function administratorAccount(email: string, orgId: string): Promise<Account> {
  const admin = await getAdministratorCredentials(getDb(), { email });
  if (!admin || admin.orgId !== orgId) return { refused: `${email} is not an administrator of this organisation.`, reason: 'not an administrator' };
  if (admin.status !== 'active') return { refused: `The administrator account ${email} is inactive. Ask a level 1 administrator to reactivate it.`, reason: 'inactive account' };
  return { id: admin.id, email: admin.email, passwordHash: null, active: true };
}

/** A licensed address of the organisation; its portal account is made (or activated) on first use. */
async function internalUserAccount(email: string, orgId: string, now: Date): Promise<Account> {
  return getDb().transaction(async (tx) => {
    const [licensed] = await tx
      .select({ id: licensedEmails.id })
      .from(licensedEmails)
      .where(and(eq(licensedEmails.orgId, orgId), eq(licensedEmails.email, email)));
    if (!licensed) return { refused: `${email} is not a licensed email address of your organisation.`, reason: 'not a licensed address' };
    const user = await ensurePortalUser(tx, email, now);
    if (user.status === 'disabled') return { refused: `The account ${email} is disabled.`, reason: 'disabled account' };
    if (user.status === 'pending') await tx.update(portalUsers).set({ status: 'active' }).where(and(eq(portalUsers.id, user.id), eq(portalUsers.status, 'pending')));
    return { id: user.id, email, passwordHash: null, active: true };
  });
}

/**
 * Opens the session the provider's answer decided, once, within a minute; checks the account
 * again (it may have been deactivated in between) and returns its current session version.
 */
export async function redeemDomainSignIn(input: { attemptId: string; ticket: string; now?: Date }): Promise<{ id: string; kind: AccountKind; sessionVersion: number }> {
  if (!isUuid(input.attemptId)) throw new AppError('unauthenticated', SIGN_IN_AGAIN);
  const db = getDb();
  const now = input.now ?? new Date();
  const [row] = await db
    .update(domainSignIns)
    .set({ redeemedAt: now })
    .where(
      and(
        eq(domainSignIns.id, input.attemptId),
        eq(domainSignIns.ticketHash, hashToken(input.ticket)),
        isNull(domainSignIns.redeemedAt),
        gt(domainSignIns.usedAt, sql`${now.toISOString()}::timestamptz - make_interval(secs => ${TICKET_SECONDS})`),
      ),
    )
    .returning({ accountId: domainSignIns.accountId, kind: domainSignIns.kind, orgId: domainSignIns.orgId });
  if (!row?.accountId) throw new AppError('unauthenticated', SIGN_IN_AGAIN);
  if (row.kind === 'administrator') {
    const admin = await getAdministratorCredentials(db, { id: row.accountId, orgId: row.orgId });
    if (!admin || admin.status !== 'active') throw new AppError('unauthenticated', 'This administrator account is inactive.');
    return { id: admin.id, kind: 'administrator', sessionVersion: admin.sessionVersion };
  }
  const user = await getPortalCredentials(db, { id: row.accountId });
  if (!user || user.status !== 'active') throw new AppError('unauthenticated', 'This account is not active.');
  return { id: user.id, kind: 'portal_user', sessionVersion: user.sessionVersion };
}
