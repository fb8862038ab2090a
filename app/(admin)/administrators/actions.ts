'use server';

import { revalidatePath } from 'next/cache';
import { adminAction } from '@/lib/actions/action';
import { addAdministrator } from '@/lib/administrators/add-administrator';
import { addAdministratorSchema, administratorIdSchema, updateAdministratorSchema } from '@/lib/administrators/schemas';
import { deactivateAdministrator, reactivateAdministrator } from '@/lib/administrators/set-administrator-status';
import { updateAdministrator } from '@/lib/administrators/update-administrator';

export const addAdministratorAction = adminAction('addAdministratorAction', addAdministratorSchema, async (input, { actor }) => {
  const result = await addAdministrator({ actor, ...input });
  revalidatePath('/administrators');
  return result;
});

export const updateAdministratorAction = adminAction('updateAdministratorAction', updateAdministratorSchema, async (input, { actor }) => {
  await updateAdministrator({ actor, ...input });
  revalidatePath('/administrators');
  return null;
});

export const deactivateAdministratorAction = adminAction('deactivateAdministratorAction', administratorIdSchema, async ({ id }, { actor }) => {
  await deactivateAdministrator({ actor, id });
  revalidatePath('/administrators');
  return null;
});

export const reactivateAdministratorAction = adminAction('reactivateAdministratorAction', administratorIdSchema, async ({ id }, { actor }) => {
  await reactivateAdministrator({ actor, id });
  revalidatePath('/administrators');
  return null;
});
