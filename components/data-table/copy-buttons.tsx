'use client';

import { useEffect } from 'react';
import { toast } from '@/components/ui/toast';

/**
 * Makes every copy button of the page work (`button[data-copy]`, drawn by table-view.tsx): one
 * delegated listener per page instead of a client component per cell. Renders nothing.
 */
export function CopyButtons() {
  useEffect(() => {
    const onClick = (event: MouseEvent) => {
      const button = (event.target as Element | null)?.closest?.('button[data-copy]');
      if (!(button instanceof HTMLButtonElement)) return;
      const text = button.dataset.copy ?? '';
      navigator.clipboard.writeText(text).then(
        () => toast({ title: 'Copied', description: text, variant: 'success' }),
        () => toast({ title: 'Could not copy', description: 'This browser did not allow it: select the text and copy it instead.', variant: 'error' }),
      );
    };
    document.addEventListener('click', onClick);
    return () => document.removeEventListener('click', onClick);
  }, []);
  return null;
}
