import 'server-only';
import { notFound, redirect } from 'next/navigation';
import { getDb } from '@/db/client';
import type { AdminActor } from '@/lib/auth/actor';
import { getLicenseUsage, getOrganisationBilling, listPriceTiers } from '@/lib/licensing/queries';
import type { PriceTier } from './pricing';
import { countOrderEmails, getInvoiceByOrder, getOrder, listOrderEmailsSample, replacementOrderId } from './queries';

/**
 * What a license order is priced from (quoteLicensePurchase), so the checkout can show the price
 * of another quantity as it is typed. The order itself is re-priced on the server on Continue.
 */
export type RepricingContext = {
  tiers: PriceTier[];
  currentLicenses: number;
  termStart: string;
  renewalDate: string;
  discountBps: number;
  taxBps: number;
};

/** Loads an order for a checkout page: another organisation's id is not found; a finished order shows its invoice. */
export async function loadCheckoutOrder(admin: AdminActor, orderId: string) {
  const db = getDb();
  const order = await getOrder(db, admin.orgId, orderId);
  if (!order) notFound();
  if (order.status === 'fulfilled') {
    const invoice = await getInvoiceByOrder(db, admin.orgId, order.id);
    if (invoice) redirect(`/invoices/${invoice.id}`);
  }
  if (order.status === 'cancelled') {
    // Replaced by an order for another quantity (and reached with Back): show that one.
    const replacement = await replacementOrderId(db, admin.orgId, order);
    redirect(replacement ? `/checkout/${replacement}` : '/licensed-emails');
  }
  const [pendingCount, pendingSample, repricing] = await Promise.all([
    countOrderEmails(db, order.id),
    listOrderEmailsSample(db, order.id, 5),
    order.kind === 'licenses' ? loadRepricingContext(admin.orgId) : Promise.resolve(null),
  ]);
  return { order, pendingCount, pendingSample, repricing };
}

async function loadRepricingContext(orgId: string): Promise<RepricingContext | null> {
  const db = getDb();
  const [tiers, usage, org] = await Promise.all([listPriceTiers(db), getLicenseUsage(db, orgId), getOrganisationBilling(db, orgId)]);
  if (!usage.termStart || !usage.renewalDate || !org) return null;
  return { tiers, currentLicenses: usage.purchased, termStart: usage.termStart, renewalDate: usage.renewalDate, discountBps: org.discountBps, taxBps: org.taxRateBps };
}
