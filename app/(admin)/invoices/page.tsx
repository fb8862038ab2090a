import { ReceiptText } from '@/components/ui/icons';
import { createColumnHelper } from '@tanstack/table-core';
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { DataTable, type ServerFeatures } from '@/components/data-table/data-table';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { listInvoices } from '@/lib/billing/queries';
import { formatCents, formatDay } from '@/lib/format';

export const metadata: Metadata = { title: 'Invoices · Sealpost' };

const STATUS_BADGE = { open: 'warning', paid: 'success', void: 'neutral' } as const;

type InvoiceRow = Awaited<ReturnType<typeof listInvoices>>[number];
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
  column.accessor('issuedOn', { header: 'Date', meta: { nowrap: true }, cell: ({ row }) => formatDay(row.original.issuedOn) }),
  column.accessor('dueOn', { header: 'Due', meta: { nowrap: true }, cell: ({ row }) => formatDay(row.original.dueOn) }),
  column.accessor((row) => row.poNumber || '—', { id: 'poNumber', header: 'PO number', meta: { truncate: true } }),
  column.accessor('paymentMethod', { header: 'Payment', cell: ({ row }) => (row.original.paymentMethod === 'card' ? 'Card' : 'Check') }),
  column.accessor('status', {
    header: 'Status',
    cell: ({ row }) => <Badge variant={STATUS_BADGE[row.original.status]}>{row.original.status[0].toUpperCase() + row.original.status.slice(1)}</Badge>,
  }),
  column.accessor('totalCents', { header: 'Total', meta: { numeric: true, nowrap: true }, cell: ({ row }) => formatCents(row.original.totalCents) }),
  column.display({
    id: 'documents',
    header: () => <span className="sr-only">Documents</span>,
    meta: { control: true },
    cell: ({ row }) => (
      <a href={`/invoices/${row.original.id}/pdf`} className="text-sm font-medium whitespace-nowrap text-brand-600 hover:underline" aria-label={`PDF of invoice ${row.original.number}`}>
        PDF
      </a>
    ),
  }),
]);

export default async function InvoicesPage() {
  await connection();
  const admin = await requireAdminPage('billing.view');
  const rows = await listInvoices(getDb(), admin.orgId);
  return (
    <div className="grid gap-6">
      <PageHeader title="Invoices" description="Every purchase and renewal, with printable invoices and PDFs." />
      <Card className="overflow-hidden">
        {rows.length === 0 ? (
          <div className="p-6">
            <EmptyState icon={ReceiptText} title="No invoices yet" description="Invoices appear here when you buy licenses or renew." />
          </div>
        ) : (
          <DataTable label="Invoices" columns={invoiceColumns} rows={rows} rowId={(invoice) => invoice.id} />
        )}
      </Card>
    </div>
  );
}
