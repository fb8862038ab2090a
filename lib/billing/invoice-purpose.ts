import type { InvoiceLine } from '@/db/schema/billing';
import { formatDay, plural } from '@/lib/format';

/** A line's service period as shown: "1 Jan 2027 – 1 Jan 2028". */
export function describePeriod(period: { from: string; to: string }): string {
  return `${formatDay(period.from)} – ${formatDay(period.to)}`;
}

/**
 * What an invoice was for, in a few words for the invoices list and its emails: "3 licenses" or
 * "Renewal of 50 licenses", with the service period when the invoice records it. Pure.
 */
export function invoicePurpose(input: { kind: 'licenses' | 'renewal'; quantity: number; lines: InvoiceLine[] }): string {
  const period = input.lines[0]?.period;
  const what = input.kind === 'renewal' ? `Renewal of ${plural(input.quantity, 'license')}` : `${plural(input.quantity, 'license')} added`;
  return period ? `${what}, ${describePeriod(period)}` : what;
}
