'use client';

import { useState } from 'react';
import { startLicensePurchaseAction } from '@/app/(admin)/checkout/actions';
import { Button, type ButtonProps } from '@/components/ui/button';
import { CreditCard } from '@/components/ui/icons';

/**
 * "Buy licenses" with no addresses waiting (the dashboard, Licensed emails): an order for one
 * license, then the checkout, where the number is changed and re-priced as it is typed.
 */
export function BuyLicensesButton({ variant = 'primary', size = 'md', className }: Pick<ButtonProps, 'variant' | 'size' | 'className'>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="inline-flex flex-col gap-1">
      <Button
        type="button"
        variant={variant}
        size={size}
        className={className}
        loading={pending}
        onClick={async () => {
          setPending(true);
          setError(null);
          // Success redirects to the checkout.
          const result = await startLicensePurchaseAction({ quantity: 1 });
          if (result && !result.ok) setError(result.error.message);
          setPending(false);
        }}
      >
        <CreditCard aria-hidden /> Buy licenses
      </Button>
      {error && (
        <span role="alert" className="max-w-xs text-sm text-danger-600">
          {error}
        </span>
      )}
    </span>
  );
}
