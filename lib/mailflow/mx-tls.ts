import 'server-only';
import { inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { mxTlsCache } from '@/db/schema';

/** A probe older than this is stale: the domain counts as unknown again. */
export const MX_TLS_MAX_AGE_MS = 30 * 86_400_000;

/**
 * Whether each recipient domain accepts mail over verified STARTTLS, for the policy engine's
 * "recipients without TLS". Demo mode: every domain does (the demo outbox stands in for every
 * recipient's server, and it offers verified TLS). Otherwise the outbound engine's probe results
 * in `mx_tls_cache`; a domain never probed, or probed too long ago, counts as without TLS — the
 * safer answer — until the probe fills it in.
 */
export async function recipientTlsSupport(db: DbOrTx, domainList: string[], options: { demo: boolean; now: Date }): Promise<Map<string, boolean>> {
  const wanted = [...new Set(domainList.map((d) => d.toLowerCase()))];
  const result = new Map(wanted.map((d) => [d, options.demo]));
  if (options.demo || wanted.length === 0) return result;
  const rows = await db
    .select({ domain: mxTlsCache.domain, supportsTls: mxTlsCache.supportsTls, checkedAt: mxTlsCache.checkedAt })
    .from(mxTlsCache)
    .where(inArray(mxTlsCache.domain, wanted));
  for (const row of rows) {
    if (options.now.getTime() - row.checkedAt.getTime() <= MX_TLS_MAX_AGE_MS) result.set(row.domain, row.supportsTls);
  }
  return result;
}

/** Records a probe result (for the outbound engine's STARTTLS probe). */
export async function recordMxTls(db: DbOrTx, domain: string, supportsTls: boolean, checkedAt: Date): Promise<void> {
  await db
    .insert(mxTlsCache)
    .values({ domain: domain.toLowerCase(), supportsTls, checkedAt })
    .onConflictDoUpdate({ target: mxTlsCache.domain, set: { supportsTls, checkedAt: sql`excluded.checked_at` } });
}
