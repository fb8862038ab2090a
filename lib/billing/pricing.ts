import type { InvoiceLine } from '@/db/schema/billing';
import { formatDay, plural } from '@/lib/format';
import { AppError } from '@/lib/errors/app-error';
import { termEndedMessage } from '@/lib/licensing/subscription-state';
import { daysUntil, parseDay } from '@/lib/licensing/term';

/**
 * License pricing (tiers by the new total, prorated to the renewal date), pure and in integer cents. Rounding is stated once: every computed
 * amount is rounded to the nearest cent, halves up, at the step that produces it.
 */
export type PriceTier = { minLicenses: number; maxLicenses: number | null; unitPriceCents: number };

export type Quote = {
  quantity: number;
  tier: PriceTier;
  daysCharged: number;
  daysInTerm: number;
  subtotalCents: number;
  discountBps: number;
  discountCents: number;
  taxBps: number;
  taxCents: number;
  totalCents: number;
  lines: InvoiceLine[];
};

const DAY_MS = 24 * 60 * 60 * 1000;

export function roundCents(value: number): number {
  return Math.floor(value + 0.5);
}

export function tierFor(tiers: PriceTier[], totalLicenses: number): PriceTier {
  const tier = tiers.find((t) => totalLicenses >= t.minLicenses && (t.maxLicenses === null || totalLicenses <= t.maxLicenses));
  if (!tier) throw new Error(`No price tier covers ${totalLicenses} licenses`);
  return tier;
}

export function tierLabel(tier: PriceTier): string {
  return tier.maxLicenses === null ? `${tier.minLicenses}+` : `${tier.minLicenses}–${tier.maxLicenses}`;
}

function dollars(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

function finish(
  base: Omit<Quote, 'discountCents' | 'taxCents' | 'totalCents' | 'lines'>,
  description: string,
): Quote {
  const discountCents = roundCents((base.subtotalCents * base.discountBps) / 10_000);
  const taxCents = roundCents(((base.subtotalCents - discountCents) * base.taxBps) / 10_000);
  return {
    ...base,
    discountCents,
    taxCents,
    totalCents: base.subtotalCents - discountCents + taxCents,
    lines: [{ description, quantity: base.quantity, unitPriceCents: base.tier.unitPriceCents, amountCents: base.subtotalCents }],
  };
}

/**
 * New licenses mid-term: priced at the tier the new total falls in (the licenses already bought
 * are not re-priced), prorated by days remaining to the renewal date over days in the term. After
 * an early renewal the renewal date is a year further and the renewed term has not started yet:
 * the days remaining then include the rest of the current term (390 of 365 days, say), because
 * the new licenses are used for all of them and the renewal paid only for the licenses of its day.
 * Once the term has ended (the renewal date reached) there is nothing to prorate and the quote is
 * refused: the organisation renews first.
 */
export function quoteLicensePurchase(input: {
  tiers: PriceTier[];
  currentLicenses: number;
  quantity: number;
  termStart: string;
  renewalDate: string;
  today: Date;
  discountBps: number;
  taxBps: number;
}): Quote {
  if (!Number.isInteger(input.quantity) || input.quantity < 1) throw new Error('Quantity must be a positive whole number');
  const tier = tierFor(input.tiers, input.currentLicenses + input.quantity);
  const daysInTerm = Math.round((parseDay(input.renewalDate) - parseDay(input.termStart)) / DAY_MS);
  const daysCharged = daysUntil(input.renewalDate, input.today);
  // On or after the renewal date no day of the term is left to charge for: never a free quote.
  if (daysCharged < 1) throw new AppError('conflict', termEndedMessage(input.renewalDate));
  const subtotalCents = roundCents((input.quantity * tier.unitPriceCents * daysCharged) / daysInTerm);
  const renewedEarly = daysCharged > daysInTerm ? ` (renewed early: to ${formatDay(input.renewalDate)})` : '';
  return finish(
    { quantity: input.quantity, tier, daysCharged, daysInTerm, subtotalCents, discountBps: input.discountBps, taxBps: input.taxBps },
    `${plural(input.quantity, 'license')} at ${dollars(tier.unitPriceCents)} per year (${tierLabel(tier)} tier), prorated ${daysCharged} of ${daysInTerm} days${renewedEarly}`,
  );
}

/** A renewal: every license at the tier of the total, for a whole year. */
export function quoteRenewal(input: { tiers: PriceTier[]; licenses: number; discountBps: number; taxBps: number }): Quote {
  if (!Number.isInteger(input.licenses) || input.licenses < 1) throw new Error('A renewal needs at least one license');
  const tier = tierFor(input.tiers, input.licenses);
  return finish(
    {
      quantity: input.licenses,
      tier,
      daysCharged: 365,
      daysInTerm: 365,
      subtotalCents: input.licenses * tier.unitPriceCents,
      discountBps: input.discountBps,
      taxBps: input.taxBps,
    },
    `Renewal: ${plural(input.licenses, 'license')} at ${dollars(tier.unitPriceCents)} per year (${tierLabel(tier)} tier)`,
  );
}
