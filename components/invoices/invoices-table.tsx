'use client';

import { createColumnHelper } from '@tanstack/react-table';
import Link from 'next/link';
import { selectionColumn, SelectableTableView, SelectionBar, useSelectableTable, type SelectableFeatures } from '@/components/data-table/selectable';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Download } from '@/components/ui/icons';
import type { InvoiceStatus } from '@/lib/billing/invoice-list';
import type { BulkSelection } from '@/lib/lists/bulk-selection';
import { PdfDownloadLink } from './pdf-download-link';

/** An invoice as the list shows it: values formatted on the server. */
export type InvoiceRow = {
  id: string;
  number: string;
  purpose: string;
  issued: string;
  due: string;
  poNumber: string;
  payment: string;
  status: InvoiceStatus;
  total: string;
};

const STATUS_BADGE = { open: 'warning', paid: 'success', void: 'neutral' } as const;
const NOUN = { one: 'invoice', many: 'invoices' };

const helper = createColumnHelper<SelectableFeatures, InvoiceRow>();
/** Built once: TanStack recomputes its models when `columns` changes identity. */
const columns = helper.columns([
  selectionColumn<InvoiceRow>((row) => `invoice ${row.number}`),
  helper.accessor('number', {
    header: 'Number',
    meta: { primary: true, nowrap: true },
    cell: ({ row }) => (
      <Link href={`/invoices/${row.original.id}`} className="text-brand-600 hover:underline">
        {row.original.number}
      </Link>
    ),
  }),
  helper.accessor('purpose', { header: 'For', meta: { truncate: true } }),
  helper.accessor('issued', { header: 'Date', meta: { nowrap: true } }),
  helper.accessor('due', { header: 'Due', meta: { nowrap: true } }),
  helper.accessor('poNumber', { header: 'PO number', meta: { truncate: true } }),
  helper.accessor('payment', { header: 'Payment', meta: { nowrap: true } }),
  helper.accessor('status', {
    header: 'Status',
    cell: ({ row }) => <Badge variant={STATUS_BADGE[row.original.status]}>{row.original.status[0].toUpperCase() + row.original.status.slice(1)}</Badge>,
  }),
  helper.accessor('total', { header: 'Total', meta: { numeric: true, nowrap: true } }),
  helper.display({
    id: 'documents',
    header: () => <span className="sr-only">Documents</span>,
    meta: { control: true },
    cell: ({ row }) => <PdfDownloadLink invoiceId={row.original.id} number={row.original.number} variant="link" className="text-sm" />,
  }),
]);

/** Where "Download PDFs" fetches the zip of `selection` (app/(admin)/invoices/pdfs/route.ts). */
function zipHref(selection: BulkSelection): string {
  if (selection.mode === 'ids') return `/invoices/pdfs?ids=${selection.ids.join(',')}`;
  const status = selection.filters.status;
  return `/invoices/pdfs?matching=1${status ? `&status=${encodeURIComponent(status)}` : ''}`;
}

/**
 * The invoices, with a selection box per row and "Download PDFs": the selected invoices' PDFs as
 * one zip, streamed to the browser's downloads (an ordinary download link, never held in the
 * page's memory).
 */
export function InvoicesTable({ rows, total, status }: { rows: InvoiceRow[]; total: number; status: InvoiceStatus | null }) {
  const { table, selectedIds, clearSelection } = useSelectableTable({ columns, rows, rowId: (row) => row.id, hidden: [], canSelect: true });
  return (
    <>
      <SelectionBar
        selectedIds={selectedIds}
        pageCount={rows.length}
        total={total}
        totalLabel={total.toLocaleString('en-US')}
        matching={{ q: '', filters: status ? { status } : {} }}
        noun={NOUN}
        onClear={clearSelection}
        actions={(selection) => (
          <Button asChild variant="outline" size="sm">
            <a href={zipHref(selection)} download>
              <Download aria-hidden /> Download PDFs
            </a>
          </Button>
        )}
      />
      <SelectableTableView table={table} label="Invoices" />
    </>
  );
}
