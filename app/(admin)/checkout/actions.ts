'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { adminAction } from '@/lib/actions/action';
import { confirmCheckOrder, payOrderWithTestCard } from '@/lib/billing/complete-order';
import { cardPaymentSchema, checkoutSchema, orderIdSchema } from '@/lib/billing/schemas';
import { prepareCheckout } from '@/lib/billing/update-order';

export const checkoutAction = adminAction('checkoutAction', checkoutSchema, async ({ orderId, poNumber, quantity, method }, { actor }) => {
  const next = await prepareCheckout({ actor, orderId, poNumber, quantity });
  redirect(`/checkout/${next.orderId}/${method}`);
});

export const payWithCardAction = adminAction('payWithCardAction', cardPaymentSchema, async (input, { actor }) => {
  const result = await payOrderWithTestCard({
    actor,
    orderId: input.orderId,
    card: { number: input.cardNumber, expiry: input.expiry, cvc: input.cvc, name: input.name },
    billToLines: [input.addressLine1, input.addressLine2, [input.city, input.region, input.postalCode].filter(Boolean).join(', '), input.country].filter(Boolean),
  });
  revalidatePath('/', 'layout');
  return result;
});

export const confirmCheckAction = adminAction('confirmCheckAction', orderIdSchema, async ({ orderId }, { actor }) => {
  const result = await confirmCheckOrder({ actor, orderId });
  revalidatePath('/', 'layout');
  return result;
});
