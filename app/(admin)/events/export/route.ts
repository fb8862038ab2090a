import type { NextRequest } from 'next/server';
import { eventsExportFilename, exportAuditEvents } from '@/lib/audit/export-events';
import { parseAuditFilters } from '@/lib/audit/filters';
import { authorizeRoute, errorResponse, jsonError, streamedDownload } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** GET /events/export?category=&actor=&from=&to= — the filtered audit trail as CSV (`events.export`). */
export async function GET(request: NextRequest) {
  const admin = await authorizeRoute('events.export');
  if (admin instanceof Response) return admin;
  const { filters, errors } = parseAuditFilters(request.nextUrl.searchParams);
  if (errors.length > 0) return jsonError('invalid_input', errors.map((e) => e.message).join(' '), 400);
  const now = new Date();
  try {
    const chunks = (await exportAuditEvents({ actor: admin, filters, now }))[Symbol.asyncIterator]();
    return streamedDownload(chunks, { filename: eventsExportFilename(now), contentType: 'text/csv; charset=utf-8', where: 'events/export' });
  } catch (e) {
    return errorResponse(e, 'events/export');
  }
}
