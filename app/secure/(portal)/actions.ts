'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { portalAction } from '@/lib/actions/action';
import { adoptDeviceTimeZone, deleteMessage, deleteMessages, markMessage, markMessages, savePreferences } from '@/lib/messaging/mailbox-actions';
import { sendMessageSchema } from '@/lib/messaging/schemas';
import { recallOwnMessage } from '@/lib/messaging/recall-message';
import { findContacts, sendMessage } from '@/lib/messaging/send-message';
import { preferencesSchema } from '@/lib/portal/preferences';
import { deleteDraft, saveDraft, saveDraftSchema } from '@/lib/messaging/drafts';
import { uuidSchema } from '@/lib/ids';
import { sendSmsCode, verifySmsCode } from '@/lib/portal/two-factor';

export const sendMessageAction = portalAction('sendMessageAction', sendMessageSchema, async (input, { user }) => {
  const result = await sendMessage({ ...input, sender: user });
  revalidatePath('/secure', 'layout');
  return result;
});

/**
 * No revalidatePath here: it would render the page the action came from again, and rendering an
 * open message reads it, undoing "Mark as unread". The client moves on and refreshes instead.
 */
export const markMessageAction = portalAction('markMessageAction', z.object({ id: uuidSchema('Unknown message.'), read: z.boolean() }), async ({ id, read }, { user }) => {
  await markMessage({ user, id, read });
  return null;
});

/** As markMessageAction: the page it comes from is the deleted message, which must not render again. */
export const deleteMessageAction = portalAction('deleteMessageAction', z.object({ id: uuidSchema('Unknown message.') }), async ({ id }, { user }) => {
  return deleteMessage({ user, id });
});

const messageIdsSchema = z.array(uuidSchema('Unknown message.')).min(1, 'Select at least one message.').max(500);

/** Inbox: mark the ticked messages read or unread (the client refreshes, as after markMessageAction). */
export const markMessagesAction = portalAction('markMessagesAction', z.object({ ids: messageIdsSchema, read: z.boolean() }).strict(), async ({ ids, read }, { user }) => {
  const outcome = await markMessages({ user, ids, read });
  revalidatePath('/secure', 'layout');
  return outcome;
});

/** Inbox: delete the ticked messages from the user's folder. */
export const deleteMessagesAction = portalAction('deleteMessagesAction', z.object({ ids: messageIdsSchema }).strict(), async ({ ids }, { user }) => {
  const outcome = await deleteMessages({ user, ids });
  revalidatePath('/secure', 'layout');
  return outcome;
});

export const savePreferencesAction = portalAction('savePreferencesAction', preferencesSchema, async (preferences, { user }) => {
  await savePreferences({ user, preferences });
  revalidatePath('/secure', 'layout');
  return null;
});

/** The device's time zone, kept only while the user has not chosen one (see adoptDeviceTimeZone). */
export const adoptDeviceTimeZoneAction = portalAction('adoptDeviceTimeZoneAction', z.object({ timeZone: z.string().max(64) }), async ({ timeZone }, { user }) => {
  const adopted = await adoptDeviceTimeZone({ user, timeZone });
  if (adopted) revalidatePath('/secure', 'layout');
  return { adopted };
});

/** The contact picker's "All addresses", searched as the user types. */
export const findContactsAction = portalAction('findContactsAction', z.object({ search: z.string().max(254) }), async ({ search }, { user }) => {
  return findContacts(user, { search, limit: 50 });
});

/** An organisation's SMS step (lib/portal/two-factor.ts): a code to its number for this recipient. */
export const sendSmsCodeAction = portalAction('sendSmsCodeAction', z.object({ orgId: uuidSchema('Unknown organisation.') }), async ({ orgId }, { user }) => {
  return sendSmsCode({ viewer: user, orgId });
});

/** The code opens the organisation's messages for this session; the client refreshes the page it is on. */
export const verifySmsCodeAction = portalAction(
  'verifySmsCodeAction',
  z.object({ orgId: uuidSchema('Unknown organisation.'), code: z.string().trim().regex(/^\d{6}$/, 'Enter the 6 digits from the text message.') }),
  async ({ orgId, code }, { user }) => {
    await verifySmsCode({ viewer: user, orgId, code, clientAddress: user.clientAddress });
    return null;
  },
);

/** A sender recalls their own message from Sent, when their organisation allows it: its key is destroyed. */
export const recallOwnMessageAction = portalAction('recallOwnMessageAction', z.object({ id: uuidSchema('Unknown message.') }), async ({ id }, { user }) => {
  await recallOwnMessage({ user, messageId: id, clientAddress: user.clientAddress });
  revalidatePath('/secure', 'layout');
  return null;
});

/**
 * The composer saves its draft as the user types and when they leave. No revalidatePath: the
 * compose page must not render again under the writer; Drafts is read fresh when opened.
 */
export const saveDraftAction = portalAction('saveDraftAction', saveDraftSchema, async (input, { user }) => {
  const { savedAt } = await saveDraft({ ...input, user });
  return { savedAt: savedAt.toISOString() };
});

export const deleteDraftAction = portalAction('deleteDraftAction', z.object({ id: uuidSchema('Unknown draft.') }), async ({ id }, { user }) => {
  await deleteDraft({ user, id });
  revalidatePath('/secure', 'layout');
  return null;
});
