import { Download, Printer } from '@/components/ui/icons';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { InvoiceDocument } from '@/components/invoices/invoice-document';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { getInvoice } from '@/lib/billing/queries';

export const metadata: Metadata = { title: 'Invoice · Sealpost' };

export default async function InvoicePage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  const admin = await requireAdminPage('billing.view');
  const { id } = await params;
  const invoice = await getInvoice(getDb(), admin.orgId, id);
  if (!invoice) notFound();
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
            <Button asChild>
              <a href={`/invoices/${invoice.id}/pdf`} download>
                <Download aria-hidden /> Download PDF
              </a>
            </Button>
          </>
        }
      />
      {/* On a phone a wide table of lines scrolls inside the card instead of being cut off. */}
      <Card className="overflow-x-auto">
        <InvoiceDocument invoice={invoice} />
      </Card>
    </div>
  );
}
