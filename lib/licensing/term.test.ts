import { describe, expect, it } from 'vitest';
import { addDays, addYears, daysUntil, describeTerm, renewalIsOpen } from './term';

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
