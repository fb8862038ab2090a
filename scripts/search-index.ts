/**
 * `npm run search-index -- reindex`: builds the keyed search index (lib/messaging/search-index.ts)
 * of every secure message that has none — those written before it existed. Batched and resumable:
 * stop it at any time and run it again; the app keeps serving meanwhile. Progress is printed.
 */
import { createDb } from '@/db/client';
import { reindexMessages } from '@/lib/messaging/search-index';
import { databaseUrl } from '@/lib/env';

const [command] = process.argv.slice(2);
if (command !== 'reindex') {
  console.error('Usage: npm run search-index -- reindex');
  process.exit(2);
}
const { sql, db } = createDb(databaseUrl(), 1);
try {
  const started = Date.now();
  const done = await reindexMessages(db, {
    onProgress: (indexed, remaining) => console.log(`Indexed ${indexed.toLocaleString('en-US')} messages, ${remaining.toLocaleString('en-US')} to go …`),
  });
  console.log(`Search index complete: ${done.toLocaleString('en-US')} messages indexed in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
} finally {
  await sql.end({ timeout: 5 });
}
