import { describe, expect, it } from 'vitest';
import { AppError } from '@/lib/errors/app-error';
import { quoteLicensePurchase, quoteRenewal, roundCents, tierFor, type PriceTier } from './pricing';

const tiers: PriceTier[] = [
  { minLicenses: 1, maxLicenses: 49, unitPriceCents: 3000 },
  { minLicenses: 50, maxLicenses: 99, unitPriceCents: 2700 },
  { minLicenses: 100, maxLicenses: 249, unitPriceCents: 2400 },
  { minLicenses: 250, maxLicenses: 499, unitPriceCents: 2100 },
  { minLicenses: 500, maxLicenses: null, unitPriceCents: 1800 },
];

describe('tierFor', () => {
  it.each([
    [1, 3000],
    [49, 3000],
    [50, 2700],
    [99, 2700],
    [100, 2400],
    [249, 2400],
    [250, 2100],
    [499, 2100],
    [500, 1800],
    [100_000, 1800],
  ])('%i licenses → %i cents', (total, price) => {
    expect(tierFor(tiers, total).unitPriceCents).toBe(price);
  });
  it('refuses a total no tier covers', () => {
    expect(() => tierFor(tiers, 0)).toThrow();
  });
});

describe('quoteLicensePurchase', () => {
  const base = { tiers, discountBps: 0, taxBps: 0 };

  it('47 used of 47, buying 3: the 3 are priced at the 50–99 tier only', () => {
    const q = quoteLicensePurchase({ ...base, currentLicenses: 47, quantity: 3, termStart: '2026-01-01', renewalDate: '2027-01-01', today: new Date('2026-01-01T08:00:00Z') });
    expect(q.tier.unitPriceCents).toBe(2700);
    expect(q.daysCharged).toBe(365);
    expect(q.subtotalCents).toBe(8100);
    expect(q.lines[0].description).toBe('3 licenses at $27.00 per year (50–99 tier), prorated 365 of 365 days');
  });

  it('after an early renewal, new licenses are charged to the new renewal date: the rest of this term and the renewed one', () => {
    // Renewed on 29 Nov 2026 for the term 24 Dec 2026 → 24 Dec 2027; buying on 29 Nov covers 390 days.
    const q = quoteLicensePurchase({ ...base, currentLicenses: 10, quantity: 1, termStart: '2026-12-24', renewalDate: '2027-12-24', today: new Date('2026-11-29T10:00:00Z') });
    expect([q.daysCharged, q.daysInTerm]).toEqual([390, 365]);
    // 1 × 3000 × 390 / 365 = 3205.48 → 3205
    expect(q.subtotalCents).toBe(3205);
    expect(q.lines[0].description).toBe('1 license at $30.00 per year (1–49 tier), prorated 390 of 365 days (renewed early: to 24 Dec 2027)');
  });

  it('term Jan 1 → Jan 1, buying on Oct 1 charges for 92 of 365 days', () => {
    const q = quoteLicensePurchase({ ...base, currentLicenses: 47, quantity: 3, termStart: '2026-01-01', renewalDate: '2027-01-01', today: new Date('2026-10-01T15:30:00Z') });
    expect([q.daysCharged, q.daysInTerm]).toEqual([92, 365]);
    // 3 × 2700 × 92 / 365 = 2041.64… → 2042
    expect(q.subtotalCents).toBe(2042);
    expect(q.totalCents).toBe(2042);
  });

  it.each([
    // quantity, licenses already bought, purchase day, expected subtotal
    [1, 10, '2026-12-31', 8], // 1 × 3000 × 1/365 = 8.219 → 8
    [2, 10, '2026-07-02', 3008], // 2 × 3000 × 183/365 = 3008.2 → 3008
    [3, 10, '2026-06-25', 4685], // 3 × 3000 × 190/365 = 4684.93 → 4685
  ])('rounds to the nearest cent once (%i licenses)', (quantity, current, today, expected) => {
    const q = quoteLicensePurchase({ ...base, currentLicenses: current, quantity, termStart: '2026-01-01', renewalDate: '2027-01-01', today: new Date(`${today}T12:00:00Z`) });
    const exact = (quantity * q.tier.unitPriceCents * q.daysCharged) / q.daysInTerm;
    expect(q.subtotalCents).toBe(roundCents(exact));
    expect(q.subtotalCents).toBe(expected);
  });

  it('applies the discount, then tax on the discounted amount', () => {
    const q = quoteLicensePurchase({ tiers, currentLicenses: 47, quantity: 3, termStart: '2026-01-01', renewalDate: '2027-01-01', today: new Date('2026-10-01T00:00:00Z'), discountBps: 1000, taxBps: 625 });
    expect(q.subtotalCents).toBe(2042);
    expect(q.discountCents).toBe(204); // 204.2
    expect(q.taxCents).toBe(115); // (2042 − 204) × 6.25 % = 114.875 → 115
    expect(q.totalCents).toBe(2042 - 204 + 115);
  });

  it.each([
    // On the renewal date no day is left (0 days), and after it the days are negative: never $0.
    ['2027-01-01T00:00:00Z', 0],
    ['2027-01-01T23:59:59Z', 0],
    ['2027-02-01T00:00:00Z', -31],
  ])('refuses a purchase with no day of the term left (%s)', (today) => {
    const quote = () => quoteLicensePurchase({ ...base, currentLicenses: 1, quantity: 1, termStart: '2026-01-01', renewalDate: '2027-01-01', today: new Date(today) });
    expect(quote).toThrow(AppError);
    expect(quote).toThrow("Your subscription's term ended on 1 Jan 2027. Renew it first (Renewals), then buy more licenses.");
  });

  it('still charges the last day of the term', () => {
    const q = quoteLicensePurchase({ ...base, currentLicenses: 1, quantity: 1, termStart: '2026-01-01', renewalDate: '2027-01-01', today: new Date('2026-12-31T23:59:59Z') });
    expect([q.daysCharged, q.subtotalCents]).toEqual([1, 8]);
  });

  it('handles a leap-year term of 366 days', () => {
    const q = quoteLicensePurchase({ ...base, currentLicenses: 1, quantity: 1, termStart: '2028-01-01', renewalDate: '2029-01-01', today: new Date('2028-01-01T00:00:00Z') });
    expect([q.daysCharged, q.daysInTerm, q.subtotalCents]).toEqual([366, 366, 3000]);
  });

  it('refuses a zero, negative or fractional quantity', () => {
    for (const quantity of [0, -1, 1.5]) {
      expect(() => quoteLicensePurchase({ ...base, currentLicenses: 1, quantity, termStart: '2026-01-01', renewalDate: '2027-01-01', today: new Date() })).toThrow();
    }
  });
});

describe('quoteRenewal', () => {
  it('prices every license at the tier of the total', () => {
    const q = quoteRenewal({ tiers, licenses: 50, discountBps: 0, taxBps: 0 });
    expect(q.subtotalCents).toBe(50 * 2700);
    expect(q.lines[0].description).toBe('Renewal: 50 licenses at $27.00 per year (50–99 tier)');
  });
  it('applies discount and tax', () => {
    const q = quoteRenewal({ tiers, licenses: 47, discountBps: 500, taxBps: 800 });
    expect(q.subtotalCents).toBe(141000);
    expect(q.discountCents).toBe(7050);
    expect(q.taxCents).toBe(10716);
    expect(q.totalCents).toBe(141000 - 7050 + 10716);
  });
});
