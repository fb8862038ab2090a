'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useForm } from 'react-hook-form';
import { payWithCardAction } from '@/app/(admin)/checkout/actions';
import { applyActionError } from '@/components/forms/action-errors';
import { LiveAlert } from '@/components/ui/alert';
import { Input } from '@/components/ui/input';
import { cardPaymentSchema, type CardPaymentInput } from '@/lib/billing/schemas';
import { CountrySelect } from './card-fields';
import { CardDetails, formFields, PayNow } from './card-payment-parts';
import { withStepUp } from '@/components/auth/step-up';

type Address = Pick<CardPaymentInput, 'name' | 'addressLine1' | 'addressLine2' | 'city' | 'region' | 'postalCode' | 'country'>;

/**
 * The built-in test gateway's card form (no STRIPE_SECRET_KEY): clearly labelled, it accepts
 * Stripe's test card numbers only, so no real card can be charged.
 */
export function CardPaymentForm({ orderId, kind, totalLabel, defaults }: { orderId: string; kind: 'licenses' | 'renewal'; totalLabel: string; defaults: Address }) {
  const router = useRouter();
  const form = useForm<CardPaymentInput>({
    resolver: zodResolver(cardPaymentSchema),
    defaultValues: { orderId, ...defaults, cardNumber: '', expiry: '', cvc: '' },
  });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    const result = await withStepUp(payWithCardAction)(values);
    if (!result.ok) {
      applyActionError(form, result.error);
      return;
    }
    router.push(kind === 'renewal' ? `/renewals?invoice=${result.data.invoiceId}` : `/licensed-emails?invoice=${result.data.invoiceId}`);
    // The licenses and the term changed: pages kept by the router (the shell, a visited dashboard) are fetched again.
    router.refresh();
  });

  const { field, a11y } = formFields(form);

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-5">
      <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
      <div className="grid gap-4 sm:grid-cols-2">
        {field('addressLine1', 'Address line 1', <Input autoComplete="address-line1" {...a11y('addressLine1')} {...form.register('addressLine1')} />)}
        {field('addressLine2', 'Address line 2', <Input autoComplete="address-line2" {...a11y('addressLine2')} {...form.register('addressLine2')} />)}
        {field('city', 'City', <Input autoComplete="address-level2" {...a11y('city')} {...form.register('city')} />)}
        {field('region', 'State or region', <Input autoComplete="address-level1" {...a11y('region')} {...form.register('region')} />)}
        {field('postalCode', 'Postal code', <Input autoComplete="postal-code" {...a11y('postalCode')} {...form.register('postalCode')} />)}
        {field('country', 'Country', <CountrySelect {...a11y('country')} {...form.register('country')} />)}
      </div>
      <CardDetails form={form} className="rounded-card border border-line p-4" />
      <PayNow totalLabel={totalLabel} loading={isSubmitting} />
    </form>
  );
}
