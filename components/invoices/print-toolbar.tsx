'use client';

import { Download, Printer } from '@/components/ui/icons';
import { useEffect } from 'react';
import { Button } from '@/components/ui/button';

/** Print and PDF buttons above the printable invoice; hidden on paper. */
export function PrintToolbar({ invoiceId, autoPrint }: { invoiceId: string; autoPrint: boolean }) {
  useEffect(() => {
    if (autoPrint) window.print();
  }, [autoPrint]);
  return (
    <div className="mx-auto flex max-w-3xl justify-end gap-2 px-10 pt-6 print:hidden">
      <Button variant="outline" asChild>
        <a href={`/invoices/${invoiceId}/pdf`} download>
          <Download aria-hidden /> Download PDF
        </a>
      </Button>
      <Button onClick={() => window.print()}>
        <Printer aria-hidden /> Print
      </Button>
    </div>
  );
}
