import 'server-only';
import { lt, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { gatewayMessageIds, mailConnectorCounters } from '@/db/schema';
import { errorFields, log } from '@/lib/log';
import { blobStore, type BlobStore } from '@/lib/storage/storage';
import { DEDUPE_WINDOW_MS } from './accept-message';

/** Raw copies removed per run of the clean-up at most (the next hour takes the rest). */
const RAW_COPY_BATCH = 1000;

/**
 * Hourly: forgets rate and refusal counters older than a day, and Message-IDs past the dedupe
 * window; removes the raw copies of messages whose every delivery is final but whose copy is still
 * in the store (accepted before raw copies were removed at the last delivery, or a removal that
 * failed after its commit). An hour's grace: the job that made them final removes them itself.
 */
export async function cleanUpMailFlow(db: Db, now: Date, store: BlobStore = blobStore()) {
  await db.delete(mailConnectorCounters).where(lt(mailConnectorCounters.minute, new Date(now.getTime() - 86_400_000)));
  await db.delete(gatewayMessageIds).where(lt(gatewayMessageIds.firstSeenAt, new Date(now.getTime() - DEDUPE_WINDOW_MS)));
  await removeFinishedRawCopies(db, now, store);
}

/** See cleanUpMailFlow; returns how many raw copies were removed. */
export async function removeFinishedRawCopies(db: Db, now: Date, store: BlobStore = blobStore()): Promise<number> {
  const rows = await db.execute<{ storage_key: string; id: string }>(sql`
    update gateway_messages g set raw_copy_removed_at = ${now.toISOString()}::timestamptz
    where g.id in (
      select k.id from gateway_messages k
      where k.raw_copy_removed_at is null and k.status <> 'received' and k.received_at < ${new Date(now.getTime() - 3_600_000).toISOString()}::timestamptz
        and not exists (select 1 from gateway_recipients r where r.gateway_message_id = k.id and r.org_id = k.org_id and r.status in ('pending', 'queued_for_delivery', 'deferred'))
      order by k.received_at
      limit ${RAW_COPY_BATCH}
      for update skip locked)
    returning g.storage_key, g.id`);
  for (const row of rows) {
    await store.delete(row.storage_key).catch((error: unknown) => log('mailflow').error({ gatewayMessageId: row.id, ...errorFields(error, false) }, 'could not remove a delivered message\'s raw copy'));
  }
  return rows.length;
}
