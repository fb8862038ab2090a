/**
 * One headless Chromium per process, kept warm, with a bounded pool of reusable pages.
 *
 * Launching Chromium costs 0.5–1.5 s and a fresh page 100–200 ms, while a reused page renders in
 * about 40 ms, so the browser and its pages outlive a single render. Every pooled page lives in
 * its own browser context: cookies are per context, and sharing one cookie jar would let one
 * user's session cookie be sent by another user's concurrent render.
 */
import { log } from '@/lib/log';
import type { ChildProcess } from 'node:child_process';
import puppeteer, { type Browser, type BrowserContext, type CDPSession, type Page } from 'puppeteer-core';
import { env } from '@/lib/env';

const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-extensions',
];

const LAUNCH_TIMEOUT_MS = 30_000;
/** Bounds background CDP calls (resets, closes) that no render deadline covers. */
const PROTOCOL_TIMEOUT_MS = 30_000;
const RESET_TIMEOUT_MS = 5_000;
const CLOSE_PAGE_TIMEOUT_MS = 5_000;
const CLOSE_BROWSER_TIMEOUT_MS = 5_000;
const EXIT_WAIT_MS = 2_000;
/** Everything an origin can keep in a context besides cookies, which are cleared context-wide. */
const ORIGIN_STORAGE_TYPES = 'local_storage,indexeddb,cache_storage,service_workers,file_systems,shared_storage,storage_buckets';

export interface PdfPoolOptions {
  /** Pages rendering at the same time; further renders wait in a queue. */
  maxPages?: number;
  /** A page is replaced after this many renders, so slow leaks in a renderer cannot pile up. */
  maxUsesPerPage?: number;
}

export interface PdfPoolStats {
  /** Pages that exist in Chromium (idle, in use, or being created or closed). */
  openPages: number;
  /** Renders holding a slot of the pool. */
  inUse: number;
  idle: number;
  /** Renders queued for a slot. */
  waiting: number;
  maxPages: number;
  /** Highest `openPages` seen since start or the last `closeBrowser()`. */
  peakOpenPages: number;
  /** Browser launches since the process started. */
  launches: number;
  browserPid: number | null;
}

export interface PageLease {
  readonly browser: Browser;
  readonly page: Page;
  readonly context: BrowserContext;
  /** Returns the page to the pool after a reset, or closes it when `reusable` is false. */
  release(options: { reusable: boolean; clearOrigins?: readonly string[] }): Promise<void>;
}

interface PooledPage {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly cdp: CDPSession;
  uses: number;
  broken: boolean;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** PDF_MAX_PAGES until configurePdfPool() sets it (read on first use, not at import, so a build needs no configuration). */
let configuredMaxPages: number | undefined;
let maxUsesPerPage = 200;

let current: Browser | null = null;
let launching: Promise<Browser> | null = null;
let launches = 0;

let slotsHeld = 0;
const waiters: Waiter[] = [];
const idle: PooledPage[] = [];
/** Resets and closes still running after their render returned; bounded by RESET_TIMEOUT_MS. */
const pendingReleases = new Set<Promise<void>>();
let openPages = 0;
let peakOpenPages = 0;

function maxPages(): number {
  configuredMaxPages ??= env().PDF_MAX_PAGES;
  return configuredMaxPages;
}

export function configurePdfPool(options: PdfPoolOptions): void {
  if (options.maxPages !== undefined) {
    if (!Number.isInteger(options.maxPages) || options.maxPages < 1) throw new Error('maxPages must be a positive integer');
    configuredMaxPages = options.maxPages;
  }
  if (options.maxUsesPerPage !== undefined) {
    if (!Number.isInteger(options.maxUsesPerPage) || options.maxUsesPerPage < 1) {
      throw new Error('maxUsesPerPage must be a positive integer');
    }
    maxUsesPerPage = options.maxUsesPerPage;
  }
  // A smaller pool must not keep more idle pages than it could ever use at once.
  while (idle.length > 0 && idle.length + slotsHeld > maxPages()) {
    const entry = idle.pop();
    if (entry) void disposeEntry(entry);
  }
  while (slotsHeld < maxPages() && waiters.length > 0) {
    slotsHeld++;
    waiters.shift()?.resolve();
  }
}

// Read by the PDF gauges of lib/metrics.ts at scrape time (shared through globalThis because Next
// bundles the route that scrapes apart from this module's other users).
(globalThis as { __sealpostPdfPoolStats?: () => PdfPoolStats }).__sealpostPdfPoolStats = () => pdfPoolStats();

export function pdfPoolStats(): PdfPoolStats {
  return {
    openPages,
    inUse: slotsHeld,
    idle: idle.length,
    waiting: waiters.length,
    maxPages: maxPages(),
    peakOpenPages,
    launches,
    browserPid: current?.process()?.pid ?? null,
  };
}

function launchBrowser(): Promise<Browser> {
  if (current?.connected) return Promise.resolve(current);
  if (current) forgetBrowser(current);
  // Every caller that finds the browser gone while a launch is under way shares that launch.
  launching ??= (async () => {
    const browser = await puppeteer.launch({
      executablePath: env().CHROME_PATH,
      headless: true,
      args: LAUNCH_ARGS,
      // With a pipe instead of a WebSocket, Chromium exits by itself when this process dies
      // without running exit handlers (SIGKILL, OOM killer); over a WebSocket it would be orphaned.
      pipe: true,
      // Puppeteer's own handlers would call process.exit(130) on SIGINT (skipping the app's
      // graceful shutdown, e.g. stopping the embedded PostgreSQL) and, by listening for SIGTERM,
      // stop SIGTERM from ending a process that has no handler of its own. Its exit hook, which
      // kills the process group, stays on.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      timeout: LAUNCH_TIMEOUT_MS,
      protocolTimeout: PROTOCOL_TIMEOUT_MS,
    });
    launches++;
    log('pdf').info({ launches, browserPid: browser.process()?.pid ?? null }, 'Chromium launched');
    browser.on('disconnected', () => {
      // Expected on shutdown (closeBrowser forgets it first); otherwise Chromium died and the next render relaunches it.
      if (current === browser) log('pdf').warn({ browserPid: browser.process()?.pid ?? null }, 'Chromium disconnected; the next render relaunches it');
      forgetBrowser(browser);
    });
    current = browser;
    return browser;
  })().finally(() => {
    launching = null;
  });
  return launching;
}

/** Drops a dead browser so the next render relaunches, and sweeps up its helper processes. */
function forgetBrowser(browser: Browser): void {
  if (current === browser) current = null;
  for (let i = idle.length - 1; i >= 0; i--) {
    if (idle[i].browser === browser) {
      idle.splice(i, 1);
      openPages--;
    }
  }
  // When only the main process died (crash, OOM kill), its zygote, GPU and renderer processes
  // are orphaned; they share its process group because Puppeteer launches it detached.
  killProcessGroup(browser.process());
}

function killProcessGroup(proc: ChildProcess | null): void {
  const pid = proc?.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the whole group has already exited.
  }
}

function takeSlot(signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (slotsHeld < maxPages()) {
    slotsHeld++;
    return Promise.resolve();
  }
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      const index = waiters.indexOf(waiter);
      if (index !== -1) waiters.splice(index, 1);
      reject(signal?.reason);
    };
    const waiter: Waiter = {
      resolve: () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      reject: (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      },
    };
    waiters.push(waiter);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function giveSlot(): void {
  // The slot passes straight to the next waiter so that a newcomer cannot jump the queue.
  if (slotsHeld <= maxPages()) {
    const next = waiters.shift();
    if (next) {
      next.resolve();
      return;
    }
  }
  slotsHeld--;
}

/**
 * A new pooled page, on the running browser or a new one. Chromium's death is noticed
 * asynchronously (the pipe's close), so a render that starts right after it died may still be
 * handed the dead browser; opening a page there fails, and the page is opened once more on a
 * relaunched browser instead of failing the render.
 */
async function createEntry(): Promise<PooledPage> {
  const browser = await launchBrowser();
  try {
    return await openEntry(browser);
  } catch (error) {
    if (browser.connected) throw error;
    forgetBrowser(browser);
    return openEntry(await launchBrowser());
  }
}

async function openEntry(browser: Browser): Promise<PooledPage> {
  openPages++;
  peakOpenPages = Math.max(peakOpenPages, openPages);
  let context: BrowserContext | undefined;
  try {
    context = await browser.createBrowserContext();
    const page = await context.newPage();
    const entry: PooledPage = { browser, context, page, cdp: await page.createCDPSession(), uses: 0, broken: false };
    // A crashed renderer leaves the Page object alive but useless.
    page.on('error', () => {
      entry.broken = true;
    });
    page.on('close', () => {
      entry.broken = true;
    });
    // An alert() or confirm() would otherwise block the page until the render times out.
    page.on('dialog', (dialog) => {
      dialog.dismiss().catch(() => undefined);
    });
    // A cached response fetched with one user's cookie must never answer another user's render.
    await page.setCacheEnabled(false);
    await page.emulateMediaType('print');
    return entry;
  } catch (error) {
    openPages--;
    if (context) await withTimeout(context.close(), CLOSE_PAGE_TIMEOUT_MS).catch(() => undefined);
    throw error;
  }
}

function isHealthy(entry: PooledPage): boolean {
  return (
    !entry.broken &&
    entry.browser === current &&
    entry.browser.connected &&
    !entry.page.isClosed() &&
    entry.uses < maxUsesPerPage
  );
}

/** Closes a page's context (and with it the page, cookies and storage). Never throws. */
async function disposeEntry(entry: PooledPage): Promise<void> {
  entry.broken = true;
  try {
    if (entry.browser.connected && !entry.context.closed) {
      await withTimeout(entry.context.close(), CLOSE_PAGE_TIMEOUT_MS);
    }
  } catch {
    // A page that cannot be closed goes away with its browser; it is no longer counted.
  } finally {
    openPages--;
  }
}

async function checkout(): Promise<PooledPage> {
  for (let entry = idle.pop(); entry; entry = idle.pop()) {
    if (isHealthy(entry)) return entry;
    await disposeEntry(entry);
  }
  return createEntry();
}

/**
 * Waits for a free slot, then hands out a healthy pooled page or a new one. The caller must call
 * `release` exactly once. Rejects with `signal.reason` when aborted while waiting.
 */
export async function acquirePage(signal?: AbortSignal): Promise<PageLease> {
  await takeSlot(signal);
  let entry: PooledPage;
  try {
    entry = await checkout();
  } catch (error) {
    giveSlot();
    throw error;
  }
  if (signal?.aborted) {
    idle.push(entry);
    giveSlot();
    throw signal.reason;
  }
  entry.uses++;
  let releasing: Promise<void> | undefined;
  return {
    browser: entry.browser,
    page: entry.page,
    context: entry.context,
    release: (options) => {
      if (!releasing) {
        const done: Promise<void> = releaseEntry(entry, options).finally(() => pendingReleases.delete(done));
        pendingReleases.add(done);
        releasing = done;
      }
      return releasing;
    },
  };
}

async function releaseEntry(
  entry: PooledPage,
  { reusable, clearOrigins = [] }: { reusable: boolean; clearOrigins?: readonly string[] },
): Promise<void> {
  try {
    // After the pool was made smaller, returning pages shrink it down to the new size.
    const fits = idle.length + slotsHeld <= maxPages();
    if (reusable && fits && isHealthy(entry) && (await resetEntry(entry, clearOrigins))) {
      idle.push(entry);
    } else {
      await disposeEntry(entry);
    }
  } finally {
    giveSlot();
  }
}

/** Leaves nothing of the last render behind: document, cookies, storage and extra headers. */
async function resetEntry(entry: PooledPage, clearOrigins: readonly string[]): Promise<boolean> {
  try {
    await withTimeout(
      (async () => {
        // Navigate away first so that the old document's scripts cannot write anything back. A
        // page that rendered inline HTML is already on about:blank, and navigating costs as much
        // as printing (about 40 ms), so it is skipped there.
        if (entry.page.url() !== 'about:blank') await entry.page.goto('about:blank', { timeout: RESET_TIMEOUT_MS });
        const cookies = await entry.context.cookies();
        if (cookies.length > 0) await entry.context.deleteCookie(...cookies);
        await entry.page.setExtraHTTPHeaders({});
        for (const origin of clearOrigins) {
          // Not 'all': that also clears shader and other browser-wide caches, for 10 ms a time.
          await entry.cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: ORIGIN_STORAGE_TYPES });
        }
      })(),
      RESET_TIMEOUT_MS,
    );
    return true;
  } catch {
    return false;
  }
}

/**
 * Closes every page and the browser, and makes sure its processes have exited. Queued renders
 * are rejected; a later render launches a new browser.
 */
export async function closeBrowser(): Promise<void> {
  const shutdown = new Error('The PDF renderer was shut down');
  for (const waiter of waiters.splice(0)) waiter.reject(shutdown);
  // Pages still being reset would otherwise be counted, and closed, after the browser is gone.
  await Promise.allSettled([...pendingReleases]);
  const browser = launching ? await launching.catch(() => null) : current;
  for (const entry of idle.splice(0)) await disposeEntry(entry);
  if (browser) {
    const proc = browser.process();
    try {
      await withTimeout(browser.close(), CLOSE_BROWSER_TIMEOUT_MS);
    } catch {
      killProcessGroup(proc);
      proc?.kill('SIGKILL');
    }
    forgetBrowser(browser);
    if (proc) await waitForExit(proc, EXIT_WAIT_MS);
  }
  peakOpenPages = openPages;
}

function waitForExit(proc: ChildProcess, ms: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return withTimeout(
    new Promise<void>((resolve) => proc.once('exit', () => resolve())),
    ms,
  ).catch(() => undefined);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message = `Timed out after ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// The launcher (scripts/start.ts) runs outside Next's bundle, so it reaches this module's browser
// through a global to close it on shutdown.
(globalThis as { __sealpostCloseBrowser?: () => Promise<void> }).__sealpostCloseBrowser = closeBrowser;
