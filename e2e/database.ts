import { createScratchDatabase } from '../lib/db-admin';

/**
 * The browser tests' database: a fresh one on the DATABASE_URL server, or on an embedded
 * PostgreSQL when no server is configured. The app under test migrates and seeds it.
 */
const g = globalThis as unknown as { __e2eCleanup?: () => Promise<void> };

export async function prepareE2eDatabase(): Promise<string> {
  const database = await createScratchDatabase('e2e', process.env.DATABASE_URL);
  g.__e2eCleanup = database.cleanup;
  return database.url;
}

export async function cleanupE2eDatabase() {
  await g.__e2eCleanup?.();
}
