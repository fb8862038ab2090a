import type { TestProject } from 'vitest/node';
import { createDb } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { ensurePriceTiers } from '@/db/seed';
import { createScratchDatabase } from '@/lib/db-admin';

/** A fresh database for each run (DATABASE_URL's server, or embedded), migrated once, dropped at the end. */
export default async function setup(project: TestProject) {
  const database = await createScratchDatabase('test', process.env.DATABASE_URL);
  const { sql, db } = createDb(database.url, 1);
  await runMigrations(db);
  await ensurePriceTiers(db);
  await sql.end();
  project.provide('databaseUrl', database.url);
  return database.cleanup;
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}
