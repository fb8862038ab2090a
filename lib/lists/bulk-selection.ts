import { z } from 'zod';
import { isUuid } from '@/lib/ids';

/**
 * What a bulk action acts on (lib/lists/bulk.ts runs it): the rows ticked on the page, or every
 * row matching the list's search and filters, up to BULK_CAP. Safe to import in the browser.
 */
export const BULK_CAP = 10_000;
export const BULK_BATCH = 500;

export const bulkSelectionSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('ids'), ids: z.array(z.string().refine(isUuid, 'Unknown id.')).min(1, 'Select at least one row.').max(BULK_CAP) }).strict(),
  z.object({ mode: z.literal('matching'), q: z.string().trim().max(254).default(''), filters: z.record(z.string(), z.string().max(100)).default({}) }).strict(),
]);
export type BulkSelection = z.infer<typeof bulkSelectionSchema>;

export type BulkRefusal = { id: string; label: string; reason: string };
export type BulkOutcome = {
  /** How many items were done. */
  done: number;
  refused: BulkRefusal[];
  /** True when "all matching" had more than BULK_CAP rows and only the first BULK_CAP were taken. */
  capped: boolean;
};

/** The summary shown after a bulk action: "3 addresses removed. 1 was not: a@x.com — That licensed address does not exist." */
export function bulkSummary(outcome: BulkOutcome, noun: { one: string; many: string }, verb: string): string {
  const parts = [`${outcome.done.toLocaleString('en-US')} ${outcome.done === 1 ? noun.one : noun.many} ${verb}.`];
  if (outcome.capped) parts.push(`Only the first ${BULK_CAP.toLocaleString('en-US')} matching were taken.`);
  if (outcome.refused.length > 0) {
    parts.push(`${outcome.refused.length.toLocaleString('en-US')} ${outcome.refused.length === 1 ? 'was' : 'were'} not: ${outcome.refused.map((r) => `${r.label} — ${r.reason}`).join('; ')}`);
  }
  return parts.join(' ');
}
