import 'server-only';
import { headers } from 'next/headers';
import { forbidden, redirect } from 'next/navigation';
import { cache } from 'react';
import { getDb } from '@/db/client';
import { getAdministratorSession } from '@/lib/administrators/queries';
import { getPortalSession, type PortalSession } from '@/lib/portal/queries';
import { env } from '@/lib/env';
import { REQUEST_PATH_HEADER } from '@/lib/http/request-path';
import { safeCallbackPath } from './schemas';
import type { AdminActor } from './actor';
import { clientAddressFrom } from './client-address';
import { sessionAccount } from './session-token';
import { can, type Permission } from './permissions';
import { isUuid } from '@/lib/ids';
import { TWO_FACTOR_PATH } from './two-factor-messages';

export async function requestClientAddress(): Promise<string> {
  return clientAddressFrom(await headers(), env().TRUSTED_PROXY_HOPS);
}

/**
 * The signed-in administrator, checked against the database on every request: the account
 * must be active and the token's session version current. Null otherwise.
 */
export const getCurrentAdmin = cache(async (): Promise<AdminActor | null> => {
  const account = await sessionAccount();
  if (!account || account.kind !== 'administrator' || !account.id) return null;
  if (!isUuid(account.id)) return null;
  const admin = await getAdministratorSession(getDb(), account.id);
  if (!admin || admin.status !== 'active' || admin.sessionVersion !== account.sessionVersion) return null;
  return { ...admin, clientAddress: await requestClientAddress(), sessionId: account.sessionId };
});

/**
 * The sign-in page, told to come back to the page asked for (`?callbackUrl=`) unless that is where
 * sign-in leads anyway: a notification link opened while signed out still opens its message.
 */
async function signInHere(loginPath: string, within: string, home: string): Promise<never> {
  const asked = (await headers()).get(REQUEST_PATH_HEADER) ?? undefined;
  const back = safeCallbackPath(asked, home, within);
  redirect(back === home ? loginPath : `${loginPath}?callbackUrl=${encodeURIComponent(back)}`);
}

/** To the administrators' sign-in, and back to this page afterwards. */
export const redirectToAdminSignIn = () => signInHere('/login', '/', '/dashboard');

/** To the portal's sign-in, and back to this page afterwards. */
export const redirectToPortalSignIn = () => signInHere('/secure/login', '/secure/', '/secure/inbox');

/** Where an administrator must go first, if anywhere: the forced password change, then enrolment. */
export function firstStepFor(admin: Pick<AdminActor, 'mustChangePassword' | 'mustEnrolSecondFactor'>): string | null {
  if (admin.mustChangePassword) return '/change-password';
  if (admin.mustEnrolSecondFactor) return TWO_FACTOR_PATH;
  return null;
}

/** For pages: the administrator, or a redirect to sign-in / the forced password change / enrolment. */
export async function requireAdminPage(permission: Permission = 'dashboard.view'): Promise<AdminActor> {
  const admin = await getCurrentAdmin();
  if (!admin) return redirectToAdminSignIn();
  const first = firstStepFor(admin);
  if (first) redirect(first);
  if (!can(admin.level, permission)) forbidden();
  return admin;
}

/** `sessionId`: this sign-in's random id, which an organisation's SMS step is verified for. */
export type PortalActor = PortalSession & { clientAddress: string; sessionId: string };

/**
 * The signed-in secure-message portal user, checked against the database on every request. A
 * token from before sessions had their own id counts as signed out: the SMS steps need one.
 */
export const getCurrentPortalUser = cache(async (): Promise<PortalActor | null> => {
  const account = await sessionAccount();
  if (!account || account.kind !== 'portal_user' || !isUuid(account.id) || !isUuid(account.sessionId)) return null;
  const user = await getPortalSession(getDb(), account.id);
  if (!user || user.status !== 'active' || user.sessionVersion !== account.sessionVersion) return null;
  return { ...user, clientAddress: await requestClientAddress(), sessionId: account.sessionId };
});

export async function requirePortalPage(): Promise<PortalActor> {
  const user = await getCurrentPortalUser();
  if (!user) return redirectToPortalSignIn();
  return user;
}
