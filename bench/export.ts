import { sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { createOrganisation } from '@/lib/organisations/create-organisation';
import { rssBytes, signInOverHttp, type BenchApp } from './app-server';
import { timed, type Measurement } from './harness';

const SIZE = 1_000_000;
const PASSWORD = 'Bench-Passphrase-2026';
const DOMAIN = 'export-bench.example';
/** "Streams; server memory flat", concretely: the server's RSS never grows more than this above its level before the export. */
const MAX_RSS_GROWTH_MB = 150;
/** …and the file starts arriving at once, not after the server has built it. */
const MAX_FIRST_BYTE_MS = 2000;
const MB = 1024 * 1024;
const WARM_UP_BYTES = 20 * MB;

/** Samples the server's memory (VmRSS, summed over its processes) every 100 ms until stopped. */
function sampleRss(app: BenchApp) {
  const samples: number[] = [];
  const take = () => {
    samples.push(app.serverPids().reduce((sum, pid) => sum + (rssBytes(pid) ?? 0), 0));
  };
  take();
  const timer = setInterval(take, 100);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/**
 * Downloads `path`, counting CSV lines as the bytes arrive (nothing is kept), while sampling the
 * server's memory. Lines are CRLF-terminated and the seeded fields hold no line breaks, so
 * lines = LF bytes; the header is one of them.
 */
async function download(app: BenchApp, cookie: string, path: string) {
  // The level the server sits at before the export: the median of 1 s of idle samples.
  const idle = sampleRss(app);
  await new Promise((r) => setTimeout(r, 1000));
  const idleSamples = idle.stop().sort((a, b) => a - b);
  const before = idleSamples[Math.floor(idleSamples.length / 2)];
  const during = sampleRss(app);
  let firstByteMs = 0;
  const { ms, value } = await timed(async () => {
    const started = performance.now();
    const response = await fetch(`${app.base}${path}`, { headers: { cookie }, redirect: 'manual' });
    if (response.status !== 200 || !response.body) throw new Error(`GET ${path} answered ${response.status}`);
    if (!(response.headers.get('content-type') ?? '').startsWith('text/csv')) throw new Error(`GET ${path} is not CSV`);
    let lines = 0;
    let bytes = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      if (bytes === 0) firstByteMs = performance.now() - started;
      bytes += chunk.byteLength;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    }
    return { rows: lines - 1, bytes };
  });
  const peak = Math.max(...during.stop());
  return { ...value, ms, firstByteMs, beforeMb: before / MB, growthMb: Math.max(0, peak - before) / MB };
}

/**
 * Downloads the first `bytes` of `path` and hangs up: runs the route's code until it is compiled
 * and optimised, as on a server that has been up for a while, without exporting everything.
 */
async function warmUp(app: BenchApp, cookie: string, path: string, bytes: number) {
  const controller = new AbortController();
  const response = await fetch(`${app.base}${path}`, { headers: { cookie }, signal: controller.signal });
  if (response.status !== 200 || !response.body) throw new Error(`GET ${path} answered ${response.status}`);
  const reader = response.body.getReader();
  for (let read = 0; read < bytes; ) {
    const { done, value } = await reader.read();
    if (done) break;
    read += value.byteLength;
  }
  controller.abort();
  await reader.cancel().catch(() => undefined);
}

/**
 * One organisation with 1,000,000 licensed addresses and 1,000,000 audit events, generated in
 * SQL (generate_series), and its level-1 owner.
 */
export async function seedExport(): Promise<{ orgId: string; email: string; password: string }> {
  const db = getDb();
  const email = `owner@${DOMAIN}`;
  const { orgId } = await createOrganisation(db, {
    name: 'Bench Export',
    domains: [DOMAIN],
    owner: { name: 'Bench Owner', email, password: PASSWORD, mustChangePassword: false },
    licensesPurchased: SIZE,
  });
  console.log('export: generating 1,000,000 licensed addresses and 1,000,000 events …');
  const seeded = await timed(async () => {
    await db.execute(sql`
      insert into licensed_emails (org_id, email, created_at)
      select ${orgId}::uuid, 'user' || g || '.' || substr(md5(g::text), 1, 6) || '@' || ${DOMAIN}, now() - (g * interval '30 seconds')
      from generate_series(1, ${SIZE}) g`);
    // Real-looking rows, some with fields a spreadsheet would read as formulas or must quote.
    await db.execute(sql`
      insert into audit_events (org_id, occurred_at, actor_type, actor_email, action, target_type, target_id, target_label, summary, client_address)
      select ${orgId}::uuid, now() - (g * interval '30 seconds'),
             case when g % 10 = 0 then 'system' else 'administrator' end,
             case when g % 10 = 0 then '' else 'admin' || (g % 7) || '@' || ${DOMAIN} end,
             (array['auth.signed_in', 'licensed_emails.added', 'licensed_emails.removed', 'auth.sign_in_failed', 'events.exported'])[1 + g % 5],
             'licensed_email', g::text, 'user' || g || '@' || ${DOMAIN},
             case when g % 97 = 0 then '=HYPERLINK("http://x.example","click")' else 'Added user' || g || '@' || ${DOMAIN} || ', via import "batch ' || (g % 50) || '"' end,
             '10.' || (g % 200) || '.' || (g % 250) || '.' || (g % 230)
      from generate_series(1, ${SIZE}) g`);
    await db.execute(sql`vacuum analyze licensed_emails`);
    await db.execute(sql`vacuum analyze audit_events`);
  });
  console.log(`export: generated in ${(seeded.ms / 1000).toFixed(1)} s; signing in and downloading …`);
  return { orgId, email, password: PASSWORD };
}

/**
 * Exports of 1,000,000 events and 1,000,000 licensed addresses stream with flat memory,
 * downloaded over HTTP from `next start` by a signed-in level-1 administrator.
 */
export async function exportWorkload(app: BenchApp): Promise<Measurement[]> {
  const db = getDb();
  const { orgId, email } = await seedExport();
  const cookie = await signInOverHttp(app.base, email, PASSWORD);
  // Each worker gets a warm-up per route (a new connection goes to the next worker): 20 MB,
  // about a tenth of an export.
  for (let i = 0; i < app.workers; i++) {
    await warmUp(app, cookie, '/events/export', WARM_UP_BYTES);
    await warmUp(app, cookie, '/licensed-emails/export', WARM_UP_BYTES / 4);
  }

  const rows: Measurement[] = [];
  for (const { path, what } of [
    { path: '/events/export', what: 'events' },
    { path: '/licensed-emails/export', what: 'licensed emails' },
  ]) {
    // Everything the organisation holds when the export starts (the export's own event is recorded after that point).
    const [{ n: expected }] = await db.execute<{ n: number }>(
      what === 'events'
        ? sql`select count(*)::int as n from audit_events where org_id = ${orgId}`
        : sql`select count(*)::int as n from licensed_emails where org_id = ${orgId}`,
    );
    const result = await download(app, cookie, path);
    const complete = result.rows === expected;
    const met = complete && result.growthMb < MAX_RSS_GROWTH_MB && result.firstByteMs < MAX_FIRST_BYTE_MS && app.alive();
    rows.push({
      workload: `export ${path}`,
      size: `${result.rows.toLocaleString('en-US')} ${what}`,
      samples: [result.ms],
      unit: 'ms',
      bar: `peak RSS +< ${MAX_RSS_GROWTH_MB} MB, 1st byte < ${MAX_FIRST_BYTE_MS / 1000} s`,
      met: () => met,
      note: `1 download: ${(result.ms / 1000).toFixed(1)} s, ${(result.bytes / MB).toFixed(0)} MB, 1st byte ${result.firstByteMs.toFixed(0)} ms; server RSS ${result.beforeMb.toFixed(0)} MB before, peak +${result.growthMb.toFixed(0)} MB${complete ? '' : `; ${expected.toLocaleString('en-US')} rows expected`}`,
    });
  }
  return rows;
}
