import { describe, expect, it } from 'vitest';
import { defaultUnit, groupDays, parseReportUnit, periodStartOf, presetRange, type DailyMessages } from './reports';

function days(from: string, n: number, value = (i: number) => ({ outbound: i % 3, inbound: i % 2 })): DailyMessages[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => ({ day: new Date(start + i * 86_400_000).toISOString().slice(0, 10), ...value(i) }));
}

describe('periodStartOf', () => {
  it.each([
    ['2026-01-07', 'day', '2026-01-07'],
    // 2026-01-07 is a Wednesday: its ISO week starts on Monday the 5th.
    ['2026-01-07', 'week', '2026-01-05'],
    ['2026-01-05', 'week', '2026-01-05'],
    ['2026-01-11', 'week', '2026-01-05'],
    // A week across the new year.
    ['2026-01-01', 'week', '2025-12-29'],
    ['2026-02-28', 'month', '2026-02-01'],
  ] as const)('%s by %s starts on %s', (day, unit, start) => {
    expect(periodStartOf(day, unit)).toBe(start);
  });
});

describe('groupDays', () => {
  it('a year (2024, a leap year) by week is 53 bars, clipped to the range at both ends, and loses no message', () => {
    const year = days('2024-01-01', 366);
    const weeks = groupDays(year, 'week');
    expect(weeks).toHaveLength(53);
    expect(weeks[0]).toMatchObject({ start: '2024-01-01', end: '2024-01-07' });
    expect(weeks.at(-1)).toMatchObject({ start: '2024-12-30', end: '2024-12-31' });
    const sum = (list: { outbound: number; inbound: number }[]) => list.reduce((s, d) => s + d.outbound + d.inbound, 0);
    expect(sum(weeks)).toBe(sum(year));
  });

  it('by month: calendar months, the first and last clipped', () => {
    const months = groupDays(days('2026-01-14', 60, () => ({ outbound: 1, inbound: 0 })), 'month');
    expect(months).toEqual([
      { start: '2026-01-14', end: '2026-01-31', outbound: 18, inbound: 0 },
      { start: '2026-02-01', end: '2026-02-28', outbound: 28, inbound: 0 },
      { start: '2026-03-01', end: '2026-03-14', outbound: 14, inbound: 0 },
    ]);
  });

  it('by day: one bar per day, and nothing for no days', () => {
    expect(groupDays(days('2026-03-01', 3), 'day').map((p) => [p.start, p.end])).toEqual([
      ['2026-03-01', '2026-03-01'],
      ['2026-03-02', '2026-03-02'],
      ['2026-03-03', '2026-03-03'],
    ]);
    expect(groupDays([], 'week')).toEqual([]);
  });
});

describe('units and presets', () => {
  it('daily bars up to 92 days, weekly beyond', () => {
    expect(defaultUnit({ from: '2026-01-01', to: '2026-04-02' })).toBe('day');
    expect(defaultUnit({ from: '2026-01-01', to: '2026-04-03' })).toBe('week');
    expect(defaultUnit(presetRange(365, new Date('2026-11-22T10:00:00Z')))).toBe('week');
  });

  it('presets count back from today, today included', () => {
    const now = new Date('2026-11-22T23:59:00Z');
    expect(presetRange(7, now)).toEqual({ from: '2026-11-16', to: '2026-11-22' });
    expect(presetRange(365, now)).toEqual({ from: '2025-11-23', to: '2026-11-22' });
  });

  it('the unit from the URL: a choice, the default, or a reason it could not be used', () => {
    const year = { from: '2025-11-23', to: '2026-11-22' };
    expect(parseReportUnit({}, year)).toEqual({ unit: 'week', chosen: null, error: null });
    expect(parseReportUnit({ by: 'month' }, year)).toEqual({ unit: 'month', chosen: 'month', error: null });
    expect(parseReportUnit({ by: 'day' }, year)).toEqual({ unit: 'week', chosen: null, error: 'Daily bars cover at most 92 days; showing weekly bars.' });
    expect(parseReportUnit({ by: 'hour' }, { from: '2026-11-01', to: '2026-11-22' })).toMatchObject({ unit: 'day', chosen: null });
    expect(parseReportUnit(new URLSearchParams('by=week'), { from: '2026-11-01', to: '2026-11-22' })).toEqual({ unit: 'week', chosen: 'week', error: null });
  });
});
