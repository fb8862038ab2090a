import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { NextRequest } from 'next/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getDb } from '@/db/client';
import { subscriptions } from '@/db/schema';
import type { AdminActor } from '@/lib/auth/actor';
import { confirmCheckOrder } from '@/lib/billing/complete-order';
import { createLicenseOrder } from '@/lib/billing/create-order';
import { resetEnvCache } from '@/lib/env';
import { addDays, toDay } from '@/lib/licensing/term';
import { closeBrowser, pdfPoolStats } from '@/lib/pdf/browser';
import { actorFor, createTestOrg } from '@/tests/factories';
import { waitFor } from './support';

/**
 * PDF rendering survives Chromium dying (the next render relaunches it; renders share one browser; no zombies), through the invoice PDF route
 * (GET /invoices/[id]/pdf: the session, the invoice lookup, the shared browser). The app's
 * printable page is played by a local server, since there is no Next server here.
 * lib/pdf/render-pdf.test.ts covers the pool itself (inline HTML, process groups, 120 renders).
 */

const session = vi.hoisted(() => ({ admin: null as AdminActor | null }));
vi.mock('@/lib/auth/session', () => ({ getCurrentAdmin: async () => session.admin }));

const CHROMIUM = process.env.CHROME_PATH ?? '/usr/bin/chromium';

function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sealpost-fault-pdf-'));
  try {
    writeFileSync(path.join(dir, 'out.pdf'), pdf);
    return execFileSync('pdftotext', ['-layout', path.join(dir, 'out.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Children of this process that have exited but were never reaped. */
function zombieChildren(): string[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,stat=,comm='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, stat]) => Number(ppid) === process.pid && stat?.startsWith('Z'))
    .map((cols) => cols.join(' '));
}

function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!existsSync(CHROMIUM))('invoice PDFs when Chromium is killed', () => {
  let server: http.Server;
  const numbers = new Map<string, string>();
  /** When set, the print page answers only after this promise settles. */
  let hold: Promise<void> | null = null;
  let printRequests = 0;
  const savedInternalUrl = process.env.INTERNAL_URL;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const id = /^\/invoices\/([0-9a-f-]{36})\/print$/.exec(req.url ?? '')?.[1];
      const number = id ? numbers.get(id) : undefined;
      if (!number) {
        res.writeHead(404).end();
        return;
      }
      printRequests++;
      const answer = () =>
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(`<!doctype html><html><body><h1>Invoice ${number}</h1><p>Licensed emails</p></body></html>`);
      if (hold) void hold.then(answer);
      else answer();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.INTERNAL_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    resetEnvCache();
  });

  afterAll(async () => {
    await closeBrowser();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (savedInternalUrl === undefined) delete process.env.INTERNAL_URL;
    else process.env.INTERNAL_URL = savedInternalUrl;
    resetEnvCache();
    session.admin = null;
  });

  async function invoice() {
    const org = await createTestOrg({ licenses: 47, licensed: 47 });
    const renewal = addDays(toDay(new Date()), 25);
    await getDb().update(subscriptions).set({ termStart: addDays(renewal, -365), renewalDate: renewal }).where(eq(subscriptions.orgId, org.orgId));
    const owner = await actorFor(org.ownerId);
    const { orderId } = await createLicenseOrder({ actor: owner, quantity: 2 });
    const { invoiceId, invoiceNumber } = await confirmCheckOrder({ actor: owner, orderId });
    numbers.set(invoiceId, invoiceNumber);
    session.admin = owner;
    return { invoiceId, invoiceNumber };
  }

  async function getPdf(invoiceId: string) {
    const { GET } = await import('@/app/(admin)/invoices/[id]/pdf/route');
    const request = new NextRequest(`http://127.0.0.1:3300/invoices/${invoiceId}/pdf`, { headers: { cookie: 'authjs.session-token=owner' } });
    return GET(request, { params: Promise.resolve({ id: invoiceId }) });
  }

  async function expectInvoicePdf(response: Response, number: string) {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(pdfText(Buffer.from(await response.arrayBuffer()))).toContain(`Invoice ${number}`);
  }

  it('renders the next invoice after Chromium is killed between two renders', { timeout: 60_000 }, async () => {
    const { invoiceId, invoiceNumber } = await invoice();
    await expectInvoicePdf(await getPdf(invoiceId), invoiceNumber);
    const pid = pdfPoolStats().browserPid;
    expect(pid).not.toBeNull();
    const launches = pdfPoolStats().launches;

    process.kill(pid ?? 0, 'SIGKILL');
    await expectInvoicePdf(await getPdf(invoiceId), invoiceNumber);
    expect(pdfPoolStats().launches).toBe(launches + 1);
    expect(pdfPoolStats().browserPid).not.toBe(pid);
    // The killed browser's helpers are gone with it, and nothing is left unreaped.
    await waitFor(async () => !processGroupAlive(pid ?? 0), 'the killed browser’s process group to exit', 10_000);
    expect(zombieChildren()).toEqual([]);
  });

  it('answers a render whose Chromium dies under it with the PDF or a 503, never a 500, and the next one works', { timeout: 60_000 }, async () => {
    const { invoiceId, invoiceNumber } = await invoice();
    await expectInvoicePdf(await getPdf(invoiceId), invoiceNumber);
    const pid = pdfPoolStats().browserPid ?? 0;

    let release = () => {};
    hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const before = printRequests;
    const pending = getPdf(invoiceId);
    // Chromium is loading the print page: kill it there.
    await waitFor(async () => printRequests > before, 'Chromium to request the print page');
    process.kill(pid, 'SIGKILL');
    hold = null;
    release();

    const response = await pending;
    expect([200, 503]).toContain(response.status);
    if (response.status === 200) await expectInvoicePdf(response, invoiceNumber);
    else expect((await response.json()).error.code).toBe('unavailable');

    await expectInvoicePdf(await getPdf(invoiceId), invoiceNumber);
    await waitFor(async () => !processGroupAlive(pid), 'the killed browser’s process group to exit', 10_000);
    expect(zombieChildren()).toEqual([]);
  });
});
