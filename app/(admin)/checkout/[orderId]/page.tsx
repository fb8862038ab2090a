import type { Metadata } from 'next';
import { connection } from 'next/server';
import { CheckoutForm } from '@/components/checkout/checkout-form';
import { OrderSummary } from '@/components/checkout/order-summary';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdminPage } from '@/lib/auth/session';
import { loadCheckoutOrder } from '@/lib/billing/checkout-page';
import { plural } from '@/lib/format';

export const metadata: Metadata = { title: 'Checkout · Sealpost' };

export default async function CheckoutPage({ params }: { params: Promise<{ orderId: string }> }) {
  await connection();
  const admin = await requireAdminPage('billing.pay');
  const { orderId } = await params;
  const { order, pendingCount, pendingSample } = await loadCheckoutOrder(admin, orderId);
  const minimum = order.kind === 'licenses' && pendingCount > 0 ? undefined : 1;
  return (
    <div className="grid gap-6">
      <PageHeader
        title={order.kind === 'renewal' ? 'Renew your subscription' : 'Buy licenses'}
        description="Review the order, add a purchase order number if you use one, and choose how to pay."
      />
      <div className="grid gap-6 lg:grid-cols-[1.3fr_1fr]">
        <Card>
          <CardHeader>
            <CardTitle>Order</CardTitle>
            {pendingCount > 0 && (
              <CardDescription>
                {plural(pendingCount, 'address', 'addresses')} will be added when the order is paid: {pendingSample.join(', ')}
                {pendingCount > pendingSample.length ? ', …' : ''}
              </CardDescription>
            )}
          </CardHeader>
          <CardContent>
            <OrderSummary order={order} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Payment</CardTitle>
          </CardHeader>
          <CardContent>
            <CheckoutForm
              orderId={order.id}
              kind={order.kind}
              quantity={order.quantity}
              minimumQuantity={minimum}
              poNumber={order.poNumber}
            />
          </CardContent>
        </Card>
      </div>
    </div>
  );
}
