'use client';

import { useState } from 'react';
import { startRenewalAction } from '@/app/(admin)/renewals/actions';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';

export function StartRenewalButton() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="grid gap-2">
      <LiveAlert show={error} variant="danger">{error}</LiveAlert>
      <Button
        size="lg"
        loading={pending}
        onClick={async () => {
          setPending(true);
          setError(null);
          const result = await startRenewalAction({ poNumber: '' });
          // Success redirects to checkout.
          if (result && !result.ok) setError(result.error.message);
          setPending(false);
        }}
      >
        Renew now
      </Button>
    </div>
  );
}
