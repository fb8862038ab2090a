/**
 * `npm start` / `npm run dev`: brings the portal up.
 * - With DATABASE_URL: migrates that database and serves it (production).
 * - Without it: starts an embedded PostgreSQL under .data/, migrates it, seeds the demo data on
 *   first start, and stops it on exit (demo mode).
 * `npm start` builds the app first when there is no production build yet.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const mode = process.argv[2] === 'dev' ? 'dev' : 'start';
const root = process.cwd();
const dataDir = path.resolve(process.env.SEALPOST_DATA_DIR ?? path.join(root, '.data'));

function log(message: string) {
  process.stdout.write(`[sealpost] ${message}\n`);
}

/** True when there is no production build, or a source file changed after it was made. */
function buildIsStale(): boolean {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  if (!fs.existsSync(buildId)) return true;
  const builtAt = fs.statSync(buildId).mtimeMs;
  const sourceDirs = ['app', 'components', 'lib', 'db', 'public', 'types'];
  const sourceFiles = ['package.json', 'next.config.ts', 'proxy.ts', 'auth.ts', 'auth.config.ts', 'instrumentation.ts'];
  const newer = (file: string) => fs.existsSync(file) && fs.statSync(file).mtimeMs > builtAt;
  const walk = (dir: string): boolean =>
    fs.existsSync(dir) &&
    fs.readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? walk(full) : newer(full);
    });
  return sourceFiles.some((f) => newer(path.join(root, f))) || sourceDirs.some((d) => walk(path.join(root, d)));
}

async function main() {
  const port = Number(process.env.PORT ?? 3000);
  const hostname = process.env.HOST ?? '0.0.0.0';
  process.env.APP_URL ??= `http://localhost:${port}`;
  process.env.PORT = String(port);
  let stopDatabase: (() => Promise<void>) | undefined;

  if (!process.env.DATABASE_URL) {
    const { startEmbeddedPostgres } = await import('@/lib/embedded-postgres');
    const { createDatabase, withDatabase } = await import('@/lib/db-admin');
    fs.mkdirSync(dataDir, { recursive: true });
    log(`No DATABASE_URL: starting the embedded PostgreSQL in ${path.relative(root, dataDir) || '.'}/postgres …`);
    const server = await startEmbeddedPostgres(path.join(dataDir, 'postgres'));
    stopDatabase = server.stop;
    await createDatabase(server.url, 'sealpost');
    process.env.DATABASE_URL = withDatabase(server.url, 'sealpost');
    process.env.SEALPOST_DEMO ??= '1';
  }
  const demo = process.env.SEALPOST_DEMO === '1' || process.env.SEALPOST_DEMO === 'true';
  if (demo && !stopDatabase) {
    // A demo on an existing server (as the browser tests run it): create its database if needed.
    const { createDatabase, withDatabase } = await import('@/lib/db-admin');
    const url = new URL(process.env.DATABASE_URL);
    await createDatabase(withDatabase(url.toString(), 'postgres'), url.pathname.slice(1));
  }

  if (!process.env.AUTH_SECRET) {
    if (!demo) throw new Error('AUTH_SECRET is not set. Generate one with `openssl rand -base64 32`.');
    const secretFile = path.join(dataDir, 'auth-secret');
    fs.mkdirSync(dataDir, { recursive: true });
    if (!fs.existsSync(secretFile)) fs.writeFileSync(secretFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    process.env.AUTH_SECRET = fs.readFileSync(secretFile, 'utf8').trim();
  }
  process.env.AUTH_TRUST_HOST ??= 'true';

  const { createDb } = await import('@/db/client');
  const { runMigrations } = await import('@/db/migrate');
  const { ensurePriceTiers, isSeeded, seedDemo } = await import('@/db/seed');
  const { sql, db } = createDb(process.env.DATABASE_URL, 2);
  try {
    await runMigrations(db);
    await ensurePriceTiers(db);
    if (demo && !(await isSeeded(db))) {
      log('Seeding the demo data (Acme Health and Globex) …');
      await seedDemo(db);
    }
  } finally {
    await sql.end({ timeout: 5 });
  }

  if (mode === 'start' && buildIsStale()) {
    log('No up-to-date production build: running `next build` (a minute or two) …');
    const build = spawnSync('npx', ['next', 'build'], { stdio: 'inherit', env: process.env });
    if (build.status !== 0) throw new Error('next build failed');
  }

  (process.env as Record<string, string>).NODE_ENV = mode === 'dev' ? 'development' : 'production';
  const { serve } = await import('./server');
  const { close } = await serve({ dev: mode === 'dev', port, hostname });
  log(`Sealpost is running at ${process.env.APP_URL}${demo ? ' (demo data; outbox at /dev/outbox)' : ''}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down …`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    try {
      await close();
      await (globalThis as { __sealpostCloseBrowser?: () => Promise<void> }).__sealpostCloseBrowser?.();
      if (stopDatabase) await stopDatabase();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`[sealpost] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
