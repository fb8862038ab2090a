'use server';

import { redirect } from 'next/navigation';
import { adminAction } from '@/lib/actions/action';
import { confirmCheckOrder, payOrderWithTestCard } from '@/lib/billing/complete-order';
import { createLicenseOrder } from '@/lib/billing/create-order';
import { cardPaymentSchema, checkoutSchema, licensePurchaseSchema, orderIdSchema } from '@/lib/billing/schemas';
import { countryName } from '@/lib/countries';
import { prepareCheckout } from '@/lib/billing/update-order';

export const checkoutAction = adminAction('checkoutAction', checkoutSchema, async ({ orderId, poNumber, quantity, method }, { actor }) => {
  const next = await prepareCheckout({ actor, orderId, poNumber, quantity });
  redirect(`/checkout/${next.orderId}/${method}`);
});

/*
 * The two payment actions do not call revalidatePath: it would render the checkout page they were
 * called from again, and a paid order's checkout page redirects to its invoice, racing the client's
 * own move to the licensed addresses (or renewals). The client moves on and refreshes instead.
 */
export const payWithCardAction = adminAction('payWithCardAction', cardPaymentSchema, async (input, { actor }) => {
  const result = await payOrderWithTestCard({
    actor,
    orderId: input.orderId,
    card: { number: input.cardNumber, expiry: input.expiry, cvc: input.cvc, name: input.name },
    billToLines: [input.addressLine1, input.addressLine2, [input.city, input.region, input.postalCode].filter(Boolean).join(', '), countryName(input.country)].filter(Boolean),
  });
  return result;
});

export const confirmCheckAction = adminAction('confirmCheckAction', orderIdSchema, async ({ orderId }, { actor }) => {
  const result = await confirmCheckOrder({ actor, orderId });
  return result;
});

/** "Buy licenses" with no addresses waiting (dashboard, Licensed emails): an order priced on the server, then its checkout. */
export const startLicensePurchaseAction = adminAction('startLicensePurchaseAction', licensePurchaseSchema, async ({ quantity }, { actor }) => {
  const { orderId } = await createLicenseOrder({ actor, quantity });
  redirect(`/checkout/${orderId}`);
});
