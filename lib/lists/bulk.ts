import type { Tx } from '@/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { BULK_BATCH, type BulkOutcome, type BulkRefusal } from './bulk-selection';

/**
 * Bulk actions on a list's rows: the rows ticked on the page, or every row matching the list's
 * search and filters up to BULK_CAP. Each item goes through the same checks, change and audit
 * event as when it is done alone (the single use case's in-transaction step), in one transaction
 * per batch of BULK_BATCH items; each item runs in its own savepoint, so an item that is refused
 * is rolled back alone and reported with its reason while the others go through.
 */
export { BULK_CAP, bulkSelectionSchema, type BulkOutcome, type BulkSelection } from './bulk-selection';

/** One item of a bulk action: its change and audit event, inside the batch's transaction. Throws AppError to refuse. */
export type BulkStep = (tx: Tx, id: string) => Promise<void>;

/**
 * Runs `step` for each id, BULK_BATCH ids per transaction (opened by `transaction`, which may take
 * its locks first), each in a savepoint. Unexpected errors end the batch (and are thrown); an
 * AppError refuses that item only.
 */
export async function runBulk(
  ids: string[],
  options: {
    transaction: <T>(body: (tx: Tx) => Promise<T>) => Promise<T>;
    step: BulkStep;
    labelOf: (id: string) => string;
    capped?: boolean;
  },
): Promise<BulkOutcome> {
  const outcome: BulkOutcome = { done: 0, refused: [], capped: options.capped ?? false };
  for (let i = 0; i < ids.length; i += BULK_BATCH) {
    const batch = ids.slice(i, i + BULK_BATCH);
    const result = await options.transaction(async (tx) => {
      let done = 0;
      const refused: BulkRefusal[] = [];
      for (const id of batch) {
        try {
          await tx.transaction((savepoint) => options.step(savepoint, id));
          done++;
        } catch (e) {
          if (!isAppError(e)) throw e;
          refused.push({ id, label: options.labelOf(id), reason: e.message });
        }
      }
      return { done, refused };
    });
    outcome.done += result.done;
    outcome.refused.push(...result.refused);
  }
  return outcome;
}

