import { describe, expect, it } from 'vitest';
import { addDays, addYears, daysUntil, describeTerm, renewalIsOpen, renewedTerm } from './term';

describe('term arithmetic', () => {
  it.each([
    ['2026-01-01', '2026-10-01T12:00:00Z', -273],
    ['2027-01-01', '2026-10-01T00:00:00Z', 92],
    ['2026-12-17', '2026-11-22T23:59:59Z', 25],
  ])('daysUntil(%s, %s) = %i', (day, now, expected) => {
    expect(daysUntil(day, new Date(now))).toBe(expected);
  });

  it('adds days and years across month and leap boundaries', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addYears('2027-01-01', 1)).toBe('2028-01-01');
    expect(addYears('2028-02-29', 1)).toBe('2029-03-01');
  });

  it('opens renewal 30 days before the date and keeps it open after it passed', () => {
    const now = new Date('2026-11-22T10:00:00Z');
    expect(renewalIsOpen('2026-12-22', now)).toBe(true);
    expect(renewalIsOpen('2026-12-23', now)).toBe(false);
    expect(renewalIsOpen('2026-11-01', now)).toBe(true);
  });
});

describe('describeTerm', () => {
  it('names the term in force, and says so when the next one is already paid for', () => {
    expect(describeTerm('2025-12-24', '2026-12-24', new Date('2026-11-29T10:00:00Z'))).toBe('Current term 24 Dec 2025 – 24 Dec 2026');
    expect(describeTerm('2026-12-24', '2027-12-24', new Date('2026-11-29T10:00:00Z'))).toBe('Current term ends 24 Dec 2026; renewed to 24 Dec 2027');
    expect(describeTerm('2026-12-24', '2027-12-24', new Date('2026-12-24T00:00:00Z'))).toBe('Current term 24 Dec 2026 – 24 Dec 2027');
  });
});

describe('renewedTerm', () => {
  it.each([
    // Paid early, on the day, within the grace period, disabled: one year from the old date.
    ['2027-01-01', '2026-12-10T10:00:00Z', { termStart: '2027-01-01', renewalDate: '2028-01-01' }],
    ['2027-01-01', '2027-01-01T10:00:00Z', { termStart: '2027-01-01', renewalDate: '2028-01-01' }],
    ['2027-01-01', '2027-01-20T10:00:00Z', { termStart: '2027-01-01', renewalDate: '2028-01-01' }],
    ['2027-01-01', '2027-06-01T10:00:00Z', { termStart: '2027-01-01', renewalDate: '2028-01-01' }],
    // Lapsed a year or more: that year would already be over, so the new term starts today.
    ['2027-01-01', '2028-01-01T10:00:00Z', { termStart: '2028-01-01', renewalDate: '2029-01-01' }],
    ['2027-01-01', '2029-03-05T10:00:00Z', { termStart: '2029-03-05', renewalDate: '2030-03-05' }],
  ])('renewal date %s paid at %s', (renewalDate, now, expected) => {
    expect(renewedTerm(renewalDate, new Date(now))).toEqual(expected);
  });
});
