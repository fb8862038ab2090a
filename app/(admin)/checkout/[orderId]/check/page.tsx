import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { ConfirmCheckButton } from '@/components/checkout/confirm-check-button';
import { OrderSummary } from '@/components/checkout/order-summary';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { requireAdminPage } from '@/lib/auth/session';
import { CHECK_TERMS_DAYS } from '@/lib/billing/fulfil-order';
import { loadCheckoutOrder } from '@/lib/billing/checkout-page';
import { formatCents, formatDay } from '@/lib/format';
import { addDays, toDay } from '@/lib/licensing/term';

export const metadata: Metadata = { title: 'Pay by check · Sealpost' };

export default async function CheckPaymentPage({ params }: { params: Promise<{ orderId: string }> }) {
  await connection();
  const admin = await requireAdminPage('billing.pay');
  const { orderId } = await params;
  const { order, pendingCount } = await loadCheckoutOrder(admin, orderId);
  const due = addDays(toDay(new Date()), CHECK_TERMS_DAYS);
  return (
    <div className="grid gap-6">
      <PageHeader title="Pay by check" description="Confirm the order and print the invoice to send with your check." />
      <Card className="max-w-2xl">
        <CardHeader>
          <CardTitle className="text-3xl tabular-nums">{formatCents(order.totalCents)}</CardTitle>
          <CardDescription>
            Due {formatDay(due)} (Net {CHECK_TERMS_DAYS}). {order.kind === 'renewal' ? 'The renewal takes effect' : 'The licenses are yours'} as soon as you
            confirm{pendingCount > 0 ? `, and the ${pendingCount} waiting address${pendingCount === 1 ? ' is' : 'es are'} added` : ''}.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-5">
          <OrderSummary order={order} />
          <div className="rounded-card border border-line bg-canvas/60 p-4 text-sm">
            <p className="font-medium">Mail your check to</p>
            <p className="text-muted">Sealpost Inc. · Accounts Receivable · PO Box 4410 · Boston, MA 02101 · United States</p>
            <p className="mt-2 text-muted">Write the invoice number on the check{order.poNumber ? ` (your purchase order ${order.poNumber} is on the invoice)` : ''}.</p>
          </div>
          <div className="flex flex-wrap items-center justify-between gap-3">
            <Link href={`/checkout/${order.id}`} className="text-sm font-medium text-brand-600 hover:underline">
              Back
            </Link>
            <ConfirmCheckButton orderId={order.id} kind={order.kind} />
          </div>
        </CardContent>
      </Card>
    </div>
  );
}
