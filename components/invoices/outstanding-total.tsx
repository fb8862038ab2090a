import Link from 'next/link';
import type { OutstandingInvoices } from '@/lib/billing/invoice-list';
import { formatCents, plural } from '@/lib/format';

/** "Outstanding: $1,234.00 on 2 open invoices (1 overdue)", above the invoices list. */
export function OutstandingTotal({ outstanding }: { outstanding: OutstandingInvoices }) {
  return (
    <section aria-labelledby="outstanding-heading" className="flex flex-wrap items-baseline justify-between gap-x-6 gap-y-1 rounded-card border border-line bg-surface p-4 shadow-xs">
      <div>
        <h2 id="outstanding-heading" className="text-sm font-medium text-muted">
          Outstanding
        </h2>
        <p className="text-2xl font-semibold tabular-nums">{formatCents(outstanding.totalCents)}</p>
      </div>
      <p className="text-sm text-muted">
        {outstanding.count === 0 ? (
          'Nothing to pay: every invoice is settled.'
        ) : (
          <>
            <Link href="/invoices?status=open" className="font-medium text-brand-600 hover:underline">
              {plural(outstanding.count, 'open invoice')}
            </Link>
            {outstanding.overdueCount > 0 ? (
              <span className="font-medium text-danger-600">
                {' '}
                · {plural(outstanding.overdueCount, 'overdue invoice')}, {formatCents(outstanding.overdueCents)}
              </span>
            ) : (
              ' · none overdue'
            )}
          </>
        )}
      </p>
    </section>
  );
}
