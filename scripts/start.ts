/**
 * `npm start` / `npm run dev`: brings the portal up.
 * - With DATABASE_URL: migrates that database and serves it (production).
 * - Without it: starts an embedded PostgreSQL under .data/, migrates it, seeds the demo data on
 *   first start, and stops it on exit (demo mode).
 * `npm start` builds the app first when there is no production build yet.
 * `WEB_CONCURRENCY=N` (`npm start` only) serves with N worker processes sharing the port, one per
 * core: a Node process renders on one core, so a single process leaves the others idle.
 */
// First: the modules loaded below (dynamically, after this hook is in place) `import 'server-only'`,
// which plain Node resolves through scripts/server-only.mjs.
import './server-only.mjs';
import { spawnSync } from 'node:child_process';
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, env, resetEnvCache, type Env } from '@/lib/env';
import { addServerClosers, exitAfterShutdown, Shutdown } from '@/lib/shutdown';

// This script reads its settings through lib/env.ts like the app; it writes process.env to hand the
// server (in this process, its cluster workers and `next build`) the values it chose, e.g. the
// embedded database's URL.

const mode = process.argv[2] === 'dev' ? 'dev' : 'start';
const root = process.cwd();

function log(message: string) {
  process.stdout.write(`[sealpost] ${message}\n`);
}

/** True when there is no production build, or a source file changed after it was made. */
function buildIsStale(): boolean {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  if (!fs.existsSync(buildId)) return true;
  const builtAt = fs.statSync(buildId).mtimeMs;
  const sourceDirs = ['app', 'components', 'lib', 'db', 'public', 'types'];
  const sourceFiles = ['package.json', 'next.config.ts', 'auth.ts', 'auth.config.ts', 'instrumentation.ts'];
  const newer = (file: string) => fs.existsSync(file) && fs.statSync(file).mtimeMs > builtAt;
  const walk = (dir: string): boolean =>
    fs.existsSync(dir) &&
    fs.readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? walk(full) : newer(full);
    });
  return sourceFiles.some((f) => newer(path.join(root, f))) || sourceDirs.some((d) => walk(path.join(root, d)));
}

/** Worker processes for `npm start`: WEB_CONCURRENCY, a number or `auto` (one per core, at most 64); 1 by default. */
function webConcurrency(config: Env): number {
  return config.WEB_CONCURRENCY === 'auto' ? Math.min(64, os.availableParallelism()) : config.WEB_CONCURRENCY;
}

/** A cluster worker: the primary has migrated, built and set the environment; this only serves. */
async function serveWorker() {
  const config = env();
  const { serve } = await import('./server');
  const { close } = await serve({ dev: false, port: config.PORT, hostname: config.HOST });
  await addServerClosers(shutdown, close);
  const stop = exitAfterShutdown(shutdown);
  // The primary is gone (killed): nobody will send us SIGTERM or route connections to us.
  process.on('disconnect', () => void stop('primary exited'));
}

/**
 * The primary of `WEB_CONCURRENCY` workers: forks them, replaces one that dies while serving,
 * and on SIGINT/SIGTERM stops them all (each drains its own requests) before the database.
 */
async function runCluster(count: number, options: { announce: () => void }) {
  // A scrape of /api/metrics reaches one worker, which asks here for every worker's metrics.
  const { serveClusterMetrics } = await import('@/lib/metrics');
  serveClusterMetrics();
  let stopping = false;
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === count) options.announce();
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    if (listening === 0) {
      console.error(`[sealpost] worker ${worker.process.pid} exited before serving (${signal ?? code}).`);
      process.exit(1);
    }
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another …`);
    setTimeout(() => cluster.fork(), 1000);
  });
  // A page render allocates a few MB of short-lived objects; a 64 MB young generation (V8's
  // default is 16 MB) collects them in far fewer scavenges: about 7% less CPU per page here.
  // NODE_OPTIONS is Node's own variable, not the app's configuration: read here, not in lib/env.ts.
  const youngGeneration = /--max-semi-space-size/.test(`${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`) ? [] : ['--max-semi-space-size=64'];
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...youngGeneration] });
  for (let i = 0; i < count; i++) cluster.fork();
  shutdown.add('intake', {
    name: `${count} workers`,
    close: async () => {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (worker.isDead()) return resolve();
              worker.once('exit', () => resolve());
              worker.process.kill('SIGTERM');
            }),
        ),
      );
    },
  });
}

/** What this process has started, to stop on a signal or when starting fails half-way. */
const shutdown = new Shutdown(log);

/**
 * The SMTP gateway (lib/mailflow/gateway.ts), once per `npm start`: in the primary when there are
 * several web workers (they would otherwise compete for one port, for nothing — the gateway keeps
 * no state of its own, and several `npm start` instances on one database share the work), in the
 * web process otherwise. SMTP_GATEWAY=0 leaves it off. On shutdown it stops with the other intake:
 * new sessions are answered 421, open ones finish.
 */
async function startMailGateway() {
  resetEnvCache();
  if (!env().SMTP_GATEWAY) return;
  const { startConfiguredGateway } = await import('@/lib/mailflow/run-gateway');
  const gateway = await startConfiguredGateway();
  const { SMTP_HOST, SMTP_TLS_CERT } = env();
  const tls = Boolean(SMTP_TLS_CERT) || env().SEALPOST_DEMO;
  log(`SMTP gateway listening on ${SMTP_HOST}:${gateway.port}${tls ? ' (STARTTLS)' : ' (no STARTTLS: set SMTP_TLS_CERT and SMTP_TLS_KEY for SMTP AUTH)'}`);
  shutdown.add('intake', { name: 'SMTP gateway', close: gateway.close });
}

async function main() {
  if (cluster.isWorker) return serveWorker();
  // Every variable is checked before anything starts (database, build): a bad one stops here.
  const config = env();
  const workers = mode === 'start' ? webConcurrency(config) : 1;
  const dataDir = path.resolve(root, config.SEALPOST_DATA_DIR);
  // Demo mode is on by default without DATABASE_URL (an embedded database is started below).
  const demo = config.SEALPOST_DEMO;
  if (!config.AUTH_SECRET && !demo) throw new ConfigError('Invalid configuration: AUTH_SECRET must be set (generate one with `openssl rand -base64 32`)');
  if (!config.SEALPOST_MASTER_KEY && !config.KMS_KEY_ID && !demo) {
    throw new ConfigError('Invalid configuration: SEALPOST_MASTER_KEY must be set, or KMS_KEY_ID (generate a master key with `openssl rand -base64 32`)');
  }
  const { PORT: port, HOST: hostname } = config;
  process.env.APP_URL = config.APP_URL;
  process.env.PORT = String(port);
  process.env.SEALPOST_DEMO = demo ? '1' : '0';
  // From here SIGTERM/SIGINT stop what has started so far, in order; each part adds its closer as it starts.
  exitAfterShutdown(shutdown, { log });

  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    const { leaveSignalsToCaller, startEmbeddedPostgres } = await import('@/lib/embedded-postgres');
    const { createDatabase, withDatabase } = await import('@/lib/db-admin');
    fs.mkdirSync(dataDir, { recursive: true });
    // As root, PostgreSQL runs as its own OS user and must reach .data/postgres; the attachment
    // store may have created .data as 0700 first (e.g. the tests did). Others may pass, not list.
    if (process.getuid?.() === 0) fs.chmodSync(dataDir, 0o711);
    log(`No DATABASE_URL: starting the embedded PostgreSQL in ${path.relative(root, dataDir) || '.'}/postgres …`);
    const server = await startEmbeddedPostgres(path.join(dataDir, 'postgres'));
    // Stopped by `shutdown`, after the server has answered its requests in flight.
    leaveSignalsToCaller();
    shutdown.add('database', { name: 'embedded PostgreSQL', close: server.stop });
    await createDatabase(server.url, 'sealpost');
    databaseUrl = withDatabase(server.url, 'sealpost');
    process.env.DATABASE_URL = databaseUrl;
  } else if (demo) {
    // A demo on an existing server (as the browser tests run it): create its database if needed.
    const { createDatabase, withDatabase } = await import('@/lib/db-admin');
    const url = new URL(databaseUrl);
    await createDatabase(withDatabase(url.toString(), 'postgres'), url.pathname.slice(1));
  }

  if (!config.AUTH_SECRET) {
    const secretFile = path.join(dataDir, 'auth-secret');
    fs.mkdirSync(dataDir, { recursive: true });
    if (!fs.existsSync(secretFile)) fs.writeFileSync(secretFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    process.env.AUTH_SECRET = fs.readFileSync(secretFile, 'utf8').trim();
  }
  if (!config.SEALPOST_MASTER_KEY && !config.KMS_KEY_ID) {
    const { demoMasterKey } = await import('@/lib/crypto/keys');
    process.env.SEALPOST_MASTER_KEY = demoMasterKey(dataDir);
  }
  // The seeding below seals messages with the keys just chosen.
  resetEnvCache();

  const { createDb } = await import('@/db/client');
  const { runMigrations } = await import('@/db/migrate');
  const { ensureDemoConnector, ensurePriceTiers, isSeeded, seedDemo } = await import('@/db/seed');
  const { sql, db } = createDb(databaseUrl, 2);
  try {
    await runMigrations(db);
    await ensurePriceTiers(db);
    if (demo && !(await isSeeded(db))) {
      log('Seeding the demo data (Acme Health and Globex) …');
      await seedDemo(db);
    } else if (demo && (await ensureDemoConnector(db))) {
      // Demo data from before the SMTP gateway: the README's connector was missing.
      log('Added the demo SMTP connector (acme-relay) to the existing demo data.');
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  // Messages written before the keyed search index get theirs while the app serves (resumable).
  void buildSearchIndex(databaseUrl);

  if (mode === 'start' && buildIsStale()) {
    log('No up-to-date production build: running `next build` (a minute or two) …');
    const build = spawnSync('npx', ['next', 'build'], { stdio: 'inherit', env: process.env });
    if (build.status !== 0) throw new Error('next build failed');
  }

  (process.env as Record<string, string>).NODE_ENV = mode === 'dev' ? 'development' : 'production';
  // A real deployment without Stripe takes no cards (the test gateway is for demo mode only); say
  // so once here rather than let an operator find out from a customer. A half-set Stripe
  // configuration throws here and stops the start with its reason.
  const { cardPaymentsStartupNotice } = await import('@/lib/billing/card-payments');
  const cardsNotice = cardPaymentsStartupNotice();
  if (cardsNotice) log(cardsNotice);
  // The server in this process reads the values set above.
  resetEnvCache();
  const announce = () => log(`Sealpost is running at ${config.APP_URL}${workers > 1 ? ` (${workers} workers)` : ''}${demo ? ' (demo data; outbox at /dev/outbox)' : ''}`);
  if (workers > 1) {
    await startMailGateway();
    await runCluster(workers, { announce });
    return;
  }
  const { serve } = await import('./server');
  const { close } = await serve({ dev: mode === 'dev', port, hostname });
  await startMailGateway();
  announce();
  await addServerClosers(shutdown, close);
}

/** The keyed search index of messages that have none (after an upgrade), on a connection of its own; progress logged. */
async function buildSearchIndex(url: string) {
  const { createDb } = await import('@/db/client');
  const { reindexMessages } = await import('@/lib/messaging/search-index');
  const { sql, db } = createDb(url, 1);
  try {
    const done = await reindexMessages(db, { batchSize: 500, onProgress: (indexed, remaining) => remaining > 0 && log(`Search index: ${indexed} messages indexed, ${remaining} to go …`) });
    if (done > 0) log(`Search index built for ${done} messages.`);
  } catch (error) {
    log(`Search index not built (run \`npm run search-index -- reindex\`): ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

main().catch(async (error: unknown) => {
  // A bad setting is the operator's to fix: one line naming it, no stack.
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(`[sealpost] ${error instanceof Error ? error.message : String(error)}`);
  // E.g. a failed migration: the embedded PostgreSQL started for it is not left running.
  await shutdown.run();
  process.exit(1);
});
