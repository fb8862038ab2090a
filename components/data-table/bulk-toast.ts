'use client';

import { toast } from '@/components/ui/toast';
import { plural } from '@/lib/format';
import { bulkSummary, type BulkOutcome } from '@/lib/lists/bulk-selection';

/**
 * What a bulk action did, said once for every list: "3 addresses removed", or, when some items
 * were refused, an error that stays until dismissed and names each refused item and why.
 */
export function toastBulkOutcome(outcome: BulkOutcome, noun: { one: string; many: string }, verb: string) {
  const refused = outcome.refused.length > 0;
  toast({
    title: refused ? `Some ${noun.many} were not ${verb}` : `${plural(outcome.done, noun.one, noun.many)} ${verb}`,
    description: bulkSummary(outcome, noun, verb),
    variant: refused ? 'error' : 'success',
    persist: refused,
  });
}
