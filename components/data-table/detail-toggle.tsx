'use client';

import { useState } from 'react';
import { cn } from '@/components/ui/cn';
import { ChevronRight } from '@/components/ui/icons';

/**
 * A row's caret that shows or hides its detail row (table-view.tsx `detail`, rendered on the
 * server with the rest of the table): the only part of such a table hydrated in the browser.
 * It shows the row `controls` names and marks its own row as open.
 */
export function DetailToggle({ controls, label, initiallyOpen }: { controls: string; label: string; initiallyOpen: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  return (
    <button
      type="button"
      aria-expanded={open}
      aria-controls={controls}
      aria-label={label}
      onClick={(event) => {
        const next = !open;
        setOpen(next);
        const detail = document.getElementById(controls);
        if (detail) detail.hidden = !next;
        const row = event.currentTarget.closest('tr');
        if (row) {
          if (next) row.dataset.state = 'selected';
          else delete row.dataset.state;
        }
      }}
      className="inline-flex size-8 items-center justify-center rounded-md text-muted hover:bg-canvas hover:text-ink focus-visible:outline-2 focus-visible:outline-brand-600"
    >
      <ChevronRight aria-hidden className={cn('size-4 transition-transform', open && 'rotate-90')} />
    </button>
  );
}
