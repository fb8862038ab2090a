'use client';

import { useMemo, useState } from 'react';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import type { RepricingContext } from '@/lib/billing/checkout-page';
import { quoteLicensePurchase } from '@/lib/billing/pricing';
import { plural } from '@/lib/format';
import { CheckoutForm } from './checkout-form';
import { OrderSummary, type SummarisedOrder } from './order-summary';

/**
 * The checkout's two cards. While the number of licenses is changed, the order card shows the
 * price of the new number, worked out as the server will work it out when the user continues.
 */
export function CheckoutPanels({
  order,
  pendingCount,
  pendingSample,
  minimumQuantity,
  repricing,
  today,
  cardsOffReason,
}: {
  order: SummarisedOrder & { id: string; poNumber: string };
  pendingCount: number;
  pendingSample: string[];
  minimumQuantity?: number;
  repricing: RepricingContext | null;
  /** The server's clock (ISO), so the days charged match the server's. */
  today: string;
  cardsOffReason?: string;
}) {
  const [quantity, setQuantity] = useState(order.quantity);
  const shown = useMemo<SummarisedOrder>(() => {
    if (!repricing || quantity === order.quantity || !Number.isInteger(quantity) || quantity < 1 || quantity > 100_000) return order;
    try {
      const quote = quoteLicensePurchase({ ...repricing, quantity, today: new Date(today) });
      return { ...quote, kind: 'licenses', unitPriceCents: quote.tier.unitPriceCents };
    } catch {
      return order;
    }
  }, [order, quantity, repricing, today]);
  const repriced = shown !== order;

  return (
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
        <CardContent className="grid gap-3">
          <div aria-live="polite" className="grid gap-3">
            {repriced && <p className="rounded-md bg-brand-50 px-3 py-2 text-sm text-brand-700">Priced for {plural(quantity, 'license')}. The order is updated when you continue.</p>}
            <OrderSummary order={shown} />
          </div>
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
            minimumQuantity={minimumQuantity}
            poNumber={order.poNumber}
            onQuantityChange={setQuantity}
            cardsOffReason={cardsOffReason}
          />
        </CardContent>
      </Card>
    </div>
  );
}
