import { adminRoute, streamedDownload } from '@/lib/http/route';
import { exportLicensedEmails, licensedEmailsExportFilename } from '@/lib/licensing/export-licensed-emails';

export const dynamic = 'force-dynamic';

/** GET /licensed-emails/export[?q=…] — the licensed addresses (those matching the list's search, if any) as CSV (re-importable). */
export const GET = adminRoute(['/licensed-emails/export', 'GET'], async (request, { actor }) => {
  const now = new Date();
  const search = request.nextUrl.searchParams.get('q') ?? undefined;
  const chunks = (await exportLicensedEmails({ actor, search, now }))[Symbol.asyncIterator]();
  return streamedDownload(chunks, { filename: licensedEmailsExportFilename(now), contentType: 'text/csv; charset=utf-8', where: 'licensed-emails/export' });
});
