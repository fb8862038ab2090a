import { ReceiptText } from '@/components/ui/icons';
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { listInvoices } from '@/lib/billing/queries';
import { formatCents, formatDay } from '@/lib/format';

export const metadata: Metadata = { title: 'Invoices · Sealpost' };

const STATUS_BADGE = { open: 'warning', paid: 'success', void: 'neutral' } as const;

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
          <Table aria-label="Invoices">
            <TableHeader>
              <TableRow>
                <TableHead>Number</TableHead>
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
              {rows.map((invoice) => (
                <TableRow key={invoice.id}>
                  <TableCell className="font-medium">
                    <Link href={`/invoices/${invoice.id}`} className="text-brand-600 hover:underline">
                      {invoice.number}
                    </Link>
                  </TableCell>
                  <TableCell className="whitespace-nowrap">{formatDay(invoice.issuedOn)}</TableCell>
                  <TableCell className="whitespace-nowrap">{formatDay(invoice.dueOn)}</TableCell>
                  <TableCell>{invoice.poNumber || '—'}</TableCell>
                  <TableCell>{invoice.paymentMethod === 'card' ? 'Card' : 'Check'}</TableCell>
                  <TableCell>
                    <Badge variant={STATUS_BADGE[invoice.status]}>{invoice.status[0].toUpperCase() + invoice.status.slice(1)}</Badge>
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{formatCents(invoice.totalCents)}</TableCell>
                  <TableCell className="whitespace-nowrap text-right">
                    <a href={`/invoices/${invoice.id}/pdf`} className="text-sm font-medium text-brand-600 hover:underline" aria-label={`PDF of invoice ${invoice.number}`}>
                      PDF
                    </a>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
    </div>
  );
}
