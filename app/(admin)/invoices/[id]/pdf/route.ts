import { getDb } from '@/db/client';
import { invoicePdfFilename, pdfRequester, renderInvoicePdfFor } from '@/lib/billing/invoice-pdf';
import { getInvoice } from '@/lib/billing/queries';
import { adminRoute, jsonError } from '@/lib/http/route';
import { PdfRenderError } from '@/lib/pdf/render-pdf';

export const dynamic = 'force-dynamic';

/**
 * GET /invoices/[id]/pdf — the printable invoice page rendered by headless Chromium with the
 * requester's own session, so the PDF is exactly what they may see.
 */
export const GET = adminRoute<{ id: string }>(['/invoices/[id]/pdf', 'GET'], async (request, { actor: admin, params }) => {
  const invoice = await getInvoice(getDb(), admin.orgId, params.id);
  if (!invoice) return jsonError('not_found', 'That invoice does not exist.', 404);
  try {
    const pdf = await renderInvoicePdfFor(pdfRequester(request), admin.orgId, invoice.id);
    return new Response(new Uint8Array(pdf), {
      headers: {
        'Content-Type': 'application/pdf',
        'Content-Disposition': `attachment; filename="${invoicePdfFilename(invoice.number)}"`,
        'Cache-Control': 'private, no-store',
        'X-Content-Type-Options': 'nosniff',
      },
    });
  } catch (e) {
    if (e instanceof PdfRenderError && (e.code === 'timeout' || e.code === 'browser_unavailable')) {
      console.error('[invoices/pdf]', e.message);
      return jsonError('unavailable', 'The PDF could not be made right now. Try again in a moment, or print the invoice page.', 503);
    }
    throw e;
  }
});
