import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { deliveryEvents, organisations, suppressions } from '@/db/schema';
import type { BounceReason } from '@/lib/delivery/classify-bounce';

type StoredEvent = { id: number; recipient: string; event: string; bounceClass: 'hard' | 'soft' | null; reason: BounceReason | null; diagnostic: string; occurredAt: Date };

const CHUNK = 1000;

/**
 * Puts addresses on the organisation's suppression list from just-stored delivery events (call it
 * in the storing transaction): a hard bounce or a complaint at once; soft bounces only when the
 * address's last `softBounceLimit` bounces within `softBounceDays` days were all soft, with no
 * delivery in between (organisation settings, 5 over 7 days by default). An address already on
 * the list keeps its first entry (ON CONFLICT DO NOTHING), so concurrent reports add it once.
 */
export async function suppressFromEvents(tx: DbOrTx, orgId: string, events: readonly StoredEvent[], now: Date): Promise<number> {
  const immediate = new Map<string, { source: 'hard_bounce' | 'complaint'; reason: string; detail: string; eventId: number }>();
  const softRecipients = new Set<string>();
  for (const e of events) {
    if (!e.recipient) continue;
    if (e.event === 'complained') {
      immediate.set(e.recipient, { source: 'complaint', reason: 'complaint', detail: e.diagnostic.slice(0, 500), eventId: e.id });
    } else if ((e.event === 'bounced' || e.event === 'rejected') && e.bounceClass === 'hard') {
      if (!immediate.has(e.recipient)) immediate.set(e.recipient, { source: 'hard_bounce', reason: e.reason ?? 'other', detail: e.diagnostic.slice(0, 500), eventId: e.id });
    } else if (e.event === 'bounced' && e.bounceClass === 'soft') {
      softRecipients.add(e.recipient);
    }
  }
  let added = 0;
  const rows = [...immediate].map(([address, v]) => ({ orgId, address, ...v, createdBy: 'Sealpost', createdAt: now }));
  for (let i = 0; i < rows.length; i += CHUNK) {
    const inserted = await tx.insert(suppressions).values(rows.slice(i, i + CHUNK)).onConflictDoNothing().returning({ id: suppressions.id });
    added += inserted.length;
  }

  for (const address of immediate.keys()) softRecipients.delete(address);
  if (softRecipients.size === 0) return added;
  const [settings] = await tx
    .select({ limit: organisations.softBounceLimit, days: organisations.softBounceDays })
    .from(organisations)
    .where(eq(organisations.id, orgId));
  if (!settings || settings.limit < 1) return added;
  const since = new Date(now.getTime() - settings.days * 86_400_000);
  const candidates = [...softRecipients];
  for (let i = 0; i < candidates.length; i += CHUNK) {
    const chunk = candidates.slice(i, i + CHUNK);
    // Soft bounces since the address's last delivery (or hard bounce) in the window.
    const lastGood = tx
      .select({ recipient: deliveryEvents.recipient, at: sql<Date>`max(${deliveryEvents.occurredAt})`.as('at') })
      .from(deliveryEvents)
      .where(
        and(
          eq(deliveryEvents.orgId, orgId),
          inArray(deliveryEvents.recipient, chunk),
          gt(deliveryEvents.occurredAt, since),
          sql`(${deliveryEvents.event} = 'delivered' or (${deliveryEvents.event} = 'bounced' and ${deliveryEvents.bounceClass} is distinct from 'soft'))`,
        ),
      )
      .groupBy(deliveryEvents.recipient)
      .as('last_good');
    const over = await tx
      .select({
        recipient: deliveryEvents.recipient,
        count: sql<number>`count(*)::int`,
        lastId: sql<number>`max(${deliveryEvents.id})::bigint`.mapWith(Number),
        reason: sql<string>`(array_agg(${deliveryEvents.reason} order by ${deliveryEvents.occurredAt} desc, ${deliveryEvents.id} desc))[1]`,
        detail: sql<string>`(array_agg(${deliveryEvents.diagnostic} order by ${deliveryEvents.occurredAt} desc, ${deliveryEvents.id} desc))[1]`,
      })
      .from(deliveryEvents)
      .leftJoin(lastGood, eq(lastGood.recipient, deliveryEvents.recipient))
      .where(
        and(
          eq(deliveryEvents.orgId, orgId),
          inArray(deliveryEvents.recipient, chunk),
          gt(deliveryEvents.occurredAt, since),
          eq(deliveryEvents.event, 'bounced'),
          eq(deliveryEvents.bounceClass, 'soft'),
          sql`(${lastGood.at} is null or ${deliveryEvents.occurredAt} > ${lastGood.at})`,
        ),
      )
      .groupBy(deliveryEvents.recipient)
      .having(sql`count(*) >= ${settings.limit}`);
    if (over.length === 0) continue;
    const inserted = await tx
      .insert(suppressions)
      .values(
        over.map((o) => ({
          orgId,
          address: o.recipient,
          source: 'soft_bounces' as const,
          reason: o.reason ?? 'other',
          detail: `${o.count} soft bounces in a row within ${settings.days} days; the last: ${(o.detail ?? '').slice(0, 400)}`,
          eventId: o.lastId,
          createdBy: 'Sealpost',
          createdAt: now,
        })),
      )
      .onConflictDoNothing()
      .returning({ id: suppressions.id });
    added += inserted.length;
  }
  return added;
}
