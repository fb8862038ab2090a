'use client';

import { Printer } from '@/components/ui/icons';
import { Button } from '@/components/ui/button';

export function PrintButton() {
  return (
    <div className="flex justify-end print:hidden">
      <Button onClick={() => window.print()}>
        <Printer aria-hidden /> Print
      </Button>
    </div>
  );
}
