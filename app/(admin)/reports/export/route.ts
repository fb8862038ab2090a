import { adminRoute, jsonError } from '@/lib/http/route';
import { exportMessagesReport } from '@/lib/messaging/export-report';
import { parseReportRange, parseReportUnit } from '@/lib/messaging/reports';

export const dynamic = 'force-dynamic';

/** GET /reports/export?from=&to=&by= — the report's bars as CSV (`reports.view`). A bad range is refused, not replaced. */
export const GET = adminRoute(['/reports/export', 'GET'], async (request, { actor }) => {
  const params = request.nextUrl.searchParams;
  const { range, error } = parseReportRange(params, new Date());
  if (error) return jsonError('invalid_input', error, 400);
  const { unit, error: unitError } = parseReportUnit(params, range);
  if (unitError) return jsonError('invalid_input', unitError, 400);
  const { filename, csv } = await exportMessagesReport({ actor, range, unit });
  return new Response(csv, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${filename}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
});
