'use server';

import { revalidatePath } from 'next/cache';
import { adminAction } from '@/lib/actions/action';
import { payInvoiceWithTestCard } from '@/lib/billing/pay-invoice';
import { invoiceCardPaymentSchema } from '@/lib/billing/schemas';

/** "Pay now" on an open check invoice, through the built-in test gateway (Stripe's card form pays it otherwise). */
export const payInvoiceWithCardAction = adminAction('payInvoiceWithCardAction', invoiceCardPaymentSchema, async (input, { actor }) => {
  const result = await payInvoiceWithTestCard({ actor, invoiceId: input.invoiceId, card: { number: input.cardNumber, expiry: input.expiry, cvc: input.cvc } });
  revalidatePath('/invoices');
  return result;
});
