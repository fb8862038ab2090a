import 'server-only';
import { and, eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { orderEmails, orders } from '@/db/schema';
import type { AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { getLicenseUsage } from '@/lib/licensing/queries';
import { assertTermRunning } from '@/lib/licensing/subscription-guards';
import { createCheckedLicenseOrder } from './create-order';
import { getOrder, replacementOrderId } from './queries';

/**
 * Checkout's first step: the PO number and, for license orders, the quantity. A new quantity is
 * a new price, so it makes a new order (the old one is cancelled) rather than editing amounts.
 */
export async function prepareCheckout(input: { actor: AdminActor; orderId: string; poNumber: string; quantity?: number; now?: Date }) {
  const { actor } = input;
  if (!can(actor.level, 'billing.pay')) throw new AppError('forbidden', 'Only level 1 administrators buy licenses.');
  const db = getDb();
  const order = await getOrder(db, actor.orgId, input.orderId);
  if (!order) throw new AppError('not_found', 'That order does not exist.');
  if (order.status === 'cancelled') {
    // A page of an order that a new quantity replaced (the browser's Back): carry on with the new one.
    const replacement = await replacementOrderId(db, actor.orgId, order);
    if (!replacement) throw new AppError('conflict', 'This order was cancelled. Start again from Licensed emails.');
    return prepareCheckout({ ...input, orderId: replacement });
  }
  if (order.status !== 'open') throw new AppError('conflict', 'This order is already paid. Its invoice is under Invoices.');
  const poNumber = input.poNumber.trim();
  if (order.kind === 'licenses') {
    const { renewalDate } = await getLicenseUsage(db, actor.orgId);
    if (renewalDate) assertTermRunning(renewalDate, input.now ?? new Date());
  }

  if (order.kind === 'licenses' && input.quantity !== undefined && input.quantity !== order.quantity) {
    const pending = await db.select({ email: orderEmails.email }).from(orderEmails).where(eq(orderEmails.orderId, order.id));
    // The pending addresses were checked when the open order was made; fulfilOrder skips any licensed since.
    const next = await createCheckedLicenseOrder({ actor, quantity: input.quantity, pendingEmails: pending.map((p) => p.email), poNumber, now: input.now });
    await db
      .update(orders)
      .set({ status: 'cancelled' })
      .where(and(eq(orders.id, order.id), eq(orders.orgId, actor.orgId), eq(orders.status, 'open')));
    return { orderId: next.orderId };
  }
  await db
    .update(orders)
    .set({ poNumber })
    .where(and(eq(orders.id, order.id), eq(orders.orgId, actor.orgId), eq(orders.status, 'open')));
  return { orderId: order.id };
}
