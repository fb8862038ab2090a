'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { getDb } from '@/db/client';
import { adminAction } from '@/lib/actions/action';
import { createLicenseOrder } from '@/lib/billing/create-order';
import { AppError } from '@/lib/errors/app-error';
import { addLicensedEmails } from '@/lib/licensing/add-licensed-emails';
import { removeLicensedEmail, removeLicensedEmails, renameLicensedEmail } from '@/lib/licensing/change-licensed-email';
import { bulkSelectionSchema } from '@/lib/lists/bulk';
import { addressOf, buyForAddressesSchema, licensedEmailIdSchema, manualEntriesSchema, renameLicensedEmailSchema } from '@/lib/licensing/schemas';
import { validateManualAddresses } from '@/lib/licensing/validate-addresses';

function rowErrors(problems: { index: number; message: string }[]) {
  return Object.fromEntries(problems.map((p) => [`entries.${p.index}.local`, [p.message]]));
}

export const addLicensedEmailsAction = adminAction('addLicensedEmailsAction', manualEntriesSchema, async ({ entries }, { actor }) => {
  const { emails, problems } = await validateManualAddresses(getDb(), actor.orgId, entries.map(addressOf));
  if (problems.length > 0) throw new AppError('invalid_input', 'Some addresses cannot be added. Fix the highlighted rows.', rowErrors(problems));
  const result = await addLicensedEmails({ actor, emails, source: 'manual' });
  if (result.status === 'added') revalidatePath('/licensed-emails');
  return result;
});

/** The purchase flow for addresses that do not fit: an order for the licenses, then checkout. */
export const buyLicensesForAddressesAction = adminAction('buyLicensesForAddressesAction', buyForAddressesSchema, async ({ entries, quantity }, { actor }) => {
  const { emails, problems } = await validateManualAddresses(getDb(), actor.orgId, entries.map(addressOf));
  if (problems.length > 0) throw new AppError('invalid_input', 'Some addresses cannot be added. Fix the highlighted rows.', rowErrors(problems));
  const { orderId } = await createLicenseOrder({ actor, quantity, pendingEmails: emails });
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
