import { authorizeRoute, errorResponse, streamedDownload } from '@/lib/http/route';
import { exportLicensedEmails, licensedEmailsExportFilename } from '@/lib/licensing/export-licensed-emails';

export const dynamic = 'force-dynamic';

/** GET /licensed-emails/export[?q=…] — the licensed addresses (those matching the list's search, if any) as CSV (re-importable). */
export async function GET(request: Request) {
  const admin = await authorizeRoute('licensed_emails.view');
  if (admin instanceof Response) return admin;
  const now = new Date();
  try {
    const search = new URL(request.url).searchParams.get('q') ?? undefined;
    const chunks = (await exportLicensedEmails({ actor: admin, search, now }))[Symbol.asyncIterator]();
    return streamedDownload(chunks, { filename: licensedEmailsExportFilename(now), contentType: 'text/csv; charset=utf-8', where: 'licensed-emails/export' });
  } catch (e) {
    return errorResponse(e, 'licensed-emails/export');
  }
}
