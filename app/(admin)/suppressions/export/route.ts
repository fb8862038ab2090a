import { getDb } from '@/db/client';
import { auditActorOf } from '@/lib/auth/actor';
import { recordAuditEvent } from '@/lib/audit/record';
import { CSV_BOM, csvRow } from '@/lib/csv/csv';
import { adminRoute, streamedDownload } from '@/lib/http/route';
import { SOURCE_LABELS, streamSuppressions, type SuppressionRow } from '@/lib/suppressions/suppressions';
import { reasonLabel } from '@/lib/suppressions/labels';

export const dynamic = 'force-dynamic';

const HEADER = ['Address', 'Added (UTC)', 'Cause', 'Reason', 'Detail', 'Delivery event', 'Added by'] as const;

function rowsCsv(rows: SuppressionRow[]): string {
  let text = '';
  // csvRow neutralises cells that a spreadsheet would read as a formula (=, +, -, @, tab, CR get a leading ').
  for (const row of rows) text += csvRow([row.address, row.createdAt.toISOString(), SOURCE_LABELS[row.source], reasonLabel(row.reason), row.detail, row.eventId, row.createdBy]);
  return text;
}

/** GET /suppressions/export?q= — the suppression list (or its search) as formula-safe CSV. */
export const GET = adminRoute(['/suppressions/export', 'GET'], async (request, { actor: admin }) => {
  const q = (request.nextUrl.searchParams.get('q') ?? '').trim().slice(0, 254);
  const now = new Date();
  const filename = `suppressions-${now.toISOString().slice(0, 10)}.csv`;
  const db = getDb();
  await recordAuditEvent(db, {
    orgId: admin.orgId,
    actor: auditActorOf(admin),
    action: 'suppressions.exported',
    summary: `Exported the suppression list${q ? ` (search: ${q})` : ''}`,
    target: { type: 'export', id: filename, label: filename },
    clientAddress: admin.clientAddress,
    metadata: { q },
    now,
  });
  const batches = streamSuppressions(db, admin.orgId, q || undefined);
  const chunks = (async function* () {
    yield CSV_BOM + csvRow(HEADER);
    for await (const rows of batches) yield rowsCsv(rows);
  })();
  return streamedDownload(chunks, { filename, contentType: 'text/csv; charset=utf-8', where: 'suppressions/export' });
});
