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
