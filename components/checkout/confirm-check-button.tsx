'use client';

import { Printer } from '@/components/ui/icons';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { confirmCheckAction } from '@/app/(admin)/checkout/actions';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { withStepUp } from '@/components/auth/step-up';

/**
 * "Confirm & print": grants the licenses, then opens the printable invoice in a new window. The
 * window is opened during the click (before the server answers) so pop-up blockers allow it.
 */
export function ConfirmCheckButton({ orderId, kind }: { orderId: string; kind: 'licenses' | 'renewal' }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function confirm() {
    setPending(true);
    setError(null);
    const printWindow = window.open('', '_blank');
    const result = await withStepUp(confirmCheckAction)({ orderId });
    if (!result.ok) {
      printWindow?.close();
      setError(result.error.message);
      setPending(false);
      return;
    }
    const printUrl = `/invoices/${result.data.invoiceId}/print?autoprint=1`;
    if (printWindow) printWindow.location.href = printUrl;
    else window.open(printUrl, '_blank');
    router.push(kind === 'renewal' ? `/renewals?invoice=${result.data.invoiceId}` : `/licensed-emails?invoice=${result.data.invoiceId}`);
    // The licenses and the term changed: pages kept by the router (the shell, a visited dashboard) are fetched again.
    router.refresh();
  }
  return (
    <div className="grid gap-2">
      <LiveAlert show={error} variant="danger">{error}</LiveAlert>
      <Button size="lg" onClick={confirm} loading={pending}>
        <Printer aria-hidden /> Confirm &amp; print
      </Button>
    </div>
  );
}
