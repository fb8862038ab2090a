import { createDb } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { ensurePriceTiers } from '@/db/seed';
import { databaseUrl } from '@/lib/env';

const { sql, db } = createDb(databaseUrl(), 1);
try {
  await runMigrations(db);
  await ensurePriceTiers(db);
  console.log('Migrations applied.');
} finally {
  await sql.end({ timeout: 5 });
}
