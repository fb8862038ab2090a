'use client';

import type { ReactNode } from 'react';
import type { FieldErrors, FieldValues, Path, UseFormReturn } from 'react-hook-form';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Lock } from '@/components/ui/icons';
import { Input } from '@/components/ui/input';
import { useHydrated } from '@/components/ui/use-hydrated';
import { cn } from '@/components/ui/cn';
import { CardNumberInput, CvcInput, ExpiryInput } from './card-fields';

/**
 * The parts the two card forms share (the checkout's, components/checkout/card-payment-form.tsx,
 * and Pay now's for an open invoice, components/invoices/invoice-card-payment-form.tsx): labelled
 * fields with their errors, the card itself, and the total with Pay now.
 */
export function formFields<T extends FieldValues>(form: UseFormReturn<T>) {
  const errors: FieldErrors = form.formState.errors;
  const message = (name: Path<T>) => errors[name]?.message as string | undefined;
  return {
    field: (name: Path<T>, label: string, control: ReactNode, className?: string) => (
      <FormField id={name} label={label} error={message(name)} className={className}>
        {control}
      </FormField>
    ),
    a11y: (name: Path<T>) => fieldA11y(name, { error: message(name) }),
  };
}

type CardValues = { name: string; cardNumber: string; expiry: string; cvc: string };

/** The test gateway's notice, the name on the card, its number, expiry and security code. */
export function CardDetails<T extends CardValues>({ form, className }: { form: UseFormReturn<T>; className?: string }) {
  const { field, a11y } = formFields(form);
  const name = (key: keyof CardValues) => key as Path<T>;
  return (
    <div className={cn('grid gap-4', className)}>
      <Alert variant="warning" title="Test mode">
        No real card is charged. Use 4242 4242 4242 4242 to pay, or 4000 0000 0000 0002 to see a decline, with any future date and any 3 digits.
      </Alert>
      {field(name('name'), 'Name on card', <Input autoComplete="cc-name" {...a11y(name('name'))} {...form.register(name('name'))} />)}
      {field(name('cardNumber'), 'Card number', <CardNumberInput {...a11y(name('cardNumber'))} {...form.register(name('cardNumber'))} />)}
      <div className="grid grid-cols-2 gap-4">
        {field(name('expiry'), 'Expiry (MM/YY)', <ExpiryInput {...a11y(name('expiry'))} {...form.register(name('expiry'))} />)}
        {field(name('cvc'), 'Security code', <CvcInput {...a11y(name('cvc'))} {...form.register(name('cvc'))} />)}
      </div>
    </div>
  );
}

/** The total and Pay now, enabled once the form has hydrated: fields typed before it would be reset to their defaults. */
export function PayNow({ totalLabel, loading }: { totalLabel: string; loading: boolean }) {
  const hydrated = useHydrated();
  return (
    <div className="flex flex-col gap-3 border-t border-line pt-4 sm:flex-row sm:items-center sm:justify-between">
      <p className="text-lg font-semibold">
        Total <span className="tabular-nums">{totalLabel}</span>
      </p>
      <Button type="submit" size="lg" loading={loading} disabled={!hydrated}>
        <Lock aria-hidden /> Pay now
      </Button>
    </div>
  );
}
