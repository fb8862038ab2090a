import type { ReactNode } from 'react';
import { ArrowDown, ArrowUp, ArrowUpDown } from '@/components/ui/icons';

/**
 * The one sortable column header: a link (so sorting works before any script and can be shared)
 * to the list's URL sorted by this column. The <th> carries aria-sort; this is its content.
 */
export function SortableHeader({ label, href, active }: { label: ReactNode; href: string; active?: 'asc' | 'desc' }) {
  const Icon = !active ? ArrowUpDown : active === 'asc' ? ArrowUp : ArrowDown;
  return (
    <a href={href} className="inline-flex items-center gap-1 rounded hover:text-ink focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600">
      {label}
      <Icon aria-hidden className="size-3.5" />
      <span className="sr-only">{active ? `, sorted ${active === 'asc' ? 'ascending' : 'descending'}` : ', sort'}</span>
    </a>
  );
}

export function ariaSort(active: 'asc' | 'desc' | undefined): 'ascending' | 'descending' | 'none' {
  return active === 'asc' ? 'ascending' : active === 'desc' ? 'descending' : 'none';
}
