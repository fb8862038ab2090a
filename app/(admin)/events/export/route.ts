import { eventsExportFilename, exportAuditEvents } from '@/lib/audit/export-events';
import { parseAuditFilters } from '@/lib/audit/filters';
import { adminRoute, jsonError, streamedDownload } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** GET /events/export?category=&actor=&from=&to= — the filtered audit trail as CSV (`events.export`). */
export const GET = adminRoute(['/events/export', 'GET'], async (request, { actor }) => {
  const { filters, errors } = parseAuditFilters(request.nextUrl.searchParams);
  if (errors.length > 0) return jsonError('invalid_input', errors.map((e) => e.message).join(' '), 400);
  const now = new Date();
  const chunks = (await exportAuditEvents({ actor, filters, now }))[Symbol.asyncIterator]();
  return streamedDownload(chunks, { filename: eventsExportFilename(now), contentType: 'text/csv; charset=utf-8', where: 'events/export' });
});
