/**
 * Renders HTML, or a page of the app itself, to PDF with the shared Chromium of ./browser.
 *
 * Invoices are rendered from the app's own printable page (`/invoices/[id]/print`) with the
 * requesting user's session cookie, so the page authorizes the render exactly as it would a
 * browser.
 */
import { TimeoutError } from 'puppeteer-core';
import { metrics } from '@/lib/metrics';
import { acquirePage, type PageLease } from './browser';

export interface PdfCookie {
  name: string;
  value: string;
  /** Defaults to the URL's host; any other host is refused. */
  domain?: string;
  path?: string;
}

export type PdfSource =
  | {
      url: string;
      /** Only for http://127.0.0.1 or http://localhost URLs, so a session never leaves the box. */
      cookies?: PdfCookie[];
      /** Sent with every request the page makes, subresources included. */
      extraHeaders?: Record<string, string>;
      /**
       * Run the page's scripts (the default). A server-rendered document prints the same without
       * them, and skipping them spares Chromium loading and running the app's client code.
       */
      scripts?: boolean;
    }
  | { html: string };

export interface RenderPdfOptions {
  format?: 'A4' | 'Letter';
  /** Covers queueing for a page, a browser (re)launch, loading and printing. */
  timeoutMs?: number;
}

export type PdfRenderErrorCode =
  | 'invalid_source'
  /** Chromium could not be launched, or the renderer was shut down while this render waited. */
  | 'browser_unavailable'
  | 'timeout'
  | 'http_status'
  | 'redirected'
  | 'navigation_failed'
  | 'render_failed';

export class PdfRenderError extends Error {
  readonly code: PdfRenderErrorCode;
  /** The response status, for `http_status`. */
  readonly status?: number;

  constructor(code: PdfRenderErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PdfRenderError';
    this.code = code;
    this.status = options.status;
  }
}

const DEFAULT_TIMEOUT_MS = 15_000;
const MARGIN = { top: '12mm', right: '12mm', bottom: '12mm', left: '12mm' };
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);

interface UrlTarget {
  url: URL;
  cookies: PdfCookie[];
  extraHeaders: Record<string, string> | undefined;
  scripts: boolean;
}

export async function renderPdf(source: PdfSource, options: RenderPdfOptions = {}): Promise<Buffer> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const format = options.format ?? 'A4';
  // Validated before queueing so that a bad call fails at once instead of after a wait.
  const target = 'url' in source ? parseUrlSource(source) : null;
  const label = target ? `${target.url.origin}${target.url.pathname}` : 'inline HTML';
  const deadline = Date.now() + timeoutMs;

  const timedOut = (cause?: unknown) =>
    new PdfRenderError('timeout', `PDF render of ${label} timed out after ${timeoutMs} ms`, { cause });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(timedOut()), timeoutMs);
  const started = performance.now();
  let outcome = 'failed';
  try {
    // One retry, for a render whose page belonged to a browser that died under it: the
    // disconnect is noticed asynchronously, so a render that starts right after Chromium dies
    // can still be handed one of its pages.
    for (let attempt = 1; ; attempt++) {
      const acquiring = acquirePage(controller.signal);
      const lease = await untilAborted(acquiring, controller.signal).catch((error: unknown) => {
        // A page handed out just as the deadline passed would otherwise keep its slot forever.
        acquiring.then((late) => late.release({ reusable: true }), () => undefined);
        if (controller.signal.aborted) throw controller.signal.reason;
        const detail = error instanceof Error ? error.message : String(error);
        throw new PdfRenderError('browser_unavailable', `No browser page for the PDF render of ${label}: ${detail}`, {
          cause: error,
        });
      });
      let reusable = false;
      try {
        const pdf = await untilAborted(renderOn(lease, source, target, format, deadline, label), controller.signal);
        reusable = true;
        outcome = 'rendered';
        return pdf;
      } catch (error) {
        if (controller.signal.aborted) throw controller.signal.reason;
        // These responses are ordinary answers from a healthy page.
        if (error instanceof PdfRenderError && (error.code === 'http_status' || error.code === 'redirected')) {
          reusable = true;
          throw error;
        }
        // Puppeteer's own per-call timeouts, set to the same deadline, may fire just before ours.
        if (error instanceof TimeoutError) throw timedOut(error);
        if (attempt === 1 && !lease.browser.connected) continue;
        throw toRenderError(error, label);
      } finally {
        // Not awaited: the caller gets its PDF while the page is reset; the pool slot stays taken
        // until the reset is done.
        void lease.release({ reusable, clearOrigins: target ? [target.url.origin] : [] });
      }
    }
  } finally {
    clearTimeout(timer);
    metrics().pdfRenders.inc({ outcome });
    metrics().pdfRenderDuration.observe((performance.now() - started) / 1000);
  }
}

function parseUrlSource(source: Extract<PdfSource, { url: string }>): UrlTarget {
  let url: URL;
  try {
    url = new URL(source.url);
  } catch {
    throw new PdfRenderError('invalid_source', 'PDF source URL is not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PdfRenderError('invalid_source', `PDF source URL must be http or https, not ${url.protocol}`);
  }
  const cookies = source.cookies ?? [];
  if (cookies.length > 0 && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new PdfRenderError('invalid_source', 'Cookies are only sent to a PDF source on 127.0.0.1 or localhost');
  }
  for (const cookie of cookies) {
    if (cookie.domain !== undefined && cookie.domain !== url.hostname) {
      throw new PdfRenderError('invalid_source', `Cookie ${cookie.name} is for ${cookie.domain}, not ${url.hostname}`);
    }
  }
  return { url, cookies, extraHeaders: source.extraHeaders, scripts: source.scripts ?? true };
}

async function renderOn(
  lease: PageLease,
  source: PdfSource,
  target: UrlTarget | null,
  format: 'A4' | 'Letter',
  deadline: number,
  label: string,
): Promise<Buffer> {
  const { page, context } = lease;
  const remaining = () => Math.max(1, deadline - Date.now());

  // Pages are pooled: each render sets what it needs.
  await page.setJavaScriptEnabled(target ? target.scripts : true);
  if ('html' in source) {
    await page.setContent(source.html, { waitUntil: 'load', timeout: remaining() });
  } else if (target) {
    const { url, cookies, extraHeaders } = target;
    if (cookies.length > 0) {
      await context.setCookie(
        ...cookies.map((cookie) => ({
          name: cookie.name,
          value: cookie.value,
          domain: cookie.domain ?? url.hostname,
          path: cookie.path ?? '/',
          httpOnly: true,
          // Chromium refuses __Secure-/__Host- cookies without the flag, and sends Secure
          // cookies to http://127.0.0.1 and http://localhost, which it treats as secure origins.
          secure: url.protocol === 'https:' || /^__(Secure|Host)-/.test(cookie.name),
          sameSite: 'Lax' as const,
        })),
      );
    }
    if (extraHeaders) await page.setExtraHTTPHeaders(extraHeaders);

    const response = await page.goto(url.href, { waitUntil: 'load', timeout: remaining() });
    if (!response) throw new PdfRenderError('navigation_failed', `PDF source ${label} gave no response`);
    // The app answers a missing or expired session with a redirect to /login, whose 200 would
    // otherwise be printed as if it were the invoice.
    if (response.request().redirectChain().length > 0) {
      throw new PdfRenderError('redirected', `PDF source ${label} redirected to ${stripQuery(response.url())}`);
    }
    const status = response.status();
    if (status < 200 || status > 299) {
      throw new PdfRenderError('http_status', `PDF source ${label} responded with HTTP ${status}`, { status });
    }
  }

  await page.evaluate(async () => {
    await document.fonts.ready;
  });
  // A client-side redirect (meta refresh, router.replace) may have replaced the document.
  if (target && stripQuery(page.url()) !== stripQuery(target.url.href)) {
    throw new PdfRenderError('redirected', `PDF source ${label} navigated to ${stripQuery(page.url())}`);
  }

  const pdf = await page.pdf({
    format,
    printBackground: true,
    preferCSSPageSize: true,
    margin: MARGIN,
    timeout: remaining(),
  });
  return Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
}

function stripQuery(href: string): string {
  try {
    const url = new URL(href);
    return `${url.origin}${url.pathname}`;
  } catch {
    return href;
  }
}

function toRenderError(error: unknown, label: string): PdfRenderError {
  if (error instanceof PdfRenderError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  if (/net::ERR_/.test(detail)) {
    return new PdfRenderError('navigation_failed', `PDF source ${label} could not be loaded: ${detail}`, { cause: error });
  }
  return new PdfRenderError('render_failed', `PDF render of ${label} failed: ${detail}`, { cause: error });
}

/**
 * Settles with `promise`, or rejects with the abort reason as soon as `signal` aborts. The
 * abandoned promise's later rejection is swallowed: its page is closed by the caller.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
