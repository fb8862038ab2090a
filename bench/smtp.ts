import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { and, eq, ne, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { gatewayMessages, gatewayRecipients, licensedEmails, mailConnectors, policies } from '@/db/schema';
import { createOrganisation } from '@/lib/organisations/create-organisation';
import type { Measurement } from './harness';

/**
 * Issue #17's `smtp` workload: Postfix's `smtp-source` drives the gateway — 5,000 messages of
 * 20 KB over 20 connections — while the job workers process them and deliver each through
 * SMTP_RELAY_HOST to Postfix's `smtp-sink`. Prints accepted messages per second, the p95 time
 * from the end of DATA to the 250, and the time until every message is delivered; checks that
 * nothing was lost (every accepted message delivered, the sink's count equal to the gateway's).
 *
 * Three processes, as `npm start` runs with WEB_CONCURRENCY ≥ 2: the gateway (bench/smtp-gateway.ts),
 * the job workers (bench/smtp-workers.ts) and this driver, besides smtp-source and smtp-sink.
 * smtp-source cannot AUTH: the bench connector is recognised by its client address, 127.0.0.1/32.
 * smtp-source does not time the 250 either: the gateway does, into its
 * `sealpost_smtp_accept_duration_seconds` histogram (the same figure production exports), read
 * here over the IPC channel; p50 and p95 are interpolated in their bucket, as Prometheus's
 * histogram_quantile does.
 */
const MESSAGES = 5_000;
const SESSIONS = 20;
const SIZE = 20 * 1024;
const WARM_UP = 500;
const BAR = 250;
const DOMAIN = 'mail-bench.example';
const SENDER = `clinician@${DOMAIN}`;
const RECIPIENT = 'patient@partner-bench.example';
/** Delivery is the workers' job, not the bar's: give up waiting after this long. */
const DELIVERY_TIMEOUT_MS = 15 * 60_000;
const SOURCE_TIMEOUT_MS = 5 * 60_000;
const GATEWAY_APP = 'sealpost-smtp-gateway';
const WORKERS_APP = 'sealpost-smtp-workers';

type MetricValue = { labels: Record<string, string | number>; value: number; metricName?: string };

function postfixTool(name: string): string | null {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin']) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/**
 * smtp-source and smtp-sink come with Debian's `postfix`: installed when missing (as
 * scripts/test.sh installs Chromium), with the debconf answer "No configuration", so no
 * main.cf is written and postfix's daemon is never configured nor started.
 */
function postfixTools(): { source: string; sink: string } {
  let source = postfixTool('smtp-source');
  let sink = postfixTool('smtp-sink');
  if (!source || !sink) {
    console.log("smtp: installing Debian's postfix for smtp-source and smtp-sink (its daemon is not configured nor started) …");
    const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
    const run = (args: string[], input?: string) => {
      const result = spawnSync(args[0], args.slice(1), { input, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      if (result.status !== 0) throw new Error(`${args.join(' ')} failed`);
    };
    run([...sudo, 'debconf-set-selections'], 'postfix postfix/main_mailer_type select No configuration\n');
    run([...sudo, 'apt-get', 'update', '-qq']);
    run([...sudo, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'postfix']);
    source = postfixTool('smtp-source');
    sink = postfixTool('smtp-sink');
    if (!source || !sink) throw new Error('postfix is installed but smtp-source or smtp-sink is missing');
  }
  return { source, sink };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/**
 * smtp-sink on a free port, keeping each message it receives as a file in `dir` (its `-d`), so
 * the bench counts what arrived (its `-c` counters are buffered until it exits).
 */
async function startSink(binary: string, dir: string) {
  const port = await freePort();
  // As root, smtp-sink insists on dropping to another user, who must be able to write the files.
  const user = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o777);
  const child = spawn(binary, [...user, '-d', path.join(dir, 'm.'), `127.0.0.1:${port}`, '256'], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port);
  return { port, received: () => fs.readdirSync(dir).filter((f) => f.startsWith('m.')).length, stop: () => stopChild(child) };
}

async function waitForPort(port: number) {
  for (let i = 0; i < 200; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on port ${port}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** A bench process run by tsx, like this one (tsx's loader is in this process's execArgv). */
function benchProcess(script: string, env: NodeJS.ProcessEnv) {
  return fork(path.resolve('bench', script), [], { execArgv: process.execArgv, env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

function request<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message as T);
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

/** Runs smtp-source; resolves with its wall time. */
function smtpSource(binary: string, port: number, messages: number, sessions: number): Promise<{ ms: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // -d: sessions stay open for their next message, as a relaying mail server keeps them.
    const child = spawn(binary, ['-d', '-s', String(sessions), '-m', String(messages), '-l', String(SIZE), '-f', SENDER, '-t', RECIPIENT, '-M', 'relay.mail-bench.example', `127.0.0.1:${port}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr += text;
    });
    // A gateway that stops answering must not hang the bench.
    const timer = setTimeout(() => {
      stderr += `killed after ${SOURCE_TIMEOUT_MS / 1000} s\n`;
      child.kill('SIGKILL');
    }, SOURCE_TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, stderr });
    });
  });
}

/** Prometheus's histogram_quantile: the bucket holding the q-th observation, interpolated linearly within it. */
export function histogramQuantile(values: MetricValue[], q: number): number {
  const buckets = values
    .filter((v) => v.metricName?.endsWith('_bucket'))
    .map((v) => ({ le: v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), count: v.value }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return lower;
      const inBucket = bucket.count - below;
      return inBucket === 0 ? bucket.le : lower + ((bucket.le - lower) * (rank - below)) / inBucket;
    }
    lower = bucket.le;
    below = bucket.count;
  }
  return lower;
}

async function prepareOrganisation() {
  const db = getDb();
  const { orgId } = await createOrganisation(db, {
    name: 'Bench Mail',
    domains: [DOMAIN],
    owner: { name: 'Owner', email: `owner@${DOMAIN}`, password: 'Bench-Passphrase-2026', mustChangePassword: false },
  });
  // A licensed sender: each message goes through the whole policy engine (parsed, policies
  // evaluated) and, none matching, on to SMTP delivery.
  await db.insert(licensedEmails).values({ orgId, email: SENDER });
  await db.insert(policies).values([
    { orgId, name: 'Secure on request', position: 1, conditionKind: 'subject_contains', conditionValue: '[secure]', delivery: 'secure_portal' },
    { orgId, name: 'Attachments by portal', position: 2, conditionKind: 'attachment_present', conditionValue: '', delivery: 'secure_portal' },
  ]);
  await db.insert(mailConnectors).values({ orgId, name: 'Bench relay', allowedRanges: ['127.0.0.1/32'], createdBy: `owner@${DOMAIN}` });
  return orgId;
}

/**
 * CPU time (ms) of the PostgreSQL backends serving the gateway or the workers (their PGAPPNAME
 * below), from /proc: the database's share of each message, which the processes' own CPU time
 * leaves out. A backend that ends meanwhile (the pool's idle timeout) takes its share with it.
 */
async function backendsCpuMs(application: string): Promise<Map<number, number>> {
  const rows = (await getDb().execute<{ pid: number }>(
    sql`select pid from pg_stat_activity where application_name = ${application} and datname = current_database()`,
  )) as unknown as { pid: number }[];
  const ticks = 100; // USER_HZ on Linux
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      cpu.set(pid, ((Number(fields[11]) + Number(fields[12])) / ticks) * 1000);
    } catch {
      // Not on Linux, or the server is elsewhere: no figure.
    }
  }
  return cpu;
}

function cpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

async function counts(orgId: string) {
  const db = getDb();
  const [messages] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(gatewayMessages)
    .where(and(eq(gatewayMessages.orgId, orgId), ne(gatewayMessages.envelopeFrom, '')));
  const byStatus = await db
    .select({ status: gatewayRecipients.status, n: sql<number>`count(*)::int` })
    .from(gatewayRecipients)
    .where(eq(gatewayRecipients.orgId, orgId))
    .groupBy(gatewayRecipients.status);
  const status = Object.fromEntries(byStatus.map((r) => [r.status, r.n])) as Record<string, number>;
  return { messages: messages.n, delivered: status.delivered ?? 0, status };
}

async function untilDelivered(orgId: string, sink: { received: () => number }, expected: number, since: number) {
  const deadline = performance.now() + DELIVERY_TIMEOUT_MS;
  for (;;) {
    const now = await counts(orgId);
    // The relay's 250 comes after the sink has written the message: once the database says so, the files are there.
    if (now.delivered >= expected) return { ms: performance.now() - since, received: sink.received(), ...now };
    if (performance.now() > deadline) return { ms: NaN, received: sink.received(), ...now };
    await sleep(100);
  }
}

export async function smtpWorkload(databaseUrl: string): Promise<Measurement[]> {
  const tools = postfixTools();
  const orgId = await prepareOrganisation();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-smtp-bench-'));
  // smtp-sink (as `nobody` when we are root) writes under it; the attachment store's own folder stays 0700.
  fs.chmodSync(dataDir, 0o711);
  const sink = await startSink(tools.sink, path.join(dataDir, 'sink'));
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    SEALPOST_DATA_DIR: dataDir,
    SEALPOST_DEMO: '0',
    AUTH_SECRET: 'smtp-bench-secret-smtp-bench-secret-0123456789',
    SMTP_RELAY_HOST: `127.0.0.1:${sink.port}`,
    JOBS_WORKERS: '1',
  };
  // postgres.js names its connections after PGAPPNAME: the gateway's backends are told apart by it.
  const gateway = benchProcess('smtp-gateway.ts', { ...env, PGAPPNAME: GATEWAY_APP });
  const workers = benchProcess('smtp-workers.ts', { ...env, PGAPPNAME: WORKERS_APP });
  try {
    const { port } = await new Promise<{ port: number }>((resolve, reject) => {
      gateway.once('exit', (code) => reject(new Error(`the gateway exited (${code})`)));
      gateway.on('message', (m: { type: string; port: number }) => m.type === 'listening' && resolve(m));
    });

    // The workers first: they create pg-boss's schema and queues, which the gateway's first
    // message would otherwise do at the same moment (two processes creating a queue can deadlock).
    await new Promise<void>((resolve, reject) => {
      workers.once('exit', (code) => reject(new Error(`the workers exited (${code})`)));
      workers.on('message', (m: { type: string }) => m.type === 'started' && resolve());
    });

    // Warm-up (JIT, prepared statements, pg-boss's queue cache), delivered before the measured run.
    const warm = await smtpSource(tools.source, port, WARM_UP, SESSIONS);
    if (warm.stderr.trim()) console.log(`smtp: smtp-source (warm-up) said: ${warm.stderr.trim().split('\n').slice(0, 5).join(' | ')}`);
    const warmed = await untilDelivered(orgId, sink, WARM_UP, performance.now());
    if (Number.isNaN(warmed.ms)) throw new Error(`warm-up not delivered: ${JSON.stringify(warmed.status)}`);
    await request(gateway, 'reset');
    await request(workers, 'reset');
    const workersBackendsBefore = await backendsCpuMs(WORKERS_APP);

    console.log(`smtp: ${MESSAGES.toLocaleString('en')} messages of ${SIZE / 1024} KB over ${SESSIONS} connections …`);
    const backendsBefore = await backendsCpuMs(GATEWAY_APP);
    const started = performance.now();
    const run = await smtpSource(tools.source, port, MESSAGES, SESSIONS);
    if (run.stderr.trim()) console.log(`smtp: smtp-source said: ${run.stderr.trim().split('\n').slice(0, 5).join(' | ')}`);
    const databaseCpu = cpuSpent(backendsBefore, await backendsCpuMs(GATEWAY_APP));
    const { histogram, messages, refusals, cpu } = await request<{ histogram: MetricValue[]; messages: MetricValue[]; refusals: MetricValue[]; cpu: NodeJS.CpuUsage }>(gateway, 'metrics');
    const accepted = messages.find((m) => m.labels.outcome === 'accepted')?.value ?? 0;
    const duplicates = messages.find((m) => m.labels.outcome === 'duplicate')?.value ?? 0;
    const refused = refusals.reduce((sum, r) => sum + r.value, 0);
    const rate = accepted / (run.ms / 1000);
    const afterAccept = await counts(orgId);
    const expected = afterAccept.messages;
    const delivered = await untilDelivered(orgId, sink, expected, started);
    // The workers' share: from the measured run's start until the last delivery (the warm-up was delivered before).
    const workersDatabaseCpu = cpuSpent(workersBackendsBefore, await backendsCpuMs(WORKERS_APP));
    const workersCpu = (await request<{ cpu: NodeJS.CpuUsage }>(workers, 'metrics')).cpu;
    const workersCpuPerMessage = (workersCpu.user + workersCpu.system) / 1000 / Math.max(1, expected - WARM_UP);
    const workersDatabaseCpuPerMessage = workersDatabaseCpu / Math.max(1, expected - WARM_UP);
    const lost = expected - Math.min(delivered.delivered, delivered.received);
    const gatewayCpuPerMessage = (cpu.user + cpu.system) / 1000 / Math.max(1, accepted);
    const databaseCpuPerMessage = databaseCpu / Math.max(1, accepted);
    const p50 = histogramQuantile(histogram, 0.5) * 1000;
    const p95 = histogramQuantile(histogram, 0.95) * 1000;
    const complete = accepted === MESSAGES && lost === 0 && expected === WARM_UP + MESSAGES;
    return [
      {
        workload: 'smtp-accept',
        size: `${MESSAGES.toLocaleString('en')} × 20 KB, ${SESSIONS} connections`,
        samples: [],
        quantiles: { p50, p95 },
        unit: 'ms',
        throughput: rate,
        bar: `≥ ${BAR} msg/s accepted`,
        met: () => rate >= BAR && complete,
        note: `${accepted} accepted (250), ${duplicates} duplicates, ${refused} refused in ${(run.ms / 1000).toFixed(1)} s; p50/p95 = end of DATA to 250 (gateway histogram); CPU per message: gateway ${gatewayCpuPerMessage.toFixed(2)} ms, its PostgreSQL backends ${databaseCpuPerMessage.toFixed(2)} ms`,
      },
      {
        workload: 'smtp-delivered',
        size: `${(WARM_UP + MESSAGES).toLocaleString('en')} messages`,
        samples: [delivered.ms],
        unit: 'ms',
        bar: 'all delivered, none lost',
        met: () => lost === 0 && !Number.isNaN(delivered.ms),
        note: `every message at the sink ${(delivered.ms / 1000).toFixed(1)} s after the run began: ${delivered.delivered} delivered of ${expected} accepted, sink received ${delivered.received}${lost ? `, ${lost} LOST (${JSON.stringify(delivered.status)})` : ''}; CPU per message: workers ${workersCpuPerMessage.toFixed(2)} ms, their PostgreSQL backends ${workersDatabaseCpuPerMessage.toFixed(2)} ms`,
      },
    ];
  } finally {
    await stopChild(gateway);
    await stopChild(workers);
    await sink.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
