import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { InvoiceDocument } from '@/components/invoices/invoice-document';
import { PrintToolbar } from '@/components/invoices/print-toolbar';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { getInvoice } from '@/lib/billing/queries';

export const metadata: Metadata = { title: 'Invoice · Sealpost' };

export default async function InvoicePrintPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ autoprint?: string }> }) {
  await connection();
  const admin = await requireAdminPage('billing.view');
  const { id } = await params;
  const invoice = await getInvoice(getDb(), admin.orgId, id);
  if (!invoice) notFound();
  const { autoprint } = await searchParams;
  return (
    <main id="main">
      <PrintToolbar invoiceId={invoice.id} autoPrint={autoprint === '1'} />
      <InvoiceDocument invoice={invoice} />
    </main>
  );
}
