'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { adminAction } from '@/lib/actions/action';
import { addSuppression, addSuppressionSchema, removeSuppression, softBounceSettingsSchema, updateSoftBounceSettings } from '@/lib/suppressions/suppressions';

const suppressionIdSchema = z.object({ id: z.string().uuid() });

export const addSuppressionAction = adminAction('addSuppressionAction', addSuppressionSchema, async ({ address, note }, { actor }) => {
  const row = await addSuppression({ actor, address, note });
  revalidatePath('/suppressions');
  return { address: row.address };
});

export const removeSuppressionAction = adminAction('removeSuppressionAction', suppressionIdSchema, async ({ id }, { actor }) => {
  const result = await removeSuppression({ actor, id });
  revalidatePath('/suppressions');
  return result;
});

export const updateSoftBounceSettingsAction = adminAction('updateSoftBounceSettingsAction', softBounceSettingsSchema, async (input, { actor }) => {
  const result = await updateSoftBounceSettings({ actor, ...input });
  revalidatePath('/suppressions');
  return result;
});
