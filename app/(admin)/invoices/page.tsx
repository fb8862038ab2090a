import { ReceiptText } from '@/components/ui/icons';
import { createColumnHelper } from '@tanstack/table-core';
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { InvoiceStatusFilter } from '@/components/invoices/invoice-status-filter';
import { OutstandingTotal } from '@/components/invoices/outstanding-total';
import { PdfDownloadLink } from '@/components/invoices/pdf-download-link';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { DataTable, type ServerFeatures } from '@/components/data-table/data-table';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { cardLabel } from '@/lib/billing/card-label';
import { getOutstandingInvoices, listInvoiceSummaries, parseInvoiceStatus } from '@/lib/billing/invoice-list';
import { formatCents, formatDay } from '@/lib/format';

export const metadata: Metadata = { title: 'Invoices · Sealpost' };

const STATUS_BADGE = { open: 'warning', paid: 'success', void: 'neutral' } as const;
const STATUS_WORD = { open: 'open', paid: 'paid', void: 'void' } as const;

type InvoiceRow = Awaited<ReturnType<typeof listInvoiceSummaries>>[number];
const column = createColumnHelper<ServerFeatures, InvoiceRow>();
/** Built once per process (TanStack column definitions), rendered on the server. */
const invoiceColumns = column.columns([
  column.accessor('number', {
    header: 'Number',
    meta: { primary: true, nowrap: true },
    cell: ({ row }) => (
      <Link href={`/invoices/${row.original.id}`} className="text-brand-600 hover:underline">
        {row.original.number}
      </Link>
    ),
  }),
  column.accessor('purpose', { header: 'For', meta: { truncate: true } }),
  column.accessor('issuedOn', { header: 'Date', meta: { nowrap: true }, cell: ({ row }) => formatDay(row.original.issuedOn) }),
  column.accessor('dueOn', { header: 'Due', meta: { nowrap: true }, cell: ({ row }) => formatDay(row.original.dueOn) }),
  column.accessor((row) => row.poNumber || '—', { id: 'poNumber', header: 'PO number', meta: { truncate: true } }),
  column.accessor('paymentMethod', {
    header: 'Payment',
    meta: { nowrap: true },
    cell: ({ row }) => {
      const card = cardLabel(row.original);
      return row.original.paymentMethod === 'card' ? card || 'Card' : card ? `Check, paid by ${card}` : 'Check';
    },
  }),
  column.accessor('status', {
    header: 'Status',
    cell: ({ row }) => <Badge variant={STATUS_BADGE[row.original.status]}>{row.original.status[0].toUpperCase() + row.original.status.slice(1)}</Badge>,
  }),
  column.accessor('totalCents', { header: 'Total', meta: { numeric: true, nowrap: true }, cell: ({ row }) => formatCents(row.original.totalCents) }),
  column.display({
    id: 'documents',
    header: () => <span className="sr-only">Documents</span>,
    meta: { control: true },
    cell: ({ row }) => <PdfDownloadLink invoiceId={row.original.id} number={row.original.number} variant="link" className="text-sm" />,
  }),
]);

export default async function InvoicesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const admin = await requireAdminPage('billing.view');
  const status = parseInvoiceStatus((await searchParams).status);
  const db = getDb();
  const [rows, outstanding] = await Promise.all([listInvoiceSummaries(db, admin.orgId, { status }), getOutstandingInvoices(db, admin.orgId)]);
  return (
    <div className="grid gap-6">
      <PageHeader title="Invoices" description="Every purchase and renewal, with printable invoices and PDFs." />
      <OutstandingTotal outstanding={outstanding} />
      <Card className="overflow-hidden">
        <div className="flex flex-wrap items-center justify-between gap-3 border-b border-line p-4">
          <InvoiceStatusFilter status={status} />
          <p className="text-sm text-muted" aria-live="polite">
            {rows.length === 1 ? '1 invoice' : `${rows.length.toLocaleString('en-US')} invoices`}
            {status ? ` ${STATUS_WORD[status]}` : ''}
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
          <DataTable label="Invoices" columns={invoiceColumns} rows={rows} rowId={(invoice) => invoice.id} />
        )}
      </Card>
    </div>
  );
}
