import 'server-only';
import { lt } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { gatewayMessageIds, mailConnectorCounters } from '@/db/schema';
import { DEDUPE_WINDOW_MS } from './accept-message';

/** Hourly: forgets rate and refusal counters older than a day, and Message-IDs past the dedupe window. */
export async function cleanUpMailFlow(db: Db, now: Date) {
  await db.delete(mailConnectorCounters).where(lt(mailConnectorCounters.minute, new Date(now.getTime() - 86_400_000)));
  await db.delete(gatewayMessageIds).where(lt(gatewayMessageIds.firstSeenAt, new Date(now.getTime() - DEDUPE_WINDOW_MS)));
}
