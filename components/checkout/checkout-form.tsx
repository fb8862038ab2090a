'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { CreditCard, Mail } from '@/components/ui/icons';
import type { ChangeEvent } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { checkoutAction } from '@/app/(admin)/checkout/actions';
import { applyActionError } from '@/components/forms/action-errors';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { checkoutSchema, type CheckoutInput } from '@/lib/billing/schemas';

export function CheckoutForm({
  orderId,
  kind,
  quantity,
  minimumQuantity,
  poNumber,
  onQuantityChange,
  cardsOffReason,
}: {
  orderId: string;
  kind: 'licenses' | 'renewal';
  quantity: number;
  /** Undefined when pending addresses set the minimum (the server enforces it). */
  minimumQuantity?: number;
  poNumber: string;
  /** Told every change of the Licenses field, as a number (NaN while it is not one). */
  onQuantityChange?: (quantity: number) => void;
  /** Set when this server takes no cards (lib/billing/card-payments.ts): the card choice is shown disabled with it. */
  cardsOffReason?: string;
}) {
  const form = useForm<z.input<typeof checkoutSchema>, unknown, CheckoutInput>({
    resolver: zodResolver(checkoutSchema),
    defaultValues: { orderId, poNumber, quantity: kind === 'licenses' ? quantity : undefined, method: cardsOffReason ? 'check' : 'card' },
  });
  const { errors, isSubmitting } = form.formState;
  const onSubmit = form.handleSubmit(async (values) => {
    const result = await checkoutAction(values);
    if (result && !result.ok) applyActionError(form, result.error);
  });
  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
      {kind === 'licenses' && (
        <FormField
          id="quantity"
          label="Licenses"
          hint={minimumQuantity ? undefined : `At least ${quantity} for the addresses waiting; you may buy more. A new quantity is re-priced.`}
          error={errors.quantity?.message}
        >
          <Input
            type="number"
            inputMode="numeric"
            min={minimumQuantity ?? quantity}
            {...fieldA11y('quantity', { hint: minimumQuantity ? undefined : 'hint', error: errors.quantity?.message })}
            {...form.register('quantity', { onChange: (e: ChangeEvent<HTMLInputElement>) => onQuantityChange?.(e.target.value.trim() === '' ? Number.NaN : Number(e.target.value)) })}
          />
        </FormField>
      )}
      <FormField id="poNumber" label="Purchase order number (optional)" error={errors.poNumber?.message}>
        <Input autoComplete="off" {...fieldA11y('poNumber', { error: errors.poNumber?.message })} {...form.register('poNumber')} />
      </FormField>
      <fieldset className="grid gap-2">
        <legend className="mb-1 text-sm font-medium">Pay by</legend>
        <label
          className={`flex items-center gap-3 rounded-card border border-line p-3 has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50 ${cardsOffReason ? 'cursor-not-allowed opacity-70' : 'cursor-pointer'}`}
        >
          <input type="radio" value="card" className="accent-brand-600" disabled={Boolean(cardsOffReason)} {...form.register('method')} />
          <CreditCard aria-hidden className="size-4 text-muted" />
          <span>
            <span className="block text-sm font-medium">Credit card</span>
            <span className="block text-xs text-muted">
              {cardsOffReason ?? (kind === 'renewal' ? 'The term is extended as soon as the payment succeeds.' : 'Licenses are granted as soon as the payment succeeds.')}
            </span>
          </span>
        </label>
        <label className="flex cursor-pointer items-center gap-3 rounded-card border border-line p-3 has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50">
          <input type="radio" value="check" className="accent-brand-600" {...form.register('method')} />
          <Mail aria-hidden className="size-4 text-muted" />
          <span>
            <span className="block text-sm font-medium">Check (mail payment)</span>
            <span className="block text-xs text-muted">
              {kind === 'renewal' ? 'The term is extended at once; the invoice is due in 30 days.' : 'Licenses are granted at once; the invoice is due in 30 days.'}
            </span>
          </span>
        </label>
      </fieldset>
      <Button type="submit" size="lg" loading={isSubmitting}>
        Continue
      </Button>
    </form>
  );
}
