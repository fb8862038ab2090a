import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { CheckoutPanels } from '@/components/checkout/checkout-panels';
import { Alert } from '@/components/ui/alert';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdminPage } from '@/lib/auth/session';
import { CARD_PAYMENTS_OFF, cardPayments } from '@/lib/billing/card-payments';
import { loadCheckoutOrder } from '@/lib/billing/checkout-page';
import { subscriptionState, termEndedMessage } from '@/lib/licensing/subscription-state';

export const metadata: Metadata = { title: 'Checkout · Sealpost' };

export default async function CheckoutPage({ params }: { params: Promise<{ orderId: string }> }) {
  await connection();
  const admin = await requireAdminPage('billing.pay');
  const { orderId } = await params;
  const { order, pendingCount, pendingSample, repricing } = await loadCheckoutOrder(admin, orderId);
  const minimum = order.kind === 'licenses' && pendingCount > 0 ? undefined : 1;
  const now = new Date();
  // A license order left open across the renewal date can no longer be paid (the use cases refuse it).
  const termEnded = order.kind === 'licenses' && repricing !== null && subscriptionState(repricing.renewalDate, now).status !== 'active';
  return (
    <div className="grid gap-6">
      <PageHeader
        title={order.kind === 'renewal' ? 'Renew your subscription' : 'Buy licenses'}
        description="Review the order, add a purchase order number if you use one, and choose how to pay."
      />
      {termEnded && repricing ? (
        <Alert variant="warning" title="Renew first">
          {termEndedMessage(repricing.renewalDate)} <Link href="/renewals">Go to Renewals</Link>
        </Alert>
      ) : (
        <CheckoutPanels
          order={order}
          pendingCount={pendingCount}
          pendingSample={pendingSample}
          minimumQuantity={minimum}
          repricing={repricing}
          today={now.toISOString()}
          cardsOffReason={cardPayments().mode === 'off' ? CARD_PAYMENTS_OFF : undefined}
        />
      )}
    </div>
  );
}
