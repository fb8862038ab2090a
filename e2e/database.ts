import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, dropDatabase, withDatabase } from '../lib/db-admin';
import { startEmbeddedPostgres } from '../lib/embedded-postgres';

/**
 * The browser tests' database: a fresh one on the DATABASE_URL server, or on an embedded
 * PostgreSQL when no server is configured. The app under test migrates and seeds it.
 */
const g = globalThis as unknown as { __e2eCleanup?: () => Promise<void> };

export async function prepareE2eDatabase(): Promise<string> {
  let serverUrl = process.env.DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  let dir: string | undefined;
  if (!serverUrl) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-e2e-pg-'));
    fs.chmodSync(dir, 0o777);
    const server = await startEmbeddedPostgres(path.join(dir, 'data'), 0);
    serverUrl = server.url;
    stop = server.stop;
  }
  const name = `e2e_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await createDatabase(serverUrl, name);
  const server = serverUrl;
  g.__e2eCleanup = async () => {
    await dropDatabase(server, name).catch(() => undefined);
    if (stop) await stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  };
  return withDatabase(serverUrl, name);
}

export async function cleanupE2eDatabase() {
  await g.__e2eCleanup?.();
}
