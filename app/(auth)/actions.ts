'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { signOut } from '@/auth';
import { credentialsSignIn } from '@/lib/auth/credentials-sign-in';
import { getDb } from '@/db/client';
import { adminAction, publicAction } from '@/lib/actions/action';
import { getAdministratorCredentials } from '@/lib/administrators/queries';
import { acceptInvitation } from '@/lib/administrators/accept-invitation';
import { confirmEmailChange } from '@/lib/administrators/confirm-email-change';
import { confirmEmailChangeSchema } from '@/lib/administrators/schemas';
import { changePassword } from '@/lib/auth/change-password';
import { requestPasswordReset } from '@/lib/auth/request-password-reset';
import { resetPassword } from '@/lib/auth/reset-password';
import { changePasswordSchema, requestResetSchema, resetPasswordSchema, safeCallbackPath, secondFactorCodeSchema, signInSchema, stepUpSchema, totpCodeSchema } from '@/lib/auth/schemas';
import { confirmStepUp } from '@/lib/auth/step-up';
import { forgetSecondFactorChallenge, keepSecondFactorChallenge, SECOND_FACTOR_PATH, secondFactorChallenge } from '@/lib/auth/second-factor-cookie';
import { confirmTotpEnrolment, regenerateRecoveryCodes, SIGN_IN_AGAIN_FOR_CODE } from '@/lib/auth/two-factor';
import { addPasskeySchema, passkeyAssertionSchema, removePasskeySchema, renamePasskeySchema } from '@/lib/auth/passkey-schemas';
import { addPasskey, passkeyRegistrationOptions, passkeySignInOptions, removePasskey, renamePasskey, secondFactorPasskeyOptions } from '@/lib/auth/passkeys';
import { AppError, isAppError } from '@/lib/errors/app-error';
import { signOutAdministrator } from '@/lib/auth/sign-out-administrator';
import { keepBrowserState } from '@/lib/domain-sign-in/browser-state';
import { startDomainSignIn } from '@/lib/domain-sign-in/domain-sign-in';
import { signInMethodFor } from '@/lib/domain-sign-in/queries';
import { signInMethodSchema, startDomainSignInSchema } from '@/lib/domain-sign-in/schemas';

export const signInAction = publicAction('signInAction', signInSchema, async ({ email, password, callbackUrl }) => {
  const challenge = await credentialsSignIn('administrator', { email, password });
  if (challenge) {
    // The password was right; the code from the authenticator app completes the sign-in.
    await keepSecondFactorChallenge(challenge);
    const back = safeCallbackPath(callbackUrl);
    redirect(back === '/dashboard' ? SECOND_FACTOR_PATH : `${SECOND_FACTOR_PATH}?callbackUrl=${encodeURIComponent(back)}`);
  }
  const admin = await getAdministratorCredentials(getDb(), { email: email.toLowerCase() });
  redirect(admin?.mustChangePassword ? '/change-password' : safeCallbackPath(callbackUrl));
});

/** The code step of a sign-in (after the password): an authenticator code or a recovery code. */
export const verifySecondFactorAction = publicAction('verifySecondFactorAction', secondFactorCodeSchema, async ({ code, callbackUrl }) => {
  const challenge = await secondFactorChallenge();
  if (!challenge) throw new AppError('expired', SIGN_IN_AGAIN_FOR_CODE);
  try {
    await credentialsSignIn('second-factor', { ...challenge, code });
  } catch (e) {
    // A challenge that can no longer be used sends the person back to the password.
    if (isAppError(e) && e.message === SIGN_IN_AGAIN_FOR_CODE) await forgetSecondFactorChallenge();
    throw e;
  }
  await forgetSecondFactorChallenge();
  redirect(safeCallbackPath(callbackUrl));
});

/** The second step with a passkey: the options for the browser, tied to this sign-in (the cookie). */
export const secondFactorPasskeyOptionsAction = publicAction('secondFactorPasskeyOptionsAction', z.object({}), async () => {
  const challenge = await secondFactorChallenge();
  if (!challenge) throw new AppError('expired', SIGN_IN_AGAIN_FOR_CODE);
  return secondFactorPasskeyOptions(challenge);
});

/** The second step with a passkey: its answer completes the sign-in. */
export const verifySecondFactorPasskeyAction = publicAction('verifySecondFactorPasskeyAction', passkeyAssertionSchema, async ({ challengeId, response, callbackUrl }) => {
  const challenge = await secondFactorChallenge();
  if (!challenge) throw new AppError('expired', SIGN_IN_AGAIN_FOR_CODE);
  try {
    await credentialsSignIn('second-factor-passkey', { ...challenge, passkeyChallengeId: challengeId, response: JSON.stringify(response) });
  } catch (e) {
    if (isAppError(e) && e.message === SIGN_IN_AGAIN_FOR_CODE) await forgetSecondFactorChallenge();
    throw e;
  }
  await forgetSecondFactorChallenge();
  redirect(safeCallbackPath(callbackUrl));
});

/** A password-less sign-in: the options for the browser (any passkey it keeps for this site). */
export const passkeySignInOptionsAction = publicAction('passkeySignInOptionsAction', z.object({}), async (_input, { clientAddress }) => passkeySignInOptions({ clientAddress }));

/** A password-less sign-in: the passkey's answer signs its administrator in. */
export const passkeySignInAction = publicAction('passkeySignInAction', passkeyAssertionSchema, async ({ challengeId, response, callbackUrl }) => {
  await credentialsSignIn('passkey', { challengeId, response: JSON.stringify(response) });
  // A forced password change or enrolment is the page's to insist on (requireAdminPage).
  redirect(safeCallbackPath(callbackUrl));
});

/** Which way this address signs in, decided by its domain (never by whether an account exists). */
export const signInMethodAction = publicAction('signInMethodAction', signInMethodSchema, async ({ email }) => signInMethodFor(getDb(), email, 'administrator'));

export const startDomainSignInAction = publicAction('startDomainSignInAction', startDomainSignInSchema, async ({ email, callbackUrl }) => {
  const { url, state } = await startDomainSignIn({ email, kind: 'administrator', returnTo: safeCallbackPath(callbackUrl) });
  await keepBrowserState('administrator', state);
  redirect(url);
});

/** The invited administrator chooses their password; then they sign in like anyone else. */
export const acceptInvitationAction = publicAction('acceptInvitationAction', resetPasswordSchema, async ({ token, newPassword }, { clientAddress }) => {
  const { email } = await acceptInvitation({ token, newPassword, clientAddress });
  redirect(`/login?notice=invitation-accepted&email=${encodeURIComponent(email)}`);
});

/** Opening the link sent to an administrator's new address: the email changes now. */
export const confirmEmailChangeAction = publicAction('confirmEmailChangeAction', confirmEmailChangeSchema, async ({ token }, { clientAddress }) =>
  confirmEmailChange({ token, clientAddress }),
);

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

/** Confirms the authenticator app with its first code; returns the recovery codes (shown once). */
export const confirmTotpAction = adminAction('confirmTotpAction', totpCodeSchema, async ({ code }, { actor }) => confirmTotpEnrolment({ actor, code }));

export const regenerateRecoveryCodesAction = adminAction('regenerateRecoveryCodesAction', z.object({}), async (_input, { actor }) => regenerateRecoveryCodes({ actor }));

/**
 * The step-up dialog: confirms it is them with a code (or the password, for an administrator
 * without a second factor); the refused action is then called again. Returns how and when.
 */
export const confirmStepUpAction = adminAction('confirmStepUpAction', stepUpSchema, async (input, { actor }) => {
  const { amr, at } = await confirmStepUp({ actor, ...input });
  return { amr, at: at.toISOString() };
});

/** Adding a passkey or security key: the options for the browser. */
export const passkeyRegistrationOptionsAction = adminAction('passkeyRegistrationOptionsAction', z.object({}), async (_input, { actor }) => passkeyRegistrationOptions({ actor }));

/** Adding a passkey or security key: its answer, and the name given; recovery codes when it is the first second factor. */
export const addPasskeyAction = adminAction('addPasskeyAction', addPasskeySchema, async ({ challengeId, name, response }, { actor }) => {
  const added = await addPasskey({ actor, challengeId, name, response });
  revalidatePath('/two-factor');
  return added;
});

export const renamePasskeyAction = adminAction('renamePasskeyAction', renamePasskeySchema, async ({ id, name }, { actor }) => {
  await renamePasskey({ actor, id, name });
  revalidatePath('/two-factor');
  return null;
});

export const removePasskeyAction = adminAction('removePasskeyAction', removePasskeySchema, async ({ id }, { actor }) => {
  await removePasskey({ actor, id });
  revalidatePath('/two-factor');
  return null;
});
