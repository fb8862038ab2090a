'use server';

import { revalidatePath } from 'next/cache';
import { adminAction } from '@/lib/actions/action';
import { billingEmailSchema, setBillingEmail } from '@/lib/organisations/billing-email';

/** The organisation's billing email (level 1): receipts and invoices also go there. */
export const saveBillingEmailAction = adminAction('saveBillingEmailAction', billingEmailSchema, async ({ billingEmail }, { actor }) => {
  const result = await setBillingEmail({ actor, billingEmail });
  revalidatePath('/settings/billing');
  return result;
});
