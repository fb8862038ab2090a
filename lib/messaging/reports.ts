import { sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { AppError } from '@/lib/errors/app-error';

/**
 * /reports: secure messages per day, inbound and outbound, for a date range. Days are
 * whole UTC days, like every date in the product.
 */

export const MAX_REPORT_DAYS = 366;
export const DEFAULT_REPORT_DAYS = 30;
const DAY_MS = 86_400_000;

export type DailyMessages = { day: string; outbound: number; inbound: number };
export type MessagesPerDay = {
  days: DailyMessages[];
  totals: { total: number; outbound: number; inbound: number };
};
export type ReportRange = { from: string; to: string };

export function isCalendarDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  // Date rolls 2026-02-30 over to 2 March, so the round trip is what catches impossible days.
  return Number(value.slice(0, 4)) >= 1 && !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Days in the range, both ends included. */
export function daysInRange({ from, to }: ReportRange): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

function rangeProblem(range: ReportRange): string | null {
  if (!isCalendarDay(range.from)) return 'The start date is not a valid date. Use a date like 2026-11-22.';
  if (!isCalendarDay(range.to)) return 'The end date is not a valid date. Use a date like 2026-11-22.';
  if (range.from > range.to) return 'The start date is after the end date.';
  if (daysInRange(range) > MAX_REPORT_DAYS) return `Choose a range of at most ${MAX_REPORT_DAYS} days.`;
  return null;
}

/**
 * One row per day of the range, days without messages included (generate_series), counted from
 * the organisation's messages only. The count is one index range scan on (org_id, sent_at).
 */
export async function messagesPerDay(db: DbOrTx, orgId: string, range: ReportRange): Promise<MessagesPerDay> {
  const problem = rangeProblem(range);
  if (problem) throw new AppError('invalid_input', problem);
  const rows = await db.execute<{ day: string; outbound: number; inbound: number }>(sql`
    with counts as (
      select (m.sent_at at time zone 'UTC')::date as day,
             count(*) filter (where m.direction = 'outbound')::int as outbound,
             count(*) filter (where m.direction = 'inbound')::int as inbound
      from secure_messages m
      where m.org_id = ${orgId}
        and m.sent_at >= (${range.from}::date)::timestamp at time zone 'UTC'
        and m.sent_at < (${range.to}::date + 1)::timestamp at time zone 'UTC'
      group by 1
    )
    select to_char(d.day, 'YYYY-MM-DD') as day,
           coalesce(c.outbound, 0)::int as outbound,
           coalesce(c.inbound, 0)::int as inbound
    from (select g::date as day from generate_series(${range.from}::date, ${range.to}::date, interval '1 day') g) d
    left join counts c on c.day = d.day
    order by d.day
  `);
  const days = Array.from(rows, (row) => ({ day: String(row.day), outbound: Number(row.outbound), inbound: Number(row.inbound) }));
  const outbound = days.reduce((sum, d) => sum + d.outbound, 0);
  const inbound = days.reduce((sum, d) => sum + d.inbound, 0);
  return { days, totals: { total: outbound + inbound, outbound, inbound } };
}

function firstValue(params: URLSearchParams | Record<string, string | string[] | undefined>, key: string): string | undefined {
  const raw = params instanceof URLSearchParams ? (params.get(key) ?? undefined) : params[key];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value ? value : undefined;
}

/** The last `DEFAULT_REPORT_DAYS` UTC days, today included. */
export function defaultReportRange(now: Date): ReportRange {
  const to = now.toISOString().slice(0, 10);
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_REPORT_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  return { from, to };
}

/**
 * The range from the page's URL (?from=…&to=…). Never throws: a bad or missing value falls back
 * to the default range and says why, so a hand-edited link still shows a report.
 */
export function parseReportRange(
  params: URLSearchParams | Record<string, string | string[] | undefined>,
  now: Date,
): { range: ReportRange; error: string | null } {
  const fallback = defaultReportRange(now);
  const from = firstValue(params, 'from');
  const to = firstValue(params, 'to');
  if (!from && !to) return { range: fallback, error: null };
  // One end given: the other keeps a sensible default relative to it.
  const range = {
    from: from ?? (to && isCalendarDay(to) ? new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_REPORT_DAYS - 1) * DAY_MS).toISOString().slice(0, 10) : fallback.from),
    to: to ?? fallback.to,
  };
  const problem = rangeProblem(range);
  return problem ? { range: fallback, error: `${problem} Showing the last ${DEFAULT_REPORT_DAYS} days.` } : { range, error: null };
}

/** How the chart groups days into bars. */
export const REPORT_UNITS = ['day', 'week', 'month'] as const;
export type ReportUnit = (typeof REPORT_UNITS)[number];

/** Daily bars up to this many days; a longer range gets weekly bars unless months are asked for (a year is not 366 hairlines). */
export const MAX_DAILY_DAYS = 92;

/** One bar: the days `start`..`end` (inclusive, UTC) of the range, clipped to it at either end. */
export type ReportPeriod = { start: string; end: string; outbound: number; inbound: number };
export type MessagesReport = {
  unit: ReportUnit;
  periods: ReportPeriod[];
  totals: MessagesPerDay['totals'];
};

/** The bars for a range when none is asked for: days for up to MAX_DAILY_DAYS, weeks beyond. */
export function defaultUnit(range: ReportRange): ReportUnit {
  return daysInRange(range) <= MAX_DAILY_DAYS ? 'day' : 'week';
}

/** The first day of the period `day` falls in: itself, its ISO week's Monday, or its month's first. */
export function periodStartOf(day: string, unit: ReportUnit): string {
  if (unit === 'day') return day;
  if (unit === 'month') return `${day.slice(0, 7)}-01`;
  const date = new Date(`${day}T00:00:00Z`);
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  return new Date(date.getTime() - sinceMonday * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Days grouped into the unit's periods, in order (pure). Weeks run Monday to Sunday (ISO 8601),
 * months by the calendar; the first and last period are clipped to the range, so their `start`
 * and `end` say which days they hold.
 */
export function groupDays(days: DailyMessages[], unit: ReportUnit): ReportPeriod[] {
  const periods: ReportPeriod[] = [];
  let current: (ReportPeriod & { key: string }) | null = null;
  for (const d of days) {
    const key = periodStartOf(d.day, unit);
    if (!current || current.key !== key) {
      if (current) periods.push({ start: current.start, end: current.end, outbound: current.outbound, inbound: current.inbound });
      current = { key, start: d.day, end: d.day, outbound: 0, inbound: 0 };
    }
    current.end = d.day;
    current.outbound += d.outbound;
    current.inbound += d.inbound;
  }
  if (current) periods.push({ start: current.start, end: current.end, outbound: current.outbound, inbound: current.inbound });
  return periods;
}

/** The report of /reports and its CSV: the counts per day (one query), grouped into the unit's bars. */
export async function messagesReport(db: DbOrTx, orgId: string, range: ReportRange, unit: ReportUnit): Promise<MessagesReport> {
  const daily = await messagesPerDay(db, orgId, range);
  return { unit, periods: groupDays(daily.days, unit), totals: daily.totals };
}

/** The presets of /reports, counted back from today (UTC), today included. */
export const REPORT_PRESETS = [
  { id: '7d', label: 'Last 7 days', days: 7 },
  { id: '30d', label: 'Last 30 days', days: 30 },
  { id: '90d', label: 'Last 90 days', days: 90 },
  { id: '12m', label: 'Last 12 months', days: 365 },
] as const;

export function presetRange(days: number, now: Date): ReportRange {
  const to = now.toISOString().slice(0, 10);
  return { from: new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * DAY_MS).toISOString().slice(0, 10), to };
}

/**
 * The unit from the URL (?by=day|week|month); absent means `defaultUnit`. Never throws: daily
 * bars over more than MAX_DAILY_DAYS, or an unknown value, fall back to the default with a reason.
 */
export function parseReportUnit(
  params: URLSearchParams | Record<string, string | string[] | undefined>,
  range: ReportRange,
): { unit: ReportUnit; chosen: ReportUnit | null; error: string | null } {
  const raw = firstValue(params, 'by');
  const fallback = defaultUnit(range);
  if (!raw) return { unit: fallback, chosen: null, error: null };
  if (!(REPORT_UNITS as readonly string[]).includes(raw)) return { unit: fallback, chosen: null, error: 'Bars are by day, week or month; showing the usual bars for this range.' };
  const unit = raw as ReportUnit;
  if (unit === 'day' && daysInRange(range) > MAX_DAILY_DAYS) {
    return { unit: fallback, chosen: null, error: `Daily bars cover at most ${MAX_DAILY_DAYS} days; showing weekly bars.` };
  }
  return { unit, chosen: unit, error: null };
}

export const REPORT_CSV_HEADER = ['Period start', 'Period end', 'Outbound', 'Inbound', 'Total'] as const;

export function reportExportFilename(range: ReportRange, unit: ReportUnit): string {
  return `secure-messages-${range.from}-to-${range.to}-by-${unit}.csv`;
}
