import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { cache } from 'react';
import { InvoiceDocument } from '@/components/invoices/invoice-document';
import { PrintToolbar } from '@/components/invoices/print-toolbar';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { INVOICE_RENDER_HEADER, verifyInvoiceRenderToken } from '@/lib/billing/invoice-pdf';
import { getInvoice } from '@/lib/billing/queries';

/**
 * The signed-in administrator's invoice, or, for the PDF attached to an email (rendered with no
 * session), the invoice a valid render token names (lib/billing/invoice-pdf.ts).
 */
const loadInvoice = cache(async (id: string) => {
  await connection();
  const orgId = verifyInvoiceRenderToken((await headers()).get(INVOICE_RENDER_HEADER), id) ?? (await requireAdminPage('billing.view')).orgId;
  const invoice = await getInvoice(getDb(), orgId, id);
  if (!invoice) notFound();
  return invoice;
});

/** The title is the PDF's Title too (Chromium prints it into the document's metadata). */
export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const invoice = await loadInvoice((await params).id);
  return { title: `Invoice ${invoice.number} · Sealpost` };
}

export default async function InvoicePrintPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ autoprint?: string }> }) {
  const invoice = await loadInvoice((await params).id);
  const { autoprint } = await searchParams;
  return (
    <main id="main">
      <PrintToolbar invoiceId={invoice.id} autoPrint={autoprint === '1'} />
      <InvoiceDocument invoice={invoice} />
    </main>
  );
}
