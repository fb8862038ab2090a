'use server';

import { redirect } from 'next/navigation';
import { z } from 'zod';
import { adminAction } from '@/lib/actions/action';
import { createRenewalOrder } from '@/lib/billing/create-order';

export const startRenewalAction = adminAction('startRenewalAction', z.object({ poNumber: z.string().trim().max(64).default('') }), async ({ poNumber }, { actor }) => {
  const { orderId } = await createRenewalOrder({ actor, poNumber });
  redirect(`/checkout/${orderId}`);
});
