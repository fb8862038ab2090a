'use server';

import { revalidatePath } from 'next/cache';
import { adminAction } from '@/lib/actions/action';
import { twoFactorRequirementSchema } from '@/lib/auth/schemas';
import { setTwoFactorRequirement } from '@/lib/organisations/set-two-factor-requirement';
import { inviteAdministrator, resendInvitation, revokeInvitation } from '@/lib/administrators/invite-administrator';
import { addAdministratorSchema, administratorIdSchema, administratorIdsSchema, invitationIdSchema, updateAdministratorSchema } from '@/lib/administrators/schemas';
import { deactivateAdministrator, deactivateAdministrators, reactivateAdministrator } from '@/lib/administrators/set-administrator-status';
import { updateAdministrator } from '@/lib/administrators/update-administrator';
import { resetAdministratorTwoFactor } from '@/lib/administrators/reset-two-factor';
import { cancelEmailChange } from '@/lib/administrators/cancel-email-change';
import { resendEmailChange } from '@/lib/administrators/request-email-change';

/** "Add": an invitation by email; the new administrator chooses their own password. */
export const addAdministratorAction = adminAction('addAdministratorAction', addAdministratorSchema, async (input, { actor }) => {
  const result = await inviteAdministrator({ actor, ...input });
  revalidatePath('/administrators');
  return result;
});

export const updateAdministratorAction = adminAction('updateAdministratorAction', updateAdministratorSchema, async (input, { actor }) => {
  const result = await updateAdministrator({ actor, ...input });
  revalidatePath('/administrators');
  return result;
});

export const deactivateAdministratorAction = adminAction('deactivateAdministratorAction', administratorIdSchema, async ({ id }, { actor }) => {
  await deactivateAdministrator({ actor, id });
  revalidatePath('/administrators');
  return null;
});

/** "Deactivate selected" on the list. */
export const deactivateAdministratorsAction = adminAction('deactivateAdministratorsAction', administratorIdsSchema, async ({ ids }, { actor }) => {
  const outcome = await deactivateAdministrators({ actor, ids });
  revalidatePath('/administrators');
  return outcome;
});

export const reactivateAdministratorAction = adminAction('reactivateAdministratorAction', administratorIdSchema, async ({ id }, { actor }) => {
  await reactivateAdministrator({ actor, id });
  revalidatePath('/administrators');
  return null;
});

export const resendEmailChangeAction = adminAction('resendEmailChangeAction', administratorIdSchema, async ({ id }, { actor }) => {
  await resendEmailChange({ actor, id });
  revalidatePath('/administrators');
  return null;
});

export const cancelEmailChangeAction = adminAction('cancelEmailChangeAction', administratorIdSchema, async ({ id }, { actor }) => {
  await cancelEmailChange({ actor, id });
  revalidatePath('/administrators');
  return null;
});

export const resendInvitationAction = adminAction('resendInvitationAction', invitationIdSchema, async ({ id }, { actor }) => {
  await resendInvitation({ actor, id });
  revalidatePath('/administrators');
  return null;
});

export const revokeInvitationAction = adminAction('revokeInvitationAction', invitationIdSchema, async ({ id }, { actor }) => {
  await revokeInvitation({ actor, id });
  revalidatePath('/administrators');
  return null;
});

/** "Require two-factor authentication for administrators" (level 1). */
export const saveTwoFactorRequirementAction = adminAction('saveTwoFactorRequirementAction', twoFactorRequirementSchema, async ({ required }, { actor }) => {
  await setTwoFactorRequirement({ actor, required });
  revalidatePath('/administrators');
  return null;
});

/** "Reset two-factor authentication" of another administrator (level 1, with step-up). */
export const resetTwoFactorAction = adminAction('resetTwoFactorAction', administratorIdSchema, async ({ id }, { actor }) => {
  await resetAdministratorTwoFactor({ actor, id });
  revalidatePath('/administrators');
  return null;
});
