'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { adminAction } from '@/lib/actions/action';
import { bulkSelectionSchema } from '@/lib/lists/bulk';
import { deleteRecipient, deleteRecipients, updateRecipientPhone } from '@/lib/recipients/recipients';
import { formatPhone } from '@/lib/phone';
import { uuidSchema } from '@/lib/ids';

const recipientIdSchema = z.object({ id: uuidSchema('Unknown recipient.') });
const updatePhoneSchema = z.object({ id: uuidSchema('Unknown recipient.'), phone: z.string().max(40, 'This phone number is too long.') });

export const updateRecipientPhoneAction = adminAction('updateRecipientPhoneAction', updatePhoneSchema, async ({ id, phone }, { actor }) => {
  const result = await updateRecipientPhone({ actor, id, phone });
  revalidatePath('/recipients');
  return { phone: result.phone ? formatPhone(result.phone) : null };
});

export const deleteRecipientAction = adminAction('deleteRecipientAction', recipientIdSchema, async ({ id }, { actor }) => {
  await deleteRecipient({ actor, id });
  revalidatePath('/recipients');
  return null;
});

/** "Delete selected": the ticked recipients, or all matching the list's search and filter (up to 10,000). */
export const deleteRecipientsAction = adminAction('deleteRecipientsAction', bulkSelectionSchema, async (selection, { actor }) => {
  const outcome = await deleteRecipients({ actor, selection });
  revalidatePath('/recipients');
  return outcome;
});
