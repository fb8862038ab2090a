import 'server-only';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { NextRequest } from 'next/server';
import { getDb } from '@/db/client';
import { invoices, organisations, type OutboxAttachmentSource } from '@/db/schema';
import { env, internalUrl } from '@/lib/env';
import { TransportError } from '@/lib/mail/transport';
import { PdfRenderError, renderPdf, type PdfCookie } from '@/lib/pdf/render-pdf';
import { paperSizeFor } from './paper-size';

/**
 * Invoice PDFs made with no one signed in (the PDF attached to a receipt or invoice email, by the
 * delivery job). They are rendered, like the download, from the printable page
 * `/invoices/[id]/print`, which accepts instead of a session this header carrying a token for that
 * one invoice: an HMAC under AUTH_SECRET, valid for five minutes. Only this server makes it, and it
 * is sent to this server's own internal URL only (never in a URL, so never in a log).
 */
export const INVOICE_RENDER_HEADER = 'x-sealpost-invoice-render';
const TOKEN_LIFETIME_MS = 5 * 60 * 1000;

function renderKey(): Buffer {
  const secret = env().AUTH_SECRET;
  if (!secret) throw new Error('AUTH_SECRET is not set, so invoice PDFs cannot be rendered for email');
  return createHmac('sha256', secret).update('sealpost invoice render v1').digest();
}

function sign(orgId: string, invoiceId: string, expiresAt: number): string {
  return createHmac('sha256', renderKey()).update(`${orgId}\n${invoiceId}\n${expiresAt}`).digest('base64url');
}

export function invoiceRenderToken(orgId: string, invoiceId: string, now: Date = new Date()): string {
  const expiresAt = now.getTime() + TOKEN_LIFETIME_MS;
  return `${orgId}.${expiresAt}.${sign(orgId, invoiceId, expiresAt)}`;
}

/** The organisation a token lets the print page show `invoiceId` of; null for anything else. */
export function verifyInvoiceRenderToken(token: string | null | undefined, invoiceId: string, now: Date = new Date()): string | null {
  if (!token) return null;
  const match = /^([0-9a-f-]{36})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const [, orgId, expires, signature] = match;
  const expiresAt = Number(expires);
  if (expiresAt < now.getTime() || expiresAt > now.getTime() + TOKEN_LIFETIME_MS) return null;
  let expected: Buffer;
  try {
    expected = Buffer.from(sign(orgId, invoiceId, expiresAt));
  } catch {
    return null;
  }
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? orgId : null;
}

/** The organisation's paper for its invoices (Letter in the United States, A4 elsewhere). */
export async function invoicePaperSize(orgId: string): Promise<'Letter' | 'A4'> {
  const [org] = await getDb().select({ country: organisations.country }).from(organisations).where(eq(organisations.id, orgId));
  return paperSizeFor(org?.country ?? '');
}

export function invoicePdfFilename(number: string): string {
  return `invoice-${number}.pdf`;
}

/** The requester's side of a PDF download: their session cookies and the scheme they came by. */
export type PdfRequester = { cookies: PdfCookie[]; proto: string };

export function pdfRequester(request: NextRequest): PdfRequester {
  return {
    cookies: request.cookies.getAll().map(({ name, value }) => ({ name, value })),
    proto: request.headers.get('x-forwarded-proto') ?? request.nextUrl.protocol.replace(':', ''),
  };
}

/**
 * An invoice's PDF as the requester sees it: the printable page rendered by headless Chromium
 * with the requester's own session, so the page authorizes the render exactly as it would their
 * browser (the download, app/(admin)/invoices/[id]/pdf/route.ts, and the zip of several).
 */
export async function renderInvoicePdfFor(requester: PdfRequester, orgId: string, invoiceId: string, format?: 'Letter' | 'A4'): Promise<Buffer> {
  return renderPdf(
    {
      url: `${internalUrl()}/invoices/${invoiceId}/print`,
      cookies: requester.cookies,
      // Behind HTTPS the session cookie is the __Secure- one; the print page must look for that name.
      extraHeaders: { 'x-forwarded-proto': requester.proto },
      // The invoice is rendered on the server; its print toolbar's script is for browsers.
      scripts: false,
    },
    { format: format ?? (await invoicePaperSize(orgId)) },
  );
}

/** An invoice's PDF for an email (lib/mail/deliver.ts makes queued attachments with it). */
export async function makeInvoicePdfAttachment(source: OutboxAttachmentSource): Promise<Buffer> {
  const [invoice] = await getDb()
    .select({ id: invoices.id })
    .from(invoices)
    .where(and(eq(invoices.id, source.invoiceId), eq(invoices.orgId, source.orgId)));
  if (!invoice) throw new TransportError(`Invoice ${source.invoiceId} no longer exists`, true);
  try {
    return await renderPdf(
      {
        url: `${internalUrl()}/invoices/${invoice.id}/print`,
        extraHeaders: { [INVOICE_RENDER_HEADER]: invoiceRenderToken(source.orgId, invoice.id) },
        scripts: false,
      },
      { format: await invoicePaperSize(source.orgId) },
    );
  } catch (e) {
    // The page answering 404 will answer it again; anything else (a busy or restarting browser) may pass.
    if (e instanceof PdfRenderError && e.code === 'http_status' && e.status === 404) throw new TransportError(e.message, true);
    throw e;
  }
}
