/** Calendar arithmetic on UTC dates ('YYYY-MM-DD'). Pure. */
import { formatDay } from '@/lib/format';

const DAY_MS = 24 * 60 * 60 * 1000;

export function parseDay(day: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) throw new Error(`Not a date: ${day}`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

export function toDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return toDay(new Date(parseDay(day) + days * DAY_MS));
}

export function addYears(day: string, years: number): string {
  const d = new Date(parseDay(day));
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return toDay(d);
}

/** Whole days from `now`'s UTC date to `day`; negative once it has passed. */
export function daysUntil(day: string, now: Date): number {
  return Math.round((parseDay(day) - parseDay(toDay(now))) / DAY_MS);
}

export const RENEWAL_WINDOW_DAYS = 30;

export function renewalIsOpen(renewalDate: string, now: Date): boolean {
  return daysUntil(renewalDate, now) <= RENEWAL_WINDOW_DAYS;
}

/**
 * The subscription's term in words. Paid early, a renewal starts its term on the old renewal date,
 * still ahead: the term in force then is the year before it.
 */
export function describeTerm(termStart: string, renewalDate: string, now: Date): string {
  if (daysUntil(termStart, now) > 0) return `Current term ends ${formatDay(termStart)}; renewed to ${formatDay(renewalDate)}`;
  return `Current term ${formatDay(termStart)} – ${formatDay(renewalDate)}`;
}

/**
 * The term a paid renewal starts: one year from the old renewal date, so a renewal paid
 * early or within the grace period loses no days and gains none. A subscription lapsed for a year
 * or more would still be over after that year; its new term starts on the day of payment instead.
 */
export function renewedTerm(renewalDate: string, now: Date): { termStart: string; renewalDate: string } {
  const next = addYears(renewalDate, 1);
  if (daysUntil(next, now) > 0) return { termStart: renewalDate, renewalDate: next };
  const today = toDay(now);
  return { termStart: today, renewalDate: addYears(today, 1) };
}
