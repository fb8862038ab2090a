import { sql } from 'drizzle-orm';
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
  const candidates = [...softRecipients];
  for (let i = 0; i < candidates.length; i += CHUNK) {
    const chunk = candidates.slice(i, i + CHUNK);
    // One statement: the organisation's rule, the addresses' events in its window, and per address
    // the soft bounces since its last delivery (or hard bounce) there.
    const over = Array.from(
      await tx.execute<{ recipient: string; count: number; last_id: string; reason: string | null; detail: string | null; days: number }>(sql`
        with s as (select soft_bounce_limit as lim, soft_bounce_days as days from ${organisations} where id = ${orgId} and soft_bounce_limit > 0),
        w as (
          select e.recipient, e.event, e.bounce_class, e.reason, e.diagnostic, e.occurred_at, e.id
          from ${deliveryEvents} e, s
          where e.org_id = ${orgId} and e.recipient in (${sql.join(chunk.map((a) => sql`${a}`), sql`, `)})
            and e.occurred_at > ${now.toISOString()}::timestamptz - s.days * interval '1 day'
        ),
        good as (
          select recipient, max(occurred_at) as at from w
          where event = 'delivered' or (event = 'bounced' and bounce_class is distinct from 'soft')
          group by recipient
        )
        select w.recipient, count(*)::int as count, max(w.id)::text as last_id,
               (array_agg(w.reason order by w.occurred_at desc, w.id desc))[1] as reason,
               (array_agg(w.diagnostic order by w.occurred_at desc, w.id desc))[1] as detail,
               (select days from s) as days
        from w left join good g on g.recipient = w.recipient
        where w.event = 'bounced' and w.bounce_class = 'soft' and (g.at is null or w.occurred_at > g.at)
        group by w.recipient
        having count(*) >= (select lim from s)`),
    );
    if (over.length === 0) continue;
    const inserted = await tx
      .insert(suppressions)
      .values(
        over.map((o) => ({
          orgId,
          address: o.recipient,
          source: 'soft_bounces' as const,
          reason: o.reason ?? 'other',
          detail: `${o.count} soft bounces in a row within ${o.days} days; the last: ${(o.detail ?? '').slice(0, 400)}`,
          eventId: Number(o.last_id),
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
