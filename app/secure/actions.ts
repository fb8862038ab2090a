'use server';

import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { getDb } from '@/db/client';
import { flowCookieOptions, SIGN_IN_EMAIL_COOKIE } from '@/lib/auth/flow-cookie';
import { keepBrowserState } from '@/lib/domain-sign-in/browser-state';
import { startDomainSignIn } from '@/lib/domain-sign-in/domain-sign-in';
import { signInMethodFor } from '@/lib/domain-sign-in/queries';
import { signInMethodSchema, startDomainSignInSchema } from '@/lib/domain-sign-in/schemas';
import { z } from 'zod';
import { signOut } from '@/auth';
import { credentialsSignIn } from '@/lib/auth/credentials-sign-in';
import { portalAction, publicAction } from '@/lib/actions/action';
import { changePasswordSchema, requestResetSchema, safeCallbackPath, signInSchema } from '@/lib/auth/schemas';
import { changePortalPassword, requestPortalPasswordLink, setPortalPassword, signOutPortalUser } from '@/lib/portal/accounts';

export const portalSignInAction = publicAction('portalSignInAction', signInSchema, async ({ email, password, callbackUrl }) => {
  await credentialsSignIn('portal', { email, password });
  (await cookies()).delete({ name: SIGN_IN_EMAIL_COOKIE, path: '/secure' });
  redirect(portalReturnPath(callbackUrl));
});

function portalReturnPath(callbackUrl: string | undefined): string {
  return safeCallbackPath(callbackUrl, '/secure/inbox', '/secure/');
}

/** Which way this address signs in, decided by its domain (never by whether an account exists). */
export const portalSignInMethodAction = publicAction('portalSignInMethodAction', signInMethodSchema, async ({ email }) => signInMethodFor(getDb(), email, 'portal_user'));

export const startPortalDomainSignInAction = publicAction('startPortalDomainSignInAction', startDomainSignInSchema, async ({ email, callbackUrl }) => {
  const { url, state } = await startDomainSignIn({ email, kind: 'portal_user', returnTo: portalReturnPath(callbackUrl) });
  await keepBrowserState('portal_user', state);
  redirect(url);
});

export const requestPortalPasswordLinkAction = publicAction('requestPortalPasswordLinkAction', requestResetSchema, async ({ email }, { clientAddress }) => {
  await requestPortalPasswordLink({ email, clientAddress });
  return null;
});

const setPasswordSchema = z
  .object({ token: z.string().min(1).max(128), newPassword: z.string().min(1, 'Enter a new password.').max(128), confirmPassword: z.string().max(128) })
  .refine((v) => v.newPassword === v.confirmPassword, { message: 'The two passwords do not match.', path: ['confirmPassword'] });

export const setPortalPasswordAction = publicAction('setPortalPasswordAction', setPasswordSchema, async ({ token, newPassword }, { clientAddress }) => {
  const { email, firstMessageId } = await setPortalPassword({ token, newPassword, clientAddress });
  // Sign in with the address filled in (kept in a 10-minute cookie, not in the URL and its
  // history), and go on to the message the notification was about.
  (await cookies()).set(SIGN_IN_EMAIL_COOKIE, email, flowCookieOptions('/secure'));
  const next = new URLSearchParams({ notice: 'password-set' });
  if (firstMessageId) next.set('callbackUrl', `/secure/messages/${firstMessageId}`);
  redirect(`/secure/login?${next}`);
});

export const changePortalPasswordAction = portalAction('changePortalPasswordAction', changePasswordSchema, async ({ currentPassword, newPassword }, { user }) => {
  await changePortalPassword({ user, currentPassword, newPassword, clientAddress: user.clientAddress });
  await signOut({ redirect: false });
  redirect('/secure/login?notice=password-changed');
});

export const portalSignOutAction = portalAction('portalSignOutAction', z.object({}), async (_input, { user }) => {
  await signOutPortalUser({ user, clientAddress: user.clientAddress });
  await signOut({ redirect: false });
  redirect('/secure/login?notice=signed-out');
});
