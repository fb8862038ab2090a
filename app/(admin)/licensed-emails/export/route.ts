import { authorizeRoute, errorResponse, streamedDownload } from '@/lib/http/route';
import { exportLicensedEmails, licensedEmailsExportFilename } from '@/lib/licensing/export-licensed-emails';

export const dynamic = 'force-dynamic';

/**
 * GET /licensed-emails/export[?q=…][&ids=…] — the licensed addresses (those matching the list's search, if
 * any; those ticked on the list with `ids`, comma-separated) as CSV (re-importable).
 */
export async function GET(request: Request) {
  const admin = await authorizeRoute('licensed_emails.view');
  if (admin instanceof Response) return admin;
  const now = new Date();
  try {
    const params = new URL(request.url).searchParams;
    const search = params.get('q') ?? undefined;
    const ids = params.has('ids') ? (params.get('ids') ?? '').split(',').filter(Boolean) : undefined;
    const chunks = (await exportLicensedEmails({ actor: admin, search, ids, now }))[Symbol.asyncIterator]();
    return streamedDownload(chunks, { filename: licensedEmailsExportFilename(now), contentType: 'text/csv; charset=utf-8', where: 'licensed-emails/export' });
  } catch (e) {
    return errorResponse(e, 'licensed-emails/export');
  }
}
