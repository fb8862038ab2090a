import { describe, expect, it } from 'vitest';
import { formatPortalDate, isTimeZone } from './format';

const at = new Date('2026-11-29T14:05:00Z');

describe('formatPortalDate', () => {
  it('shows UTC until a time zone is chosen', () => {
    expect(formatPortalDate(at, { dateFormat: 'd MMM yyyy', timeFormat: '24h' })).toBe('29 Nov 2026 14:05 UTC');
    expect(formatPortalDate(at, { dateFormat: 'MM/dd/yyyy', timeFormat: '12h', timeZone: 'UTC' })).toBe('11/29/2026 2:05 PM UTC');
  });

  it('shows the wall-clock time of the chosen zone, named, across midnight and daylight saving', () => {
    expect(formatPortalDate(at, { dateFormat: 'yyyy-MM-dd', timeFormat: '24h', timeZone: 'America/New_York' })).toBe('2026-11-29 09:05 EST');
    expect(formatPortalDate(new Date('2026-07-01T02:30:00Z'), { dateFormat: 'yyyy-MM-dd', timeFormat: '24h', timeZone: 'America/New_York' })).toBe('2026-06-30 22:30 EDT');
    expect(formatPortalDate(at, { dateFormat: 'd MMM yyyy', timeFormat: '24h', timeZone: 'Asia/Kolkata' })).toBe('29 Nov 2026 19:35 GMT+5:30');
  });

  it('knows real zones only', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
