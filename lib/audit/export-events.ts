import 'server-only';
import { getDb } from '@/db/client';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { CSV_BOM, csvRow } from '@/lib/csv/csv';
import { AppError } from '@/lib/errors/app-error';
import { describeAuditFilters, type AuditFilters } from './filters';
import { countAuditEvents, formatEventCount, streamAuditEventsCsv } from './queries';
import { recordAuditEvent } from './record';

export const EVENTS_CSV_HEADER = ['Time (UTC)', 'Actor', 'Action', 'Target', 'Summary', 'Client address'] as const;

export function eventsExportFilename(now: Date): string {
  return `events-${now.toISOString().slice(0, 10)}.csv`;
}

/**
 * Exports the organisation's events matching `filters` (all pages: any cursor is dropped) as CSV
 * chunks: the header as text, then one buffer of UTF-8 lines per batch (formatted by PostgreSQL,
 * see `streamAuditEventsCsv`). Records the export as an event of its own.
 *
 * The first batch is read before the export event is written: that pins where the export starts,
 * so the file holds neither its own event nor anything recorded while it streams.
 */
export async function exportAuditEvents(input: {
  actor: AdminActor;
  filters: AuditFilters;
  now?: Date;
  batchSize?: number;
}): Promise<AsyncIterable<string | Uint8Array>> {
  const { actor } = input;
  if (!can(actor.level, 'events.export')) throw new AppError('forbidden', 'Your administrator level does not allow exporting events.');
  const db = getDb();
  const now = input.now ?? new Date();
  const filters: AuditFilters = { ...input.filters, cursor: undefined };

  const batches = streamAuditEventsCsv(db, actor.orgId, filters, input.batchSize);
  const [first, total] = await Promise.all([batches.next(), countAuditEvents(db, actor.orgId, filters)]);
  const described = describeAuditFilters(filters);
  const filename = eventsExportFilename(now);
  await db.transaction(async (tx) => {
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'events.exported',
      summary: `Exported ${formatEventCount(total)}${described ? ` (${described})` : ''}`,
      target: { type: 'export', id: filename, label: filename },
      clientAddress: actor.clientAddress,
      metadata: { filters, rows: total.count, capped: total.capped },
      now,
    });
  });

  return (async function* chunks() {
    yield CSV_BOM + csvRow(EVENTS_CSV_HEADER);
    if (first.done) return;
    yield first.value;
    yield* batches;
  })();
}
