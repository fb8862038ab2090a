import { getDb } from '@/db/client';
import { invoicePaperSize, invoicePdfFilename } from '@/lib/billing/invoice-pdf';
import { getInvoice } from '@/lib/billing/queries';
import { internalUrl } from '@/lib/env';
import { adminRoute, jsonError } from '@/lib/http/route';
import { PdfRenderError, renderPdf } from '@/lib/pdf/render-pdf';

export const dynamic = 'force-dynamic';

/**
 * GET /invoices/[id]/pdf — the printable invoice page rendered by headless Chromium with the
 * requester's own session, so the PDF is exactly what they may see.
 */
export const GET = adminRoute<{ id: string }>(['/invoices/[id]/pdf', 'GET'], async (request, { actor: admin, params }) => {
  const invoice = await getInvoice(getDb(), admin.orgId, params.id);
  if (!invoice) return jsonError('not_found', 'That invoice does not exist.', 404);
  try {
    const pdf = await renderPdf({
      url: `${internalUrl()}/invoices/${invoice.id}/print`,
      cookies: request.cookies.getAll().map(({ name, value }) => ({ name, value })),
      // Behind HTTPS the session cookie is the __Secure- one; the print page must look for that name.
      extraHeaders: { 'x-forwarded-proto': request.headers.get('x-forwarded-proto') ?? request.nextUrl.protocol.replace(':', '') },
      // The invoice is rendered on the server; its print toolbar's script is for browsers.
      scripts: false,
    }, { format: await invoicePaperSize(admin.orgId) });
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
