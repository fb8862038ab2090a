import 'server-only';
import { sql } from 'drizzle-orm';
import { getDb, type Tx } from '@/db/client';
import { orders } from '@/db/schema';
import type { AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { plural } from '@/lib/format';
import { lockSubscription } from '@/lib/licensing/add-licensed-emails';
import { getOrganisationBilling, listPriceTiers } from '@/lib/licensing/queries';
import { assertTermRunning } from '@/lib/licensing/subscription-guards';
import { renewalIsOpen } from '@/lib/licensing/term';
import { assertAddressesCanBeLicensed } from '@/lib/licensing/validate-addresses';
import { quoteLicensePurchase, quoteRenewal, type Quote } from './pricing';

function assertCanPay(actor: AdminActor) {
  if (!can(actor.level, 'billing.pay')) throw new AppError('forbidden', 'Only level 1 administrators buy licenses. Ask one of them to complete this purchase.');
}

async function insertOrder(
  actor: AdminActor,
  kind: 'licenses' | 'renewal',
  quote: Quote,
  pricedForRenewalDate: string,
  poNumber: string,
  pendingEmails: string[],
  tx: Tx,
  now: Date,
) {
  const [order] = await tx
    .insert(orders)
    .values({
      orgId: actor.orgId,
      kind,
      quantity: quote.quantity,
      unitPriceCents: quote.tier.unitPriceCents,
      daysCharged: quote.daysCharged,
      daysInTerm: quote.daysInTerm,
      subtotalCents: quote.subtotalCents,
      discountBps: quote.discountBps,
      discountCents: quote.discountCents,
      taxBps: quote.taxBps,
      taxCents: quote.taxCents,
      totalCents: quote.totalCents,
      lines: quote.lines,
      poNumber,
      pricedForRenewalDate,
      createdBy: actor.id,
      createdAt: now,
    })
    .returning({ id: orders.id });
  if (pendingEmails.length > 0) {
    await tx.execute(sql`insert into order_emails (order_id, email) select ${order.id}::uuid, e from unnest(${sql.param(pendingEmails)}::text[]) as e on conflict do nothing`);
  }
  return order.id;
}

type LicenseOrderInput = { actor: AdminActor; quantity: number; pendingEmails?: string[]; poNumber?: string; now?: Date };

/**
 * An order for more licenses, priced on the server (amounts never come from the client). With
 * pending addresses, it must cover the licenses they are missing; they are added when it is paid.
 * Pending addresses obey the rule of every licensed address (assertAddressesCanBeLicensed: an
 * address in one of the organisation's domains, given once, not licensed yet), refused with a
 * field error per address (`emails.<index>`); fulfilOrder skips any licensed meanwhile.
 */
export async function createLicenseOrder(input: LicenseOrderInput) {
  assertCanPay(input.actor);
  const pendingEmails = input.pendingEmails?.length ? await assertAddressesCanBeLicensed(getDb(), input.actor.orgId, input.pendingEmails) : [];
  return createCheckedLicenseOrder({ ...input, pendingEmails });
}

/**
 * The order itself, for pending addresses already checked against that rule: the lines of a CSV
 * import (importLicensedEmails reports each bad line itself) or those of an open order that a new
 * quantity replaces (prepareCheckout). Actions and routes call createLicenseOrder.
 */
export async function createCheckedLicenseOrder(input: LicenseOrderInput) {
  const { actor } = input;
  const now = input.now ?? new Date();
  assertCanPay(actor);
  const pending = [...new Set((input.pendingEmails ?? []).map((e) => e.trim().toLowerCase()))];
  if (!Number.isInteger(input.quantity) || input.quantity < 1 || input.quantity > 100_000) {
    throw new AppError('invalid_input', 'Buy between 1 and 100,000 licenses.', { quantity: ['Buy between 1 and 100,000 licenses.'] });
  }
  const db = getDb();
  const [tiers, org] = await Promise.all([listPriceTiers(db), getOrganisationBilling(db, actor.orgId)]);
  if (!org) throw new AppError('not_found', 'Your organisation was not found.');
  return db.transaction(async (tx) => {
    const sub = await lockSubscription(tx, actor.orgId);
    // On or after the renewal date there is no day left to prorate: renew first (an expired or
    // disabled subscription may still create its renewal order below).
    assertTermRunning(sub.renewalDate, now);
    const missing = Math.max(0, sub.used + pending.length - sub.purchased);
    if (input.quantity < missing) {
      const message = `These addresses need ${plural(missing, 'more license', 'more licenses')}: buy at least ${missing.toLocaleString('en-US')}.`;
      throw new AppError('invalid_input', message, { quantity: [message] });
    }
    const quote = quoteLicensePurchase({
      tiers,
      currentLicenses: sub.purchased,
      quantity: input.quantity,
      termStart: sub.termStart,
      renewalDate: sub.renewalDate,
      today: now,
      discountBps: org.discountBps,
      taxBps: org.taxRateBps,
    });
    return { orderId: await insertOrder(actor, 'licenses', quote, sub.renewalDate, input.poNumber?.trim() ?? '', pending, tx, now) };
  });
}

/** The renewal order: all licenses at the tier of the total, for the next year. */
export async function createRenewalOrder(input: { actor: AdminActor; poNumber?: string; now?: Date }) {
  const { actor } = input;
  const now = input.now ?? new Date();
  assertCanPay(actor);
  const db = getDb();
  const [tiers, org] = await Promise.all([listPriceTiers(db), getOrganisationBilling(db, actor.orgId)]);
  if (!org) throw new AppError('not_found', 'Your organisation was not found.');
  return db.transaction(async (tx) => {
    const sub = await lockSubscription(tx, actor.orgId);
    if (!renewalIsOpen(sub.renewalDate, now)) throw new AppError('conflict', 'Renewal opens 30 days before the renewal date.');
    const licenses = Math.max(sub.purchased, sub.used, 1);
    const quote = quoteRenewal({ tiers, licenses, discountBps: org.discountBps, taxBps: org.taxRateBps });
    return { orderId: await insertOrder(actor, 'renewal', quote, sub.renewalDate, input.poNumber?.trim() ?? '', [], tx, now) };
  });
}
