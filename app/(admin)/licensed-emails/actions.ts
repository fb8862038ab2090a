'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { adminAction } from '@/lib/actions/action';
import { createLicenseOrder } from '@/lib/billing/create-order';
import { AppError, isAppError } from '@/lib/errors/app-error';
import { addLicensedEmails } from '@/lib/licensing/add-licensed-emails';
import { removeLicensedEmail, removeLicensedEmails, renameLicensedEmail } from '@/lib/licensing/change-licensed-email';
import { bulkSelectionSchema } from '@/lib/lists/bulk';
import { addressOf, buyForAddressesSchema, licensedEmailIdSchema, manualEntriesSchema, renameLicensedEmailSchema } from '@/lib/licensing/schemas';

/**
 * The use cases refuse a bad address with a field error on `emails.<index>`; on the Manual tab
 * that is the row's first field, `entries.<index>.local`.
 */
async function onRows<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (!isAppError(e) || !e.fieldErrors) throw e;
    const fieldErrors = Object.fromEntries(Object.entries(e.fieldErrors).map(([key, messages]) => [key.replace(/^emails\.(\d+)$/, 'entries.$1.local'), messages]));
    throw new AppError(e.code, e.message, fieldErrors);
  }
}

export const addLicensedEmailsAction = adminAction('addLicensedEmailsAction', manualEntriesSchema, async ({ entries }, { actor }) => {
  const result = await onRows(addLicensedEmails({ actor, emails: entries.map(addressOf), source: 'manual' }));
  if (result.status === 'added') revalidatePath('/licensed-emails');
  return result;
});

/** The purchase flow for addresses that do not fit: an order for the licenses, then checkout. */
export const buyLicensesForAddressesAction = adminAction('buyLicensesForAddressesAction', buyForAddressesSchema, async ({ entries, quantity }, { actor }) => {
  const { orderId } = await onRows(createLicenseOrder({ actor, quantity, pendingEmails: entries.map(addressOf) }));
  redirect(`/checkout/${orderId}`);
});

export const renameLicensedEmailAction = adminAction('renameLicensedEmailAction', renameLicensedEmailSchema, async ({ id, local, domain }, { actor }) => {
  await renameLicensedEmail({ actor, id, email: addressOf({ local, domain }) });
  revalidatePath('/licensed-emails');
  return null;
});

export const removeLicensedEmailAction = adminAction('removeLicensedEmailAction', licensedEmailIdSchema, async ({ id }, { actor }) => {
  await removeLicensedEmail({ actor, id });
  revalidatePath('/licensed-emails');
  return null;
});

/** Remove the ticked addresses, or all matching the list's search (up to 10,000). */
export const removeLicensedEmailsAction = adminAction('removeLicensedEmailsAction', bulkSelectionSchema, async (selection, { actor }) => {
  const outcome = await removeLicensedEmails({ actor, selection });
  revalidatePath('/licensed-emails');
  return outcome;
});
