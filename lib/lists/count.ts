import { sql, type SQLWrapper } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';

/**
 * How many rows a list has: exact when small, the planner's estimate when large. Counting a
 * million rows costs as much as reading them; EXPLAIN's row estimate costs a plan. Above
 * ESTIMATE_ABOVE the estimate is shown as "about 1.2 million".
 */
export type ListTotal = { n: number; exact: boolean };

export const ESTIMATE_ABOVE = 100_000;

/** The planner's row estimate for `query` (a select without limit). */
export async function planRows(db: DbOrTx, query: SQLWrapper): Promise<number> {
  const result = await db.execute<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(sql`explain (format json) ${query}`);
  const plan = (result as unknown as { 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[])[0]?.['QUERY PLAN'][0]?.Plan;
  return Math.round(plan?.['Plan Rows'] ?? 0);
}

/**
 * The total of the rows `query` selects: the estimate when the planner expects more than
 * ESTIMATE_ABOVE, otherwise `count(*)`.
 */
export async function countOrEstimate(db: DbOrTx, query: SQLWrapper): Promise<ListTotal> {
  const estimate = await planRows(db, query);
  if (estimate > ESTIMATE_ABOVE) return { n: estimate, exact: false };
  const [row] = (await db.execute<{ n: number }>(sql`select count(*)::int as n from (${query}) as counted`)) as unknown as { n: number }[];
  return { n: row?.n ?? 0, exact: true };
}

/** "9,720", or "about 120,000" / "about 1.2 million" for an estimate. */
export function formatTotal(total: ListTotal): string {
  if (total.exact) return total.n.toLocaleString('en-US');
  if (total.n >= 1_000_000) {
    const millions = total.n / 1_000_000;
    return `about ${millions >= 100 ? Math.round(millions) : Number(millions.toPrecision(2))} million`;
  }
  return `about ${Number(total.n.toPrecision(2)).toLocaleString('en-US')}`;
}

/** "1–50 of 9,720" for the rows from `start` (1-based), `shown` of them; "51–100" when the total is not known. */
export function rangeLabel(start: number, shown: number, total: ListTotal | null): string {
  if (shown === 0) return total ? `0 of ${formatTotal(total)}` : '0';
  const end = start + shown - 1;
  const range = `${start.toLocaleString('en-US')}–${end.toLocaleString('en-US')}`;
  return total ? `${range} of ${formatTotal(total)}` : range;
}
