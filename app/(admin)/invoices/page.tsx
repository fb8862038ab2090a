import { ReceiptText } from '@/components/ui/icons';
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
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { cardLabel } from '@/lib/billing/card-label';
import { getOutstandingInvoices, listInvoiceSummaries, parseInvoiceStatus } from '@/lib/billing/invoice-list';
import { formatCents, formatDay } from '@/lib/format';

export const metadata: Metadata = { title: 'Invoices · Sealpost' };

const STATUS_BADGE = { open: 'warning', paid: 'success', void: 'neutral' } as const;
const STATUS_WORD = { open: 'open', paid: 'paid', void: 'void' } as const;

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
          <Table aria-label="Invoices">
            <TableHeader>
              <TableRow>
                <TableHead>Number</TableHead>
                <TableHead>For</TableHead>
                <TableHead>Date</TableHead>
                <TableHead>Due</TableHead>
                <TableHead>PO number</TableHead>
                <TableHead>Payment</TableHead>
                <TableHead>Status</TableHead>
                <TableHead className="text-right">Total</TableHead>
                <TableHead>
                  <span className="sr-only">Documents</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map((invoice) => {
                const card = cardLabel(invoice);
                return (
                  <TableRow key={invoice.id}>
                    <TableCell className="font-medium">
                      <Link href={`/invoices/${invoice.id}`} className="text-brand-600 hover:underline">
                        {invoice.number}
                      </Link>
                    </TableCell>
                    <TableCell className="min-w-48">{invoice.purpose}</TableCell>
                    <TableCell className="whitespace-nowrap">{formatDay(invoice.issuedOn)}</TableCell>
                    <TableCell className="whitespace-nowrap">{formatDay(invoice.dueOn)}</TableCell>
                    <TableCell>{invoice.poNumber || '—'}</TableCell>
                    <TableCell className="whitespace-nowrap">{invoice.paymentMethod === 'card' ? card || 'Card' : card ? `Check, paid by ${card}` : 'Check'}</TableCell>
                    <TableCell>
                      <Badge variant={STATUS_BADGE[invoice.status]}>{invoice.status[0].toUpperCase() + invoice.status.slice(1)}</Badge>
                    </TableCell>
                    <TableCell className="text-right tabular-nums">{formatCents(invoice.totalCents)}</TableCell>
                    <TableCell className="whitespace-nowrap text-right">
                      <PdfDownloadLink invoiceId={invoice.id} number={invoice.number} variant="link" className="text-sm" />
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </Card>
    </div>
  );
}
