import { adminRoute, streamedDownload } from '@/lib/http/route';
import { exportLicensedEmails, licensedEmailsExportFilename } from '@/lib/licensing/export-licensed-emails';

export const dynamic = 'force-dynamic';

/**
 * GET /licensed-emails/export[?q=…][&ids=…] — the licensed addresses (those matching the list's search, if
 * any; those ticked on the list with `ids`, comma-separated) as CSV (re-importable).
 */
export const GET = adminRoute(['/licensed-emails/export', 'GET'], async (request, { actor }) => {
  const now = new Date();
  const params = new URL(request.url).searchParams;
  const search = params.get('q') ?? undefined;
  const ids = params.has('ids') ? (params.get('ids') ?? '').split(',').filter(Boolean) : undefined;
  const chunks = (await exportLicensedEmails({ actor, search, ids, now }))[Symbol.asyncIterator]();
  return streamedDownload(chunks, { filename: licensedEmailsExportFilename(now), contentType: 'text/csv; charset=utf-8', where: 'licensed-emails/export' });
});
