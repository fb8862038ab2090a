import Link from 'next/link';
import { cn } from '@/components/ui/cn';
import type { InvoiceStatus } from '@/lib/billing/invoice-list';

const OPTIONS: { value: InvoiceStatus | null; label: string }[] = [
  { value: null, label: 'All' },
  { value: 'open', label: 'Open' },
  { value: 'paid', label: 'Paid' },
  { value: 'void', label: 'Void' },
];

/** The invoices list's status filter: links (so it works without JavaScript and can be bookmarked), the current one marked. */
export function InvoiceStatusFilter({ status }: { status: InvoiceStatus | null }) {
  return (
    <nav aria-label="Filter invoices by status">
      <ul className="flex flex-wrap gap-1 rounded-lg bg-canvas p-1 ring-1 ring-line">
        {OPTIONS.map((option) => {
          const current = option.value === status;
          return (
            <li key={option.label}>
              <Link
                href={option.value ? `/invoices?status=${option.value}` : '/invoices'}
                aria-current={current ? 'page' : undefined}
                className={cn(
                  'inline-flex h-8 items-center rounded-md px-3 text-sm font-medium text-muted hover:text-ink focus-visible:outline-2 focus-visible:outline-brand-600',
                  current && 'bg-white text-ink shadow-sm ring-1 ring-line',
                )}
              >
                {option.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
