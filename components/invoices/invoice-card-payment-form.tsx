'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useForm } from 'react-hook-form';
import { payInvoiceWithCardAction } from '@/app/(admin)/invoices/actions';
import { withStepUp } from '@/components/auth/step-up';
import { CardDetails, PayNow } from '@/components/checkout/card-payment-parts';
import { applyActionError } from '@/components/forms/action-errors';
import { LiveAlert } from '@/components/ui/alert';
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
  const onSubmit = form.handleSubmit(async (values) => {
    const result = await withStepUp(payInvoiceWithCardAction)(values);
    if (!result.ok) {
      applyActionError(form, result.error);
      return;
    }
    router.push(`/invoices/${invoiceId}?paid=1`);
    router.refresh();
  });
  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-5">
      <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
      <CardDetails form={form} />
      <PayNow totalLabel={totalLabel} loading={isSubmitting} />
    </form>
  );
}
