'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { adminAction } from '@/lib/actions/action';
import { bulkReasonField, EXTENSION_DAYS, extendMessageExpiry, extendMessages, recallMessage, recallMessages } from '@/lib/messaging/recall-message';
import { bulkSelectionSchema, type BulkSelection } from '@/lib/lists/bulk';
import { secureMessageList, stateFilterOf } from '@/lib/messaging/secure-message-list';
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

const bulkRecallSchema = z.object({ selection: bulkSelectionSchema, reason: bulkReasonField }).strict();
const bulkExtendSchema = z.object({ selection: bulkSelectionSchema, reason: bulkReasonField, days: extendSchema.shape.days }).strict();

/** "All matching": the list's filters, read from the selection as the page reads them from its URL. */
function filtersOf(selection: BulkSelection) {
  if (selection.mode !== 'matching') return undefined;
  const state = secureMessageList.parse({ ...selection.filters, q: selection.q });
  return { states: stateFilterOf(state), search: state.q };
}

/** "Recall selected", with the reason written to each message's log and audit event. */
export const recallMessagesAction = adminAction('recallMessagesAction', bulkRecallSchema, async ({ selection, reason }, { actor }) => {
  const outcome = await recallMessages({ actor, selection, filters: filtersOf(selection), reason });
  revalidatePath('/secure-messages');
  return outcome;
});

/** "Extend selected" by 1, 7 or 30 days, with the reason written to each message's log and audit event. */
export const extendMessagesAction = adminAction('extendMessagesAction', bulkExtendSchema, async ({ selection, reason, days }, { actor }) => {
  const outcome = await extendMessages({ actor, selection, filters: filtersOf(selection), days, reason });
  revalidatePath('/secure-messages');
  return outcome;
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
