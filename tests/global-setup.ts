import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createDb } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { ensurePriceTiers } from '@/db/seed';
import { createDatabase, dropDatabase, withDatabase } from '@/lib/db-admin';
import { startEmbeddedPostgres } from '@/lib/embedded-postgres';

/**
 * A fresh database for each run: on the server of DATABASE_URL when set, otherwise on an
 * embedded PostgreSQL started here. Migrated once, dropped at the end.
 */
export default async function setup(project: TestProject) {
  let serverUrl = process.env.DATABASE_URL;
  let stopServer: (() => Promise<void>) | undefined;
  let tmpDir: string | undefined;
  if (!serverUrl) {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-test-pg-'));
    fs.chmodSync(tmpDir, 0o777);
    const server = await startEmbeddedPostgres(path.join(tmpDir, 'data'), 0);
    serverUrl = server.url;
    stopServer = server.stop;
  }
  const name = `test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await createDatabase(serverUrl, name);
  const url = withDatabase(serverUrl, name);
  const { sql, db } = createDb(url, 1);
  await runMigrations(db);
  await ensurePriceTiers(db);
  await sql.end();
  project.provide('databaseUrl', url);

  return async () => {
    await dropDatabase(serverUrl, name).catch((e: unknown) => console.error('could not drop test database', e));
    if (stopServer) await stopServer();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}
