/**
 * Invoice PDF latency with a warm browser (the bar: p95 < 500 ms).
 * Run: npx tsx --import ./scripts/server-only.mjs bench/pdf.ts (its modules `import 'server-only'`)
 *
 * Besides inline HTML it renders the same invoice from a local HTTP server with a session
 * cookie, which is how the invoices feature renders `/invoices/[id]/print`; the server answers
 * at once, so that figure is the renderer's share of a real render.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeBrowser, pdfPoolStats } from '../lib/pdf/browser';
import { renderPdf } from '../lib/pdf/render-pdf';

const lines = [
  ['Secure messaging licence (annual)', 25, 39.0],
  ['Additional SMS notifications (1,000)', 4, 45.0],
  ['Archive storage, 100 GB', 1, 120.0],
  ['Onboarding workshop (remote, half day)', 1, 450.0],
  ['Priority support', 12, 15.0],
] as const;

function money(value: number): string {
  return `EUR ${value.toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const subtotal = lines.reduce((sum, [, qty, price]) => sum + qty * price, 0);
const vat = subtotal * 0.19;

const invoiceHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice INV-2026-0042</title>
<style>
  @page { size: A4; }
  * { box-sizing: border-box; }
  body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #1f2937; margin: 0; }
  header { display: flex; justify-content: space-between; align-items: flex-start;
           border-bottom: 3px solid #1e3a8a; padding-bottom: 12px; }
  .brand { font-size: 20pt; font-weight: 700; color: #1e3a8a; }
  .meta td { padding: 1px 0 1px 16px; }
  .parties { display: flex; gap: 48px; margin: 24px 0; }
  .parties h2 { font-size: 9pt; text-transform: uppercase; color: #6b7280; margin: 0 0 4px; }
  table.lines { width: 100%; border-collapse: collapse; }
  table.lines th { background: #eef2ff; text-align: left; padding: 6px; font-size: 9pt; }
  table.lines td { border-bottom: 1px solid #e5e7eb; padding: 6px; }
  .num { text-align: right; font-variant-numeric: tabular-nums; }
  .totals { margin-left: auto; width: 45%; margin-top: 12px; }
  .totals td { padding: 3px 6px; }
  .grand td { font-weight: 700; border-top: 2px solid #1e3a8a; }
  footer { margin-top: 40px; font-size: 8pt; color: #6b7280; }
</style></head>
<body>
  <header>
    <div><div class="brand">Sealpost</div><div>Sealpost GmbH · Hafenstraße 12 · 20457 Hamburg</div></div>
    <table class="meta">
      <tr><td>Invoice</td><td>INV-2026-0042</td></tr>
      <tr><td>Date</td><td>22 November 2026</td></tr>
      <tr><td>Due</td><td>6 December 2026</td></tr>
      <tr><td>Order</td><td>ORD-2026-1187</td></tr>
    </table>
  </header>
  <section class="parties">
    <div><h2>Billed to</h2>Acme Health GmbH<br>Attn. Accounts Payable<br>Lindenallee 5<br>10115 Berlin<br>VAT DE123456789</div>
    <div><h2>Payment</h2>Card ending 4242<br>Paid 22 November 2026</div>
  </section>
  <table class="lines">
    <thead><tr><th>Description</th><th class="num">Qty</th><th class="num">Unit price</th><th class="num">Amount</th></tr></thead>
    <tbody>
      ${lines
        .map(
          ([item, qty, price]) =>
            `<tr><td>${item}</td><td class="num">${qty}</td><td class="num">${money(price)}</td><td class="num">${money(qty * price)}</td></tr>`,
        )
        .join('\n      ')}
    </tbody>
  </table>
  <table class="totals">
    <tr><td>Subtotal</td><td class="num">${money(subtotal)}</td></tr>
    <tr><td>VAT 19 %</td><td class="num">${money(vat)}</td></tr>
    <tr class="grand"><td>Total</td><td class="num">${money(subtotal + vat)}</td></tr>
  </table>
  <footer>Sealpost GmbH · Registered at Amtsgericht Hamburg HRB 000000 · IBAN DE00 0000 0000 0000 0000 00</footer>
</body></html>`;

function percentile(sorted: number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function report(label: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const fmt = (ms: number) => `${ms.toFixed(0)} ms`.padStart(7);
  console.log(
    `${label.padEnd(44)} n=${String(sorted.length).padStart(3)}  p50 ${fmt(percentile(sorted, 50))}  p95 ${fmt(percentile(sorted, 95))}  max ${fmt(sorted[sorted.length - 1])}`,
  );
}

async function timed(render: () => Promise<Buffer>): Promise<number> {
  const start = performance.now();
  await render();
  return performance.now() - start;
}

async function sequential(n: number, render: () => Promise<Buffer>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await timed(render));
  return samples;
}

async function concurrent(n: number, parallel: number, render: () => Promise<Buffer>): Promise<number[]> {
  const samples: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      samples.push(await timed(render));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return samples;
}

async function main(): Promise<void> {
  const server = http.createServer((req, res) => {
    if (!req.headers.cookie?.includes('session=bench')) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'private, no-store' });
    res.end(invoiceHtml);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/invoices/42/print`;

  const fromHtml = () => renderPdf({ html: invoiceHtml });
  const fromUrl = () => renderPdf({ url, cookies: [{ name: 'session', value: 'bench' }] });

  try {
    const cold = await timed(fromHtml);
    console.log(`cold start (launch + first PDF): ${cold.toFixed(0)} ms; PDF ${(await fromHtml()).length} bytes`);
    // Warm every page of the pool, not just the first one.
    await concurrent(8, pdfPoolStats().maxPages, fromHtml);
    await concurrent(8, pdfPoolStats().maxPages, fromUrl);

    report('HTML, sequential', await sequential(50, fromHtml));
    report('HTML, 4 concurrent (latency per render)', await concurrent(20, 4, fromHtml));
    report('URL + cookie, sequential', await sequential(50, fromUrl));
    report('URL + cookie, 4 concurrent (latency per render)', await concurrent(20, 4, fromUrl));
    const stats = pdfPoolStats();
    console.log(`pool: ${stats.openPages} pages (peak ${stats.peakOpenPages}, max ${stats.maxPages}), ${stats.launches} launch(es)`);
  } finally {
    await closeBrowser();
    server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
