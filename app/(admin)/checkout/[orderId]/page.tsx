import type { Metadata } from 'next';
import { connection } from 'next/server';
import { CheckoutPanels } from '@/components/checkout/checkout-panels';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdminPage } from '@/lib/auth/session';
import { loadCheckoutOrder } from '@/lib/billing/checkout-page';

export const metadata: Metadata = { title: 'Checkout · Sealpost' };

export default async function CheckoutPage({ params }: { params: Promise<{ orderId: string }> }) {
  await connection();
  const admin = await requireAdminPage('billing.pay');
  const { orderId } = await params;
  const { order, pendingCount, pendingSample, repricing } = await loadCheckoutOrder(admin, orderId);
  const minimum = order.kind === 'licenses' && pendingCount > 0 ? undefined : 1;
  return (
    <div className="grid gap-6">
      <PageHeader
        title={order.kind === 'renewal' ? 'Renew your subscription' : 'Buy licenses'}
        description="Review the order, add a purchase order number if you use one, and choose how to pay."
      />
      <CheckoutPanels
        order={order}
        pendingCount={pendingCount}
        pendingSample={pendingSample}
        minimumQuantity={minimum}
        repricing={repricing}
        today={new Date().toISOString()}
      />
    </div>
  );
}
