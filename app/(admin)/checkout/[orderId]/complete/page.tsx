import type { Metadata } from 'next';
import { notFound, redirect } from 'next/navigation';
import { connection } from 'next/server';
import { AutoRefresh } from '@/components/checkout/auto-refresh';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { Spinner } from '@/components/ui/spinner';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { getInvoiceByOrder, getOrder } from '@/lib/billing/queries';

export const metadata: Metadata = { title: 'Confirming payment · Sealpost' };

/** Where Stripe returns after the card step: waits for the signed webhook to fulfil the order. */
export default async function CheckoutCompletePage({ params }: { params: Promise<{ orderId: string }> }) {
  await connection();
  const admin = await requireAdminPage('billing.view');
  const { orderId } = await params;
  const order = await getOrder(getDb(), admin.orgId, orderId);
  if (!order) notFound();
  if (order.status === 'fulfilled') {
    const invoice = await getInvoiceByOrder(getDb(), admin.orgId, order.id);
    if (invoice) redirect(order.kind === 'renewal' ? `/renewals?invoice=${invoice.id}` : `/licensed-emails?invoice=${invoice.id}`);
  }
  return (
    <Card className="mx-auto mt-10 max-w-lg">
      <CardHeader>
        <h1 className="text-lg font-semibold">Confirming your payment</h1>
        <CardDescription>This usually takes a few seconds. You can leave this page: {order.kind === 'renewal' ? 'the term is extended' : 'the licenses are granted'} as soon as the payment is confirmed.</CardDescription>
      </CardHeader>
      <CardContent className="flex items-center gap-3">
        <Spinner label="Waiting for the payment" /> <span className="text-sm text-muted">Waiting for the card network…</span>
        <AutoRefresh seconds={2} />
      </CardContent>
    </Card>
  );
}
