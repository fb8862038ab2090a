'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { adminAction } from '@/lib/actions/action';
import { EXTENSION_DAYS, extendMessageExpiry, recallMessage } from '@/lib/messaging/recall-message';
import { uuidSchema } from '@/lib/ids';
import { messageSettingsSchema, setMessageSettings } from '@/lib/organisations/message-settings';

// Not exported: a 'use server' module may export async functions only. Unknown keys (orgId,
// status, expiresAt…) are stripped, so nothing but the id and the day count reaches the use case.
const messageIdSchema = z.object({ messageId: uuidSchema('Unknown message.') });
const extendSchema = messageIdSchema.extend({
  // Coerced: the same action serves a FormData post, where every value is a string.
  days: z.coerce
    .number('Choose 1, 7 or 30 days.')
    .refine((d): d is (typeof EXTENSION_DAYS)[number] => EXTENSION_DAYS.some((allowed) => allowed === d), 'Choose 1, 7 or 30 days.'),
});

export const recallMessageAction = adminAction('recallMessageAction', messageIdSchema, async ({ messageId }, { actor }) => {
  await recallMessage({ actor, messageId });
  revalidatePath('/secure-messages');
  return null;
});

export const extendMessageAction = adminAction('extendMessageAction', extendSchema, async ({ messageId, days }, { actor }) => {
  const { expiresAt } = await extendMessageExpiry({ actor, messageId, days });
  revalidatePath('/secure-messages');
  return { expiresAt: expiresAt.toISOString() };
});

/** Retention period and "sender may recall" (level 1). */
export const saveMessageSettingsAction = adminAction('saveMessageSettingsAction', messageSettingsSchema, async (settings, { actor }) => {
  await setMessageSettings({ actor, settings });
  revalidatePath('/secure-messages');
  return null;
});
