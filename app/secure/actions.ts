'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { signOut } from '@/auth';
import { credentialsSignIn } from '@/lib/auth/credentials-sign-in';
import { portalAction, publicAction } from '@/lib/actions/action';
import { changePasswordSchema, requestResetSchema, signInSchema } from '@/lib/auth/schemas';
import { changePortalPassword, requestPortalPasswordLink, setPortalPassword, signOutPortalUser } from '@/lib/portal/accounts';

export const portalSignInAction = publicAction('portalSignInAction', signInSchema, async ({ email, password, callbackUrl }) => {
  await credentialsSignIn('portal', email, password);
  redirect(callbackUrl && callbackUrl.startsWith('/secure/') && !callbackUrl.startsWith('//') ? callbackUrl : '/secure/inbox');
});

export const requestPortalPasswordLinkAction = publicAction('requestPortalPasswordLinkAction', requestResetSchema, async ({ email }, { clientAddress }) => {
  await requestPortalPasswordLink({ email, clientAddress });
  return null;
});

const setPasswordSchema = z
  .object({ token: z.string().min(1).max(128), newPassword: z.string().min(1, 'Enter a new password.').max(128), confirmPassword: z.string().max(128) })
  .refine((v) => v.newPassword === v.confirmPassword, { message: 'The two passwords do not match.', path: ['confirmPassword'] });

export const setPortalPasswordAction = publicAction('setPortalPasswordAction', setPasswordSchema, async ({ token, newPassword }, { clientAddress }) => {
  await setPortalPassword({ token, newPassword, clientAddress });
  redirect('/secure/login?notice=password-set');
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
