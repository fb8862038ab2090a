'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { saveBillingEmailAction } from '@/app/(admin)/settings/billing/actions';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { toast } from '@/components/ui/toast';

/** Level 1: the organisation's billing email (empty: receipts and invoices go to the payer only). */
export function BillingEmailForm({ billingEmail }: { billingEmail: string }) {
  const router = useRouter();
  const [value, setValue] = useState(billingEmail);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <form
      className="grid max-w-xl gap-4"
      noValidate
      onSubmit={async (event) => {
        event.preventDefault();
        setPending(true);
        setError(null);
        const result = await saveBillingEmailAction({ billingEmail: value });
        setPending(false);
        if (!result.ok) return setError(result.error.fieldErrors?.billingEmail?.[0] ?? result.error.message);
        setValue(result.data.billingEmail);
        toast({ title: result.data.billingEmail ? `Receipts and invoices will also go to ${result.data.billingEmail}` : 'Billing email removed', variant: 'success' });
        router.refresh();
      }}
    >
      <div className="grid gap-1.5">
        <Label htmlFor="billing-email">Billing email (optional)</Label>
        <Input
          id="billing-email"
          type="email"
          autoComplete="email"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder="accounts@example.com"
          aria-describedby={error ? 'billing-email-help billing-email-error' : 'billing-email-help'}
          aria-invalid={error ? true : undefined}
        />
        <p id="billing-email-help" className="text-sm text-muted">
          Leave it empty to send them only to the administrator who paid.
        </p>
        {error && (
          <p id="billing-email-error" role="alert" className="text-sm text-danger-600">
            {error}
          </p>
        )}
      </div>
      <div>
        <Button type="submit" loading={pending}>
          Save billing email
        </Button>
      </div>
    </form>
  );
}
