import { CreditCard, Printer } from '@/components/ui/icons';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { InvoiceDocument } from '@/components/invoices/invoice-document';
import { PdfDownloadLink } from '@/components/invoices/pdf-download-link';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { can } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';
import { cardLabel } from '@/lib/billing/card-label';
import { getInvoice } from '@/lib/billing/queries';
import { formatCents, formatDay } from '@/lib/format';

export const metadata: Metadata = { title: 'Invoice · Sealpost' };

export default async function InvoicePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ paid?: string }> }) {
  await connection();
  const admin = await requireAdminPage('billing.view');
  const { id } = await params;
  const invoice = await getInvoice(getDb(), admin.orgId, id);
  if (!invoice) notFound();
  const justPaid = (await searchParams).paid === '1';
  const payable = invoice.status === 'open' && can(admin.level, 'billing.pay');
  const card = cardLabel(invoice);
  return (
    <div className="grid gap-6">
      <PageHeader
        title={`Invoice ${invoice.number}`}
        description={<Link href="/invoices" className="text-brand-600 hover:underline">All invoices</Link>}
        actions={
          <>
            <Button variant="outline" asChild>
              <a href={`/invoices/${invoice.id}/print`} target="_blank" rel="noopener">
                <Printer aria-hidden /> Print
              </a>
            </Button>
            <PdfDownloadLink invoiceId={invoice.id} number={invoice.number} variant={payable ? 'outline' : 'button'} />
            {payable && (
              <Button asChild>
                <Link href={`/invoices/${invoice.id}/pay`}>
                  <CreditCard aria-hidden /> Pay now
                </Link>
              </Button>
            )}
          </>
        }
      />
      {justPaid && invoice.status === 'paid' && (
        <Alert variant="success" title={`Payment received — invoice ${invoice.number} is paid`}>
          {formatCents(invoice.totalCents)}
          {card ? ` with ${card}` : ''}. A receipt with the invoice PDF is on its way by email.
        </Alert>
      )}
      {justPaid && invoice.status === 'open' && (
        <Alert variant="info" title="Payment processing">
          Your card payment is being confirmed. This page shows the invoice as paid once it is; reload in a moment.
        </Alert>
      )}
      {!justPaid && invoice.status === 'open' && (
        <Alert variant="warning" title={`Open — ${formatCents(invoice.totalCents)} due ${formatDay(invoice.dueOn)}`}>
          Pay by check to the address on the invoice{payable ? ', or by card with Pay now' : ''}.
        </Alert>
      )}
      {/* On a phone a wide table of lines scrolls inside the card instead of being cut off. */}
      <Card className="overflow-x-auto">
        <InvoiceDocument invoice={invoice} />
      </Card>
    </div>
  );
}
