'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { signOut } from '@/auth';
import { credentialsSignIn } from '@/lib/auth/credentials-sign-in';
import { getDb } from '@/db/client';
import { adminAction, publicAction } from '@/lib/actions/action';
import { getAdministratorCredentials } from '@/lib/administrators/queries';
import { changePassword } from '@/lib/auth/change-password';
import { requestPasswordReset } from '@/lib/auth/request-password-reset';
import { resetPassword } from '@/lib/auth/reset-password';
import { changePasswordSchema, requestResetSchema, resetPasswordSchema, safeCallbackPath, signInSchema } from '@/lib/auth/schemas';
import { signOutAdministrator } from '@/lib/auth/sign-out-administrator';

export const signInAction = publicAction('signInAction', signInSchema, async ({ email, password, callbackUrl }) => {
  await credentialsSignIn('administrator', { email, password });
  const admin = await getAdministratorCredentials(getDb(), { email: email.toLowerCase() });
  redirect(admin?.mustChangePassword ? '/change-password' : safeCallbackPath(callbackUrl));
});

export const requestPasswordResetAction = publicAction('requestPasswordResetAction', requestResetSchema, async ({ email }, { clientAddress }) => {
  await requestPasswordReset({ email, clientAddress });
  return null;
});

export const resetPasswordAction = publicAction('resetPasswordAction', resetPasswordSchema, async ({ token, newPassword }, { clientAddress }) => {
  await resetPassword({ token, newPassword, clientAddress });
  redirect('/login?notice=password-reset');
});

export const changePasswordAction = adminAction(
  'changePasswordAction',
  changePasswordSchema,
  async ({ currentPassword, newPassword }, { actor }) => {
    await changePassword({ actor, currentPassword, newPassword });
    await signOut({ redirect: false });
    redirect('/login?notice=password-changed');
  },
);

export const signOutAction = adminAction(
  'signOutAction',
  z.object({}),
  async (_input, { actor }) => {
    await signOutAdministrator({ actor });
    await signOut({ redirect: false });
    redirect('/login?notice=signed-out');
  },
);
