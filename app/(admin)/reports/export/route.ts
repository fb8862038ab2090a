import type { NextRequest } from 'next/server';
import { authorizeRoute, errorResponse, jsonError } from '@/lib/http/route';
import { exportMessagesReport } from '@/lib/messaging/export-report';
import { parseReportRange, parseReportUnit } from '@/lib/messaging/reports';

export const dynamic = 'force-dynamic';

/** GET /reports/export?from=&to=&by= — the report's bars as CSV (`reports.view`). A bad range is refused, not replaced. */
export async function GET(request: NextRequest) {
  const admin = await authorizeRoute('reports.view');
  if (admin instanceof Response) return admin;
  const params = request.nextUrl.searchParams;
  const { range, error } = parseReportRange(params, new Date());
  if (error) return jsonError('invalid_input', error, 400);
  const { unit, error: unitError } = parseReportUnit(params, range);
  if (unitError) return jsonError('invalid_input', unitError, 400);
  try {
    const { filename, csv } = await exportMessagesReport({ actor: admin, range, unit });
    return new Response(csv, {
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="${filename}"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      },
    });
  } catch (e) {
    return errorResponse(e, 'reports/export');
  }
}
