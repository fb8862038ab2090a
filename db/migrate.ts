import path from 'node:path';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import type { Db } from './client';

export const migrationsFolder = path.join(process.cwd(), 'db', 'migrations');

/** Applies the committed migrations; safe to run at every start and by several instances at once. */
export async function runMigrations(db: Db) {
  await migrate(db, { migrationsFolder });
}
