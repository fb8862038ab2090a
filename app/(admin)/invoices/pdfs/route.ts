import { getDb } from '@/db/client';
import { invoicePaperSize, pdfRequester, renderInvoicePdfFor } from '@/lib/billing/invoice-pdf';
import { invoicePdfsZipFilename, selectInvoicesForPdfs, zipInvoicePdfs } from '@/lib/billing/invoice-pdfs-zip';
import { adminRoute, jsonError, streamedDownload } from '@/lib/http/route';
import { bulkSelectionSchema } from '@/lib/lists/bulk-selection';
import { PdfRenderError } from '@/lib/pdf/render-pdf';

export const dynamic = 'force-dynamic';

/**
 * GET /invoices/pdfs?ids=<id>,<id>… (the invoices ticked on /invoices), or
 * ?matching=1[&status=open|paid|void] (every invoice the list's filter shows, at most BULK_CAP):
 * their PDFs as one zip, streamed (lib/billing/invoice-pdfs-zip.ts). The first PDF is made before
 * the answer starts, so a PDF renderer that is down is a 503, as for one invoice.
 */
export const GET = adminRoute(['/invoices/pdfs', 'GET'], async (request, { actor: admin }) => {
  const params = request.nextUrl.searchParams;
  const parsed = bulkSelectionSchema.safeParse(
    params.get('matching') === '1'
      ? { mode: 'matching', filters: params.has('status') ? { status: params.get('status') ?? '' } : {} }
      : { mode: 'ids', ids: (params.get('ids') ?? '').split(',').filter(Boolean) },
  );
  if (!parsed.success) return jsonError('invalid_input', parsed.error.issues[0]?.message ?? 'Select the invoices to download.', 400);
  const now = new Date();
  try {
    const { invoices } = await selectInvoicesForPdfs(getDb(), admin, parsed.data);
    const requester = pdfRequester(request);
    const format = await invoicePaperSize(admin.orgId);
    const render = (invoice: { id: string }) => renderInvoicePdfFor(requester, admin.orgId, invoice.id, format);
    const first = await render(invoices[0]);
    return streamedDownload(zipInvoicePdfs(invoices, render, first), { filename: invoicePdfsZipFilename(now), contentType: 'application/zip', where: 'invoices/pdfs' });
  } catch (e) {
    if (e instanceof PdfRenderError && (e.code === 'timeout' || e.code === 'browser_unavailable')) {
      console.error('[invoices/pdfs]', e.message);
      return jsonError('unavailable', 'The PDFs could not be made right now. Try again in a moment.', 503);
    }
    throw e;
  }
});
