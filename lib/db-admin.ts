import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { startEmbeddedPostgres } from './embedded-postgres';

/** Server-level helpers used by the launcher, the tests and the bench (not by requests). */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function createDatabase(serverUrl: string, name: string) {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`Unsafe database name: ${name}`);
  const sql = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    if (rows.length === 0) await sql.unsafe(`create database "${name}"`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function dropDatabase(serverUrl: string, name: string) {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`Unsafe database name: ${name}`);
  const sql = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * A fresh database for tests and the bench: on the server of `serverUrl` (DATABASE_URL) when
 * given, otherwise on an embedded PostgreSQL started in a temporary folder. `cleanup` drops it
 * and stops what was started.
 */
export async function createScratchDatabase(prefix: string, serverUrl: string | undefined) {
  let server = serverUrl;
  let stop: (() => Promise<void>) | undefined;
  let dir: string | undefined;
  if (!server) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `sealpost-${prefix}-pg-`));
    // The embedded server runs as its own OS user when we are root: it must reach the folder.
    fs.chmodSync(dir, 0o777);
    const embedded = await startEmbeddedPostgres(path.join(dir, 'data'), 0);
    server = embedded.url;
    stop = embedded.stop;
  }
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await createDatabase(server, name);
  const at = server;
  return {
    url: withDatabase(server, name),
    cleanup: async () => {
      await dropDatabase(at, name).catch((e: unknown) => console.error(`could not drop ${name}`, e));
      if (stop) await stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
