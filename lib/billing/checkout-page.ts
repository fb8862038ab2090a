import { notFound, redirect } from 'next/navigation';
import { getDb } from '@/db/client';
import type { AdminActor } from '@/lib/auth/actor';
import { countOrderEmails, getInvoiceByOrder, getOrder, listOrderEmailsSample } from './queries';

/** Loads an order for a checkout page: another organisation's id is not found; a finished order shows its invoice. */
export async function loadCheckoutOrder(admin: AdminActor, orderId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(orderId)) notFound();
  const db = getDb();
  const order = await getOrder(db, admin.orgId, orderId);
  if (!order) notFound();
  if (order.status === 'fulfilled') {
    const invoice = await getInvoiceByOrder(db, admin.orgId, order.id);
    if (invoice) redirect(`/invoices/${invoice.id}`);
  }
  if (order.status === 'cancelled') redirect('/licensed-emails');
  const [pendingCount, pendingSample] = await Promise.all([countOrderEmails(db, order.id), listOrderEmailsSample(db, order.id, 5)]);
  return { order, pendingCount, pendingSample };
}
