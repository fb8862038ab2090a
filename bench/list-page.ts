import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { createOrganisation } from '@/lib/organisations/create-organisation';
import path from 'node:path';
import { BENCH_PORT, signInOverHttp, startApp, type BenchApp } from './app-server';
import { percentile, timed, type Measurement } from './harness';

const EMAILS = 10_000;
const AUDIT_EVENTS = 100_000;
const PASSWORD = 'Bench-Passphrase-2026';
const DOMAIN = 'list-bench.example';
const PATH = '/licensed-emails';
const CONNECTIONS = 20;
/**
 * A freshly started server needs 20-25 s of this load to reach its steady speed (V8 optimises
 * React's and Next's rendering code as it runs hot: the first seconds run at half the rate). The
 * bar is about the server as it runs, so the measurement starts after that; the note shows the
 * warm-up's own rate.
 */
const WARM_UP_SECONDS = 20;
const MEASURE_SECONDS = 20;
const OVERLOAD_SECONDS = 30;
const BAR_RATE = 150;
const BAR_P95_MS = 150;

/** What only the rendered list page holds: its table, with a row of the seeded organisation. */
function isListPage(body: string): boolean {
  return body.includes('aria-label="Licensed email addresses"') && body.includes(`@${DOMAIN}`);
}

export type ListPageTarget = { url: string; cookie: string };

/**
 * An organisation the size of a large customer: 10,000 licensed addresses (of 12,000 licenses)
 * and 100,000 audit events, and its level-1 administrator signed in over HTTP.
 */
export async function prepareListPage(app: BenchApp): Promise<ListPageTarget> {
  const db = getDb();
  const email = `owner@${DOMAIN}`;
  const { orgId } = await createOrganisation(db, {
    name: 'Bench List Page',
    domains: [DOMAIN],
    owner: { name: 'Bench Owner', email, password: PASSWORD, mustChangePassword: false },
    licensesPurchased: 12_000,
  });
  await db.execute(sql`
    insert into licensed_emails (org_id, email, created_at)
    select ${orgId}::uuid, 'person' || g || '.' || substr(md5(g::text), 1, 5) || '@' || ${DOMAIN},
           now() - (g * interval '47 minutes')
    from generate_series(1, ${EMAILS}) g`);
  await db.execute(sql`
    insert into audit_events (org_id, occurred_at, actor_type, actor_email, action, target_type, target_label, summary, client_address)
    select ${orgId}::uuid, now() - (g * interval '5 minutes'), 'administrator', ${email},
           (array['auth.signed_in', 'licensed_emails.added', 'licensed_emails.removed', 'events.exported'])[1 + g % 4],
           'licensed_email', 'person' || g || '@' || ${DOMAIN}, 'Event ' || g, '10.0.' || (g % 250) || '.' || (g % 200)
    from generate_series(1, ${AUDIT_EVENTS}) g`);
  // As autovacuum leaves a table in steady state: statistics, and a visibility map for index-only scans.
  await db.execute(sql`vacuum analyze licensed_emails`);
  await db.execute(sql`vacuum analyze audit_events`);
  const cookie = await signInOverHttp(app.base, email, PASSWORD);
  const check = await fetch(`${app.base}${PATH}`, { headers: { cookie }, redirect: 'manual' });
  const body = await check.text();
  if (check.status !== 200 || !isListPage(body)) throw new Error(`GET ${PATH} as the signed-in owner answered ${check.status}, not the list page`);
  return { url: `${app.base}${PATH}`, cookie };
}

type LoadResult = {
  latencies: number[];
  seconds: number;
  /** 200 with the list page in the body. */
  ok: number;
  /** 503: the server shedding load, an acceptable answer under overload. */
  shed: number;
  /** Anything else: another status (a redirect to /login, a 500), or a 200 that is not the list page. */
  wrong: number;
  statuses: Record<string, number>;
  /** Requests that got no answer: socket errors, including timeouts. */
  errors: number;
  timeouts: number;
};

function load(target: ListPageTarget, options: { connections: number; seconds: number; overallRate?: number }): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let ok = 0;
  let shed = 0;
  let wrong = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        headers: { cookie: target.cookie },
        connections: options.connections,
        duration: options.seconds,
        overallRate: options.overallRate,
        timeout: 10,
        requests: [
          {
            method: 'GET',
            onResponse: (status: number, body: string) => {
              statuses[status] = (statuses[status] ?? 0) + 1;
              if (status === 200 && isListPage(body)) ok++;
              else if (status === 503) shed++;
              else wrong++;
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        resolve({ latencies, seconds: result.duration, ok, shed, wrong, statuses, errors: result.errors, timeouts: result.timeouts });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}

function describeStatuses(statuses: Record<string, number>) {
  return Object.entries(statuses)
    .map(([code, n]) => `${code}×${n.toLocaleString('en-US')}`)
    .join(' ');
}

/**
 * An authenticated list page under 20 concurrent clients, ≥ 150 req/s and p95 < 150 ms.
 * Returns the row and the measured capacity (successful pages per second).
 */
export async function listPageWorkload(app: BenchApp, target: ListPageTarget): Promise<{ row: Measurement; capacity: number }> {
  const warmUp = await load(target, { connections: CONNECTIONS, seconds: WARM_UP_SECONDS });
  const run = await load(target, { connections: CONNECTIONS, seconds: MEASURE_SECONDS });
  const capacity = run.ok / run.seconds;
  const failures = run.wrong + run.shed;
  const clean = failures === 0 && run.errors === 0;
  return {
    capacity,
    row: {
      workload: 'list-page',
      size: `${EMAILS.toLocaleString('en-US')} addresses, ${CONNECTIONS} clients`,
      samples: run.latencies,
      unit: 'ms',
      throughput: capacity,
      bar: `≥ ${BAR_RATE} req/s, p95 < ${BAR_P95_MS} ms`,
      met: (p95) => clean && capacity >= BAR_RATE && p95 < BAR_P95_MS,
      note: `GET ${PATH} signed in, next start (${app.workers} worker${app.workers > 1 ? 's' : ''}), ${MEASURE_SECONDS} s after ${WARM_UP_SECONDS} s warm-up (${Math.round(warmUp.ok / warmUp.seconds)} req/s, p95 ${Math.round(percentile(warmUp.latencies, 95))} ms); ${run.ok.toLocaleString('en-US')} pages, ${failures} failures, ${run.errors} socket errors (${describeStatuses(run.statuses)})`,
    },
  };
}

/**
 * The list page of this build beside another checkout's (`BENCH_BEFORE_DIR`, built there: e.g.
 * `git worktree add /tmp/listbefore 6fcdf59`, its node_modules, `npx next build`), for the
 * before/after figures of a change. The other app runs on the next port against the same
 * database (its own migrations are older, so it applies none; the tables it reads are the same),
 * signed in as the same administrator. Each app is warmed up, then the measurement alternates
 * between them in ROUNDS slices, so the shared machine's drift hits both alike.
 */
export async function listPageBeforeAndAfter(app: BenchApp, target: ListPageTarget, databaseUrl: string, beforeDir: string): Promise<Measurement[]> {
  const ROUNDS = 4;
  const dir = path.resolve(beforeDir);
  const before = await startApp(databaseUrl, BENCH_PORT + 1, dir);
  try {
    const cookie = await signInOverHttp(before.base, `owner@${DOMAIN}`, PASSWORD);
    const beforeTarget = { url: `${before.base}${PATH}`, cookie };
    const check = await fetch(beforeTarget.url, { headers: { cookie }, redirect: 'manual' });
    if (check.status !== 200 || !(await check.text()).includes(`@${DOMAIN}`)) throw new Error(`GET ${PATH} of ${dir} answered ${check.status}, not the list page`);
    const sides = [
      { name: 'today', app, target, runs: [] as LoadResult[], warmUp: null as LoadResult | null, bytes: 0, alone: 0 },
      { name: `before (${dir})`, app: before, target: beforeTarget, runs: [] as LoadResult[], warmUp: null as LoadResult | null, bytes: 0, alone: 0 },
    ];
    for (const side of sides) side.warmUp = await load(side.target, { connections: CONNECTIONS, seconds: WARM_UP_SECONDS });
    // What one page costs alone (20 requests one after another, warm) and how large it is: where the time goes.
    for (const side of sides) {
      const alone: number[] = [];
      for (let i = 0; i < 20; i++) {
        const { ms, value } = await timed(async () => (await fetch(side.target.url, { headers: { cookie: side.target.cookie } })).text());
        alone.push(ms);
        side.bytes = Buffer.byteLength(value);
      }
      side.alone = percentile(alone, 50);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        side.runs.push(await load(side.target, { connections: CONNECTIONS, seconds: MEASURE_SECONDS / 2 }));
      }
    }
    return sides.map((side) => {
      const seconds = side.runs.reduce((sum, r) => sum + r.seconds, 0);
      const ok = side.runs.reduce((sum, r) => sum + r.ok, 0);
      const failures = side.runs.reduce((sum, r) => sum + r.wrong + r.shed, 0);
      const errors = side.runs.reduce((sum, r) => sum + r.errors, 0);
      const capacity = ok / seconds;
      const warm = side.warmUp;
      return {
        workload: `list-page ${side.name === 'today' ? 'today' : 'before'}`,
        size: `${EMAILS.toLocaleString('en-US')} addresses, ${CONNECTIONS} clients`,
        samples: side.runs.flatMap((r) => r.latencies),
        unit: 'ms' as const,
        throughput: capacity,
        bar: `≥ ${BAR_RATE} req/s, p95 < ${BAR_P95_MS} ms`,
        met: (p95: number) => failures === 0 && errors === 0 && capacity >= BAR_RATE && p95 < BAR_P95_MS,
        note: `${side.name}: GET ${PATH} signed in, ${side.app.workers} worker${side.app.workers > 1 ? 's' : ''}, ${ROUNDS} × ${MEASURE_SECONDS / 2} s alternating after ${WARM_UP_SECONDS} s warm-up${warm ? ` (${Math.round(warm.ok / warm.seconds)} req/s)` : ''}; ${ok.toLocaleString('en-US')} pages, ${failures} failures, ${errors} socket errors; one page alone ${side.alone.toFixed(0)} ms, ${Math.round(side.bytes / 1024)} KB of HTML`,
      };
    });
  } finally {
    await before.stop();
  }
}

/**
 * Twice the measured capacity for 30 s: every request must be answered (slowly, or 503 when the
 * server sheds load), the server must stay up, and once the load stops the page must be fast
 * again (p95 of 20 sequential requests under the list-page bar).
 */
export async function overloadWorkload(app: BenchApp, target: ListPageTarget, capacity: number): Promise<Measurement> {
  const rate = Math.max(1, Math.round(2 * capacity));
  // One connection per request per second: room for every request to be in flight for up to a
  // second before the offered rate is limited by connections rather than by the server.
  const connections = Math.min(1000, rate);
  const run = await load(target, { connections, seconds: OVERLOAD_SECONDS, overallRate: rate });
  const alive = app.alive();
  await new Promise((r) => setTimeout(r, 2000));
  const recovery: number[] = [];
  let recoveryFailures = 0;
  for (let i = 0; i < 20; i++) {
    const { ms, value } = await timed(async () => {
      try {
        const response = await fetch(target.url, { headers: { cookie: target.cookie }, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
        return response.status === 200 && isListPage(await response.text());
      } catch {
        return false;
      }
    });
    if (!value) recoveryFailures++;
    recovery.push(ms);
  }
  const answered = Object.values(run.statuses).reduce((a, b) => a + b, 0);
  const sent = answered + run.errors;
  const wrong = run.wrong;
  // "A small number": at most 0.5 % of requests lost to socket errors or timeouts.
  const lostOk = run.errors <= Math.max(5, sent * 0.005);
  const recoveryP95 = percentile(recovery, 95);
  return {
    workload: 'overload',
    size: `2 × capacity = ${rate} req/s offered, ${OVERLOAD_SECONDS} s, ${connections} conns`,
    samples: run.latencies,
    unit: 'ms',
    throughput: run.ok / run.seconds,
    bar: `all answered (200/503), alive, recovers p95 < ${BAR_P95_MS} ms`,
    met: () => lostOk && wrong === 0 && alive && recoveryFailures === 0 && recoveryP95 < BAR_P95_MS,
    note: `${answered.toLocaleString('en-US')} answered (${describeStatuses(run.statuses)}), ${wrong} wrong answers, ${run.errors} socket errors (${run.timeouts} timeouts); server ${alive ? 'alive' : 'DEAD'}; after: 20 sequential p50 ${percentile(recovery, 50).toFixed(0)} ms, p95 ${recoveryP95.toFixed(0)} ms${recoveryFailures ? `, ${recoveryFailures} failed` : ''}`,
  };
}
