'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { Lock } from '@/components/ui/icons';
import { useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { useForm } from 'react-hook-form';
import { payWithCardAction } from '@/app/(admin)/checkout/actions';
import { applyActionError } from '@/components/forms/action-errors';
import { Alert, LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { useHydrated } from '@/components/ui/use-hydrated';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { cardPaymentSchema, type CardPaymentInput } from '@/lib/billing/schemas';
import { CardNumberInput, CountrySelect, CvcInput, ExpiryInput } from './card-fields';
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
  // Typed before hydration, the fields would be reset to their defaults: Pay now waits for it.
  const hydrated = useHydrated();

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

  const field = (name: keyof CardPaymentInput, label: string, control: ReactNode, className?: string) => (
    <FormField id={name} label={label} error={errors[name]?.message} className={className}>
      {control}
    </FormField>
  );
  const a11y = (name: keyof CardPaymentInput) => fieldA11y(name, { error: errors[name]?.message });

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-5">
      <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
      <div className="grid gap-4 sm:grid-cols-2">
        {field('name', 'Name on card', <Input autoComplete="cc-name" {...a11y('name')} {...form.register('name')} />, 'sm:col-span-2')}
        {field('addressLine1', 'Address line 1', <Input autoComplete="address-line1" {...a11y('addressLine1')} {...form.register('addressLine1')} />)}
        {field('addressLine2', 'Address line 2', <Input autoComplete="address-line2" {...a11y('addressLine2')} {...form.register('addressLine2')} />)}
        {field('city', 'City', <Input autoComplete="address-level2" {...a11y('city')} {...form.register('city')} />)}
        {field('region', 'State or region', <Input autoComplete="address-level1" {...a11y('region')} {...form.register('region')} />)}
        {field('postalCode', 'Postal code', <Input autoComplete="postal-code" {...a11y('postalCode')} {...form.register('postalCode')} />)}
        {field('country', 'Country', <CountrySelect {...a11y('country')} {...form.register('country')} />)}
      </div>
      <div className="grid gap-4 rounded-card border border-line p-4">
        <Alert variant="warning" title="Test mode">
          No real card is charged. Use 4242 4242 4242 4242 to pay, or 4000 0000 0000 0002 to see a decline, with any future date and any 3 digits.
        </Alert>
        {field(
          'cardNumber',
          'Card number',
          <CardNumberInput {...a11y('cardNumber')} {...form.register('cardNumber')} />,
        )}
        <div className="grid grid-cols-2 gap-4">
          {field('expiry', 'Expiry (MM/YY)', <ExpiryInput {...a11y('expiry')} {...form.register('expiry')} />)}
          {field('cvc', 'Security code', <CvcInput {...a11y('cvc')} {...form.register('cvc')} />)}
        </div>
      </div>
      <div className="flex flex-col gap-3 border-t border-line pt-4 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-lg font-semibold">
          Total <span className="tabular-nums">{totalLabel}</span>
        </p>
        <Button type="submit" size="lg" loading={isSubmitting} disabled={!hydrated}>
          <Lock aria-hidden /> Pay now
        </Button>
      </div>
    </form>
  );
}
