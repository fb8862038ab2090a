import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { CardPaymentForm } from '@/components/checkout/card-payment-form';
import { StripeCardForm } from '@/components/checkout/stripe-card-form';
import { Alert } from '@/components/ui/alert';
import { OrderSummary } from '@/components/checkout/order-summary';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { getAdministratorAddress } from '@/lib/administrators/queries';
import { requireAdminPage } from '@/lib/auth/session';
import { loadCheckoutOrder } from '@/lib/billing/checkout-page';
import { CARD_PAYMENTS_OFF, cardPayments } from '@/lib/billing/card-payments';
import { preparePaymentIntent } from '@/lib/billing/stripe-payments';
import { countryCodeFor } from '@/lib/countries';
import { env } from '@/lib/env';
import { isAppError } from '@/lib/errors/app-error';
import { formatCents } from '@/lib/format';

export const metadata: Metadata = { title: 'Pay by card · Sealpost' };

export default async function CardPaymentPage({ params }: { params: Promise<{ orderId: string }> }) {
  await connection();
  const admin = await requireAdminPage('billing.pay');
  const { orderId } = await params;
  const { order } = await loadCheckoutOrder(admin, orderId);
  const address = await getAdministratorAddress(getDb(), admin.orgId, admin.id);
  // With Stripe configured the card is taken by Stripe's own fields and the order is fulfilled by
  // its signed webhook; in demo mode the built-in test gateway form is shown; otherwise no card form.
  const cards = cardPayments();
  const stripe = cards.mode === 'stripe' ? cards.stripe : null;
  let stripePayment: { clientSecret: string } | { error: string } | null = null;
  if (stripe) {
    try {
      stripePayment = await preparePaymentIntent({ actor: admin, orderId: order.id });
    } catch (e) {
      if (!isAppError(e)) throw e;
      stripePayment = { error: e.message };
    }
  }
  return (
    <div className="grid gap-6">
      <PageHeader title="Pay by card" description={`${order.kind === 'renewal' ? 'Renewal' : 'Licenses'} · ${formatCents(order.totalCents)}`} />
      <div className="grid gap-6 lg:grid-cols-[1.3fr_1fr]">
        <Card>
          <CardHeader>
            <CardTitle>Billing details</CardTitle>
          </CardHeader>
          <CardContent>
            {stripe && stripePayment && 'error' in stripePayment && <Alert variant="danger">{stripePayment.error}</Alert>}
            {stripe && stripePayment && 'clientSecret' in stripePayment && (
              <StripeCardForm
                publishableKey={stripe.publishableKey}
                clientSecret={stripePayment.clientSecret}
                returnUrl={`${env().APP_URL}/checkout/${order.id}/complete`}
                totalLabel={formatCents(order.totalCents)}
              />
            )}
            {cards.mode === 'off' && (
              <Alert variant="warning" title="Card payments are not available">
                {CARD_PAYMENTS_OFF}{' '}
                <Link href={`/checkout/${order.id}/check`}>Pay by check</Link>
              </Alert>
            )}
            {cards.mode === 'test_gateway' && (
            <CardPaymentForm
              orderId={order.id}
              kind={order.kind}
              totalLabel={formatCents(order.totalCents)}
              defaults={{
                name: address?.name ?? admin.name,
                addressLine1: address?.addressLine1 ?? '',
                addressLine2: address?.addressLine2 ?? '',
                city: address?.city ?? '',
                region: address?.region ?? '',
                postalCode: address?.postalCode ?? '',
                country: countryCodeFor(address?.country ?? ''),
              }}
            />
            )}
          </CardContent>
        </Card>
        <Card className="h-fit">
          <CardHeader>
            <CardTitle>Order</CardTitle>
          </CardHeader>
          <CardContent className="grid gap-4">
            <OrderSummary order={order} />
            {order.poNumber && <p className="text-sm text-muted">Purchase order {order.poNumber}</p>}
            <Link href={`/checkout/${order.id}`} className="text-sm font-medium text-brand-600 hover:underline">
              Change the order or pay by check instead
            </Link>
          </CardContent>
        </Card>
      </div>
    </div>
  );
}
