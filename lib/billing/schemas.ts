import { z } from 'zod';
import { isCountryCode } from '@/lib/countries';
import { uuidSchema } from '@/lib/ids';

export const checkoutSchema = z.object({
  orderId: uuidSchema('Unknown order.'),
  poNumber: z.string().trim().max(64, 'At most 64 characters.'),
  quantity: z.coerce
    .number({ message: 'Enter a number of licenses.' })
    .int('Whole licenses only.')
    .min(1, 'Buy at least 1 license.')
    .max(100_000, 'At most 100,000 licenses in one order. For more, contact us.')
    .optional(),
  method: z.enum(['card', 'check'], { message: 'Choose how you will pay.' }),
});

const line = (label: string, max = 200) => z.string().trim().max(max, `${label} is too long.`);

export const cardPaymentSchema = z.object({
  orderId: uuidSchema('Unknown order.'),
  name: line('The name', 120).min(1, 'Enter the name on the card.'),
  addressLine1: line('The address').min(1, 'Enter the billing address.'),
  addressLine2: line('The address'),
  city: line('The city', 100).min(1, 'Enter the city.'),
  region: line('The state or region', 100),
  postalCode: line('The postal code', 20).min(1, 'Enter the postal code.'),
  country: z
    .string()
    .trim()
    .min(1, 'Choose the country.')
    .refine(isCountryCode, 'Choose the country from the list.'),
  cardNumber: z.string().trim().min(1, 'Enter the card number.').max(23),
  expiry: z.string().trim().min(1, 'Enter the expiry date.').max(7),
  cvc: z.string().trim().min(1, 'Enter the security code.').max(4),
});

/** "Buy licenses" without addresses waiting (the dashboard, Licensed emails): how many, then checkout. */
export const licensePurchaseSchema = z.object({
  quantity: z.coerce
    .number({ message: 'Enter a number of licenses.' })
    .int('Whole licenses only.')
    .min(1, 'Buy at least 1 license.')
    .max(100_000, 'At most 100,000 licenses in one order. For more, contact us.'),
});

/** "Pay now" on an open check invoice, through the built-in test gateway. */
export const invoiceCardPaymentSchema = z.object({
  invoiceId: uuidSchema('Unknown invoice.'),
  name: line('The name', 120).min(1, 'Enter the name on the card.'),
  cardNumber: z.string().trim().min(1, 'Enter the card number.').max(23),
  expiry: z.string().trim().min(1, 'Enter the expiry date.').max(7),
  cvc: z.string().trim().min(1, 'Enter the security code.').max(4),
});

export const orderIdSchema = z.object({ orderId: uuidSchema('Unknown order.') });

export type CheckoutInput = z.infer<typeof checkoutSchema>;
export type CardPaymentInput = z.infer<typeof cardPaymentSchema>;
export type InvoiceCardPaymentInput = z.infer<typeof invoiceCardPaymentSchema>;
