import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeBrowser, configurePdfPool, pdfPoolStats } from './browser';
import { PdfRenderError, renderPdf } from './render-pdf';
import { resetEnvCache } from '@/lib/env';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the PDF rendering tests: ${CHROMIUM} is missing (apt-get install chromium).`);

const SESSION_COOKIE = '__Secure-authjs.session-token';

const invoiceHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice INV-2026-0042</title>
<style>
  @page { size: A4; }
  body { font-family: sans-serif; font-size: 11pt; color: #111; }
  .band { background: #1e3a8a; color: #fff; padding: 8px 12px; }
  table { width: 100%; border-collapse: collapse; }
  td, th { border-bottom: 1px solid #ccc; padding: 4px; text-align: left; }
  @media screen { .print-only { display: none; } }
</style></head>
<body>
  <div class="band"><h1>INVOICE</h1></div>
  <p>Invoice number: INV-2026-0042</p>
  <p>Billed to: Acme Health GmbH</p>
  <table><thead><tr><th>Item</th><th>Qty</th><th>Amount</th></tr></thead>
  <tbody><tr><td>Secure messaging licence</td><td>25</td><td>EUR 1,234.50</td></tr></tbody></table>
  <p>Total due: EUR 1,234.50</p>
  <p class="print-only">Printed copy</p>
</body></html>`;

function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sealpost-pdf-'));
  try {
    const file = path.join(dir, 'out.pdf');
    writeFileSync(file, pdf);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  stat: string;
  comm: string;
}

function processes(): Proc[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,stat=,comm='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 5)
    .map(([pid, ppid, pgid, stat, ...comm]) => ({
      pid: Number(pid),
      ppid: Number(ppid),
      pgid: Number(pgid),
      stat,
      comm: comm.join(' '),
    }));
}

/** Chromium runs in its own process group (launched detached), led by the browser process. */
function processesInGroups(groups: ReadonlySet<number>): Proc[] {
  return processes().filter((p) => groups.has(p.pgid));
}

async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

describe.skipIf(!hasChromium)(`renderPdf (needs Chromium at ${CHROMIUM})`, () => {
  let server: http.Server;
  let base = '';
  const browserGroups = new Set<number>();

  const rememberBrowser = () => {
    const pid = pdfPoolStats().browserPid;
    if (pid !== null) browserGroups.add(pid);
    return pid;
  };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const session = cookieValue(req.headers.cookie, SESSION_COOKIE);
      const html = (body: string) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'private, max-age=3600' });
        res.end(`<!doctype html><html><body>${body}</body></html>`);
      };
      switch (req.url) {
        case '/invoices/42/print':
          if (!session) {
            res.writeHead(401, { 'content-type': 'text/plain' }).end('Sign in first');
            return;
          }
          html(`<h1>Invoice INV-2026-0042</h1><p>Rendered for ${session}</p>`);
          return;
        case '/remember':
          // Leaves the user's name in localStorage and shows what an earlier render left there.
          if (!session) {
            res.writeHead(401, { 'content-type': 'text/plain' }).end('Sign in first');
            return;
          }
          html(
            `<p id="out"></p><script>
              document.getElementById('out').textContent = 'Left behind: ' + (localStorage.getItem('who') || 'nothing');
              localStorage.setItem('who', ${JSON.stringify(session)});
            </script>`,
          );
          return;
        case '/login':
          html('<h1>Sign in</h1>');
          return;
        case '/needs-login':
          res.writeHead(307, { location: '/login' }).end();
          return;
        case '/slow':
          // Never answers: the render must give up on its own.
          return;
        default:
          res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await closeBrowser();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    configurePdfPool({ maxPages: 4 });
  });

  it('renders an HTML invoice', { timeout: 60_000 }, async () => {
    const pdf = await renderPdf({ html: invoiceHtml });
    rememberBrowser();
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(pdf);
    for (const expected of ['INVOICE', 'INV-2026-0042', 'Acme Health GmbH', 'Secure messaging licence', 'Total due: EUR 1,234.50']) {
      expect(text).toContain(expected);
    }
    // Print media is emulated, so print-only content appears.
    expect(text).toContain('Printed copy');
  });

  it('renders a page of the app with the session cookie, and refuses without it', { timeout: 60_000 }, async () => {
    const url = `${base}/invoices/42/print`;
    const pdf = await renderPdf({ url, cookies: [{ name: SESSION_COOKIE, value: 'alice' }] }, { format: 'Letter' });
    expect(pdfText(pdf)).toContain('Invoice INV-2026-0042');
    expect(pdfText(pdf)).toContain('Rendered for alice');

    await expect(renderPdf({ url })).rejects.toMatchObject({ name: 'PdfRenderError', code: 'http_status', status: 401 });
  });

  it('rejects a 404, a redirect to the sign-in page, and a bad source', { timeout: 60_000 }, async () => {
    await expect(renderPdf({ url: `${base}/invoices/404/print` })).rejects.toMatchObject({ code: 'http_status', status: 404 });
    await expect(renderPdf({ url: `${base}/needs-login` })).rejects.toMatchObject({ code: 'redirected' });
    await expect(renderPdf({ url: 'file:///etc/passwd' })).rejects.toMatchObject({ code: 'invalid_source' });
    await expect(
      renderPdf({ url: 'https://example.com/x', cookies: [{ name: SESSION_COOKIE, value: 'alice' }] }),
    ).rejects.toMatchObject({ code: 'invalid_source' });
  });

  it('never carries one render’s session into the next render on the same page', { timeout: 60_000 }, async () => {
    configurePdfPool({ maxPages: 1 });
    const url = `${base}/invoices/42/print`;
    const launches = pdfPoolStats().launches;
    // The response is cacheable (private, max-age), so this also shows the HTTP cache is not used.
    await renderPdf({ url, cookies: [{ name: SESSION_COOKIE, value: 'alice' }] });
    await expect(renderPdf({ url })).rejects.toMatchObject({ code: 'http_status', status: 401 });
    const pdf = await renderPdf({ url, cookies: [{ name: SESSION_COOKIE, value: 'bob' }] });
    expect(pdfText(pdf)).toContain('Rendered for bob');
    expect(pdfText(pdf)).not.toContain('alice');
    await renderPdf({ url: `${base}/remember`, cookies: [{ name: SESSION_COOKIE, value: 'carol' }] });
    const next = await renderPdf({ url: `${base}/remember`, cookies: [{ name: SESSION_COOKIE, value: 'dave' }] });
    expect(pdfText(next)).toContain('Left behind: nothing');
    expect(await eventually(() => pdfPoolStats().inUse === 0, 5_000)).toBe(true);
    expect(pdfPoolStats()).toMatchObject({ openPages: 1, launches });
  });

  it('renders without running the page’s scripts when asked, and runs them again on the next render of the same page', { timeout: 60_000 }, async () => {
    configurePdfPool({ maxPages: 1 });
    const url = `${base}/remember`;
    const silent = pdfText(await renderPdf({ url, cookies: [{ name: SESSION_COOKIE, value: 'erin' }], scripts: false }));
    expect(silent).not.toContain('Left behind');
    const scripted = pdfText(await renderPdf({ url, cookies: [{ name: SESSION_COOKIE, value: 'frank' }] }));
    expect(scripted).toContain('Left behind: nothing');
  });

  it('keeps concurrent renders for different users apart', { timeout: 60_000 }, async () => {
    configurePdfPool({ maxPages: 3 });
    const users = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay'];
    const pdfs = await Promise.all(
      users.map((user) => renderPdf({ url: `${base}/invoices/42/print`, cookies: [{ name: SESSION_COOKIE, value: user }] })),
    );
    pdfs.forEach((pdf, i) => {
      const text = pdfText(pdf);
      expect(text).toContain(`Rendered for ${users[i]}`);
      for (const other of users.filter((u) => u !== users[i])) expect(text).not.toContain(`Rendered for ${other}`);
    });
  });

  it('times out with a clear error and keeps working afterwards', { timeout: 60_000 }, async () => {
    const started = Date.now();
    const error = await renderPdf({ url: `${base}/slow` }, { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PdfRenderError);
    expect(error).toMatchObject({ code: 'timeout' });
    expect((error as Error).message).toMatch(/timed out after 1000 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(pdfText(await renderPdf({ html: invoiceHtml }))).toContain('INV-2026-0042');
  });

  it('relaunches Chromium after it is killed between two renders', { timeout: 60_000 }, async () => {
    await renderPdf({ html: invoiceHtml });
    const pid = rememberBrowser();
    expect(pid).not.toBeNull();
    const launches = pdfPoolStats().launches;
    process.kill(pid ?? 0, 'SIGKILL');

    const pdf = await renderPdf({ html: invoiceHtml });
    expect(pdfText(pdf)).toContain('INV-2026-0042');
    expect(pdfPoolStats().launches).toBe(launches + 1);
    expect(rememberBrowser()).not.toBe(pid);
    // The dead browser's zygote, GPU and renderer processes do not linger.
    const group = new Set([pid ?? 0]);
    expect(await eventually(() => processesInGroups(group).length === 0, 10_000), JSON.stringify(processesInGroups(group))).toBe(true);
  });

  it('shares one relaunch between concurrent renders after a crash', { timeout: 60_000 }, async () => {
    await renderPdf({ html: invoiceHtml });
    const pid = rememberBrowser();
    const launches = pdfPoolStats().launches;
    process.kill(pid ?? 0, 'SIGKILL');
    // Wait until the disconnect is noticed, so every render below needs the relaunch.
    expect(await eventually(() => pdfPoolStats().browserPid === null, 5_000)).toBe(true);

    const pdfs = await Promise.all(Array.from({ length: 5 }, () => renderPdf({ html: invoiceHtml })));
    expect(pdfs).toHaveLength(5);
    expect(pdfPoolStats().launches).toBe(launches + 1);
    rememberBrowser();
  });

  it('runs 12 concurrent renders through a pool of 3 pages', { timeout: 60_000 }, async () => {
    await closeBrowser(); // starts the peak count afresh
    configurePdfPool({ maxPages: 3 });
    const renders = Array.from({ length: 12 }, (_, i) =>
      renderPdf({ html: invoiceHtml.replaceAll('INV-2026-0042', `INV-2026-${String(i).padStart(4, '0')}`) }),
    );
    expect(pdfPoolStats()).toMatchObject({ inUse: 3, waiting: 9 });
    let maxSeen = 0;
    const sampler = setInterval(() => {
      maxSeen = Math.max(maxSeen, pdfPoolStats().openPages);
    }, 2);
    try {
      const pdfs = await Promise.all(renders);
      pdfs.forEach((pdf, i) => expect(pdfText(pdf)).toContain(`INV-2026-${String(i).padStart(4, '0')}`));
    } finally {
      clearInterval(sampler);
    }
    rememberBrowser();
    expect(maxSeen).toBeLessThanOrEqual(3);
    expect(pdfPoolStats().peakOpenPages).toBeLessThanOrEqual(3);
    expect(await eventually(() => pdfPoolStats().inUse === 0, 5_000)).toBe(true);
    expect(pdfPoolStats()).toMatchObject({ waiting: 0, openPages: 3, idle: 3 });
  });

  it('does not pile up processes over 120 renders', { timeout: 60_000 }, async () => {
    configurePdfPool({ maxPages: 3 });
    await Promise.all([1, 2, 3].map(() => renderPdf({ html: invoiceHtml })));
    const pid = rememberBrowser() ?? 0;
    const group = new Set([pid]);
    const before = processesInGroups(group).length;
    // URL renders are included because their navigations make Chromium start new renderer
    // processes (site isolation), which inline HTML does not.
    const cookies = [{ name: SESSION_COOKIE, value: 'alice' }];
    for (let batch = 0; batch < 40; batch++) {
      await Promise.all([
        renderPdf({ html: invoiceHtml }),
        renderPdf({ url: `${base}/invoices/42/print`, cookies }),
        renderPdf({ url: `${base}/invoices/42/print`, cookies }),
      ]);
    }
    expect(pdfPoolStats()).toMatchObject({ browserPid: pid, openPages: 3 });
    // Renderer processes come and go with navigations, and for a moment an exited one is a zombie
    // until Chromium reaps it; what matters is that none of them accumulate.
    const settled = () => {
      const now = processesInGroups(group);
      return now.every((p) => !p.stat.startsWith('Z')) && now.length <= before + 3;
    };
    expect(await eventually(settled, 5_000), JSON.stringify({ before, after: processesInGroups(group) })).toBe(true);
  });

  it('reports a browser that cannot be launched', { timeout: 60_000 }, async () => {
    await closeBrowser();
    const saved = process.env.CHROME_PATH;
    process.env.CHROME_PATH = '/nonexistent/chromium';
    resetEnvCache();
    try {
      await expect(renderPdf({ html: invoiceHtml })).rejects.toMatchObject({
        code: 'browser_unavailable',
        message: expect.stringContaining('/nonexistent/chromium'),
      });
      expect(pdfPoolStats()).toMatchObject({ openPages: 0, inUse: 0, browserPid: null });
    } finally {
      if (saved === undefined) delete process.env.CHROME_PATH;
      else process.env.CHROME_PATH = saved;
      resetEnvCache();
    }
    expect(pdfText(await renderPdf({ html: invoiceHtml }))).toContain('INV-2026-0042');
    rememberBrowser();
  });

  it('leaves no Chromium process behind after closeBrowser()', { timeout: 60_000 }, async () => {
    await renderPdf({ html: invoiceHtml });
    rememberBrowser();
    await closeBrowser();
    expect(pdfPoolStats()).toMatchObject({ browserPid: null, openPages: 0 });
    expect(browserGroups.size).toBeGreaterThan(1);
    const leftovers = () => [
      ...processesInGroups(browserGroups),
      ...processes().filter((p) => p.ppid === process.pid && /chrom/i.test(p.comm)),
    ];
    expect(await eventually(() => leftovers().length === 0, 10_000), JSON.stringify(leftovers())).toBe(true);
  });
});
