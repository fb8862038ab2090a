'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { useForm } from 'react-hook-form';
import { payInvoiceWithCardAction } from '@/app/(admin)/invoices/actions';
import { withStepUp } from '@/components/auth/step-up';
import { CardNumberInput, CvcInput, ExpiryInput } from '@/components/checkout/card-fields';
import { applyActionError } from '@/components/forms/action-errors';
import { Alert, LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { useHydrated } from '@/components/ui/use-hydrated';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Lock } from '@/components/ui/icons';
import { Input } from '@/components/ui/input';
import { invoiceCardPaymentSchema, type InvoiceCardPaymentInput } from '@/lib/billing/schemas';

/**
 * "Pay now" for an open check invoice through the built-in test gateway (no STRIPE_SECRET_KEY):
 * the invoice already names who it is billed to, so only the card is asked for.
 */
export function InvoiceCardPaymentForm({ invoiceId, totalLabel, name }: { invoiceId: string; totalLabel: string; name: string }) {
  const router = useRouter();
  const form = useForm<InvoiceCardPaymentInput>({
    resolver: zodResolver(invoiceCardPaymentSchema),
    defaultValues: { invoiceId, name, cardNumber: '', expiry: '', cvc: '' },
  });
  const { errors, isSubmitting } = form.formState;
  // Typed before hydration, the fields would be reset to their defaults: Pay now waits for it.
  const hydrated = useHydrated();
  const onSubmit = form.handleSubmit(async (values) => {
    const result = await withStepUp(payInvoiceWithCardAction)(values);
    if (!result.ok) {
      applyActionError(form, result.error);
      return;
    }
    router.push(`/invoices/${invoiceId}?paid=1`);
    router.refresh();
  });
  const field = (key: keyof InvoiceCardPaymentInput, label: string, control: ReactNode, className?: string) => (
    <FormField id={key} label={label} error={errors[key]?.message} className={className}>
      {control}
    </FormField>
  );
  const a11y = (key: keyof InvoiceCardPaymentInput) => fieldA11y(key, { error: errors[key]?.message });
  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-5">
      <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
      <Alert variant="warning" title="Test mode">
        No real card is charged. Use 4242 4242 4242 4242 to pay, or 4000 0000 0000 0002 to see a decline, with any future date and any 3 digits.
      </Alert>
      {field('name', 'Name on card', <Input autoComplete="cc-name" {...a11y('name')} {...form.register('name')} />)}
      {field('cardNumber', 'Card number', <CardNumberInput {...a11y('cardNumber')} {...form.register('cardNumber')} />)}
      <div className="grid grid-cols-2 gap-4">
        {field('expiry', 'Expiry (MM/YY)', <ExpiryInput {...a11y('expiry')} {...form.register('expiry')} />)}
        {field('cvc', 'Security code', <CvcInput {...a11y('cvc')} {...form.register('cvc')} />)}
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
