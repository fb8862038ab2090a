import { createDb } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { ensurePriceTiers } from '@/db/seed';
import { databaseUrl } from '@/lib/env';
import { reindexMessages } from '@/lib/messaging/search-index';

const { sql, db } = createDb(databaseUrl(), 1);
try {
  await runMigrations(db);
  await ensurePriceTiers(db);
  console.log('Migrations applied.');
  // Messages written before the keyed search index (migration 0023) get theirs; nothing to do after that.
  try {
    const indexed = await reindexMessages(db, { onProgress: (done, remaining) => console.log(`Search index: ${done} messages indexed, ${remaining} to go …`) });
    if (indexed > 0) console.log(`Search index built for ${indexed} messages.`);
  } catch (error) {
    // Without the keys (SEALPOST_MASTER_KEY or KMS_KEY_ID) the index waits: the start builds it, or `npm run search-index -- reindex`.
    console.error(`Search index not built: ${error instanceof Error ? error.message : String(error)}`);
  }
} finally {
  await sql.end({ timeout: 5 });
}
