import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound, redirect } from 'next/navigation';
import { connection } from 'next/server';
import { StripeCardForm } from '@/components/checkout/stripe-card-form';
import { InvoiceCardPaymentForm } from '@/components/invoices/invoice-card-payment-form';
import { Alert } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { CARD_PAYMENTS_OFF, cardPayments } from '@/lib/billing/card-payments';
import { getInvoice } from '@/lib/billing/queries';
import { prepareInvoicePaymentIntent } from '@/lib/billing/stripe-payments';
import { env } from '@/lib/env';
import { isAppError } from '@/lib/errors/app-error';
import { formatCents, formatDay } from '@/lib/format';

export const metadata: Metadata = { title: 'Pay invoice · Sealpost' };

/** "Pay now" for an open check invoice: Stripe's card form when Stripe is set up, the test gateway's in demo mode. */
export default async function PayInvoicePage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  const admin = await requireAdminPage('billing.pay');
  const { id } = await params;
  const invoice = await getInvoice(getDb(), admin.orgId, id);
  if (!invoice) notFound();
  if (invoice.status !== 'open') redirect(`/invoices/${invoice.id}`);
  const cards = cardPayments();
  const stripe = cards.mode === 'stripe' ? cards.stripe : null;
  let stripePayment: { clientSecret: string } | { error: string } | null = null;
  if (stripe) {
    try {
      stripePayment = await prepareInvoicePaymentIntent({ actor: admin, invoiceId: invoice.id });
    } catch (e) {
      if (!isAppError(e)) throw e;
      stripePayment = { error: e.message };
    }
  }
  const total = formatCents(invoice.totalCents);
  return (
    <div className="grid gap-6">
      <PageHeader
        title={`Pay invoice ${invoice.number}`}
        description={
          <>
            {total}, due {formatDay(invoice.dueOn)} ·{' '}
            <Link href={`/invoices/${invoice.id}`} className="text-brand-600 underline underline-offset-2">
              Back to the invoice
            </Link>
          </>
        }
      />
      <Card className="max-w-2xl">
        <CardHeader>
          <CardTitle>Pay by card</CardTitle>
          <CardDescription>The invoice is marked paid at once, and a receipt with its PDF is emailed to you and to your organisation&apos;s billing email, if it has one.</CardDescription>
        </CardHeader>
        <CardContent>
          {stripe && stripePayment && 'error' in stripePayment && <Alert variant="danger">{stripePayment.error}</Alert>}
          {stripe && stripePayment && 'clientSecret' in stripePayment && (
            <StripeCardForm publishableKey={stripe.publishableKey} clientSecret={stripePayment.clientSecret} returnUrl={`${env().APP_URL}/invoices/${invoice.id}?paid=1`} totalLabel={total} />
          )}
          {cards.mode === 'off' && (
            <Alert variant="warning" title="Card payments are not available">
              {CARD_PAYMENTS_OFF}
            </Alert>
          )}
          {cards.mode === 'test_gateway' && <InvoiceCardPaymentForm invoiceId={invoice.id} totalLabel={total} name={admin.name} />}
        </CardContent>
      </Card>
    </div>
  );
}
