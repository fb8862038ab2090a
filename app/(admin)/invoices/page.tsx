import { ReceiptText } from '@/components/ui/icons';
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { InvoicesTable } from '@/components/invoices/invoices-table';
import { InvoiceStatusFilter } from '@/components/invoices/invoice-status-filter';
import { OutstandingTotal } from '@/components/invoices/outstanding-total';
import { Card } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { cardLabel } from '@/lib/billing/card-label';
import { countInvoices, getOutstandingInvoices, listInvoiceSummaries, parseInvoiceStatus } from '@/lib/billing/invoice-list';
import { formatCents, formatDay } from '@/lib/format';

export const metadata: Metadata = { title: 'Invoices · Sealpost' };

const STATUS_WORD = { open: 'open', paid: 'paid', void: 'void' } as const;

type InvoiceSummary = Awaited<ReturnType<typeof listInvoiceSummaries>>[number];

function paymentText(invoice: InvoiceSummary): string {
  const card = cardLabel(invoice);
  return invoice.paymentMethod === 'card' ? card || 'Card' : card ? `Check, paid by ${card}` : 'Check';
}

export default async function InvoicesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const admin = await requireAdminPage('billing.view');
  const status = parseInvoiceStatus((await searchParams).status);
  const db = getDb();
  const [rows, total, outstanding] = await Promise.all([
    listInvoiceSummaries(db, admin.orgId, { status }),
    countInvoices(db, admin.orgId, status),
    getOutstandingInvoices(db, admin.orgId),
  ]);
  return (
    <div className="grid gap-6">
      <PageHeader title="Invoices" description="Every purchase and renewal, with printable invoices and PDFs." />
      <OutstandingTotal outstanding={outstanding} />
      <Card className="overflow-hidden">
        <div className="flex flex-wrap items-center justify-between gap-3 border-b border-line p-4">
          <InvoiceStatusFilter status={status} />
          <p className="text-sm text-muted" aria-live="polite">
            {total === 1 ? '1 invoice' : `${total.toLocaleString('en-US')} invoices`}
            {status ? ` ${STATUS_WORD[status]}` : ''}
            {total > rows.length ? `, the newest ${rows.length.toLocaleString('en-US')} shown` : ''}
          </p>
        </div>
        {rows.length === 0 ? (
          <div className="p-6">
            {status ? (
              <EmptyState icon={ReceiptText} title={`No ${STATUS_WORD[status]} invoices`} description={<Link href="/invoices">Show all invoices</Link>} />
            ) : (
              <EmptyState icon={ReceiptText} title="No invoices yet" description="Invoices appear here when you buy licenses or renew." />
            )}
          </div>
        ) : (
          <InvoicesTable
            status={status}
            total={total}
            rows={rows.map((invoice) => ({
              id: invoice.id,
              number: invoice.number,
              purpose: invoice.purpose,
              issued: formatDay(invoice.issuedOn),
              due: formatDay(invoice.dueOn),
              poNumber: invoice.poNumber || '—',
              payment: paymentText(invoice),
              status: invoice.status,
              total: formatCents(invoice.totalCents),
            }))}
          />
        )}
      </Card>
    </div>
  );
}
