import { sql } from 'drizzle-orm';
import type { DbOrTx } from './client';

export const DEMO_DELIVERY_EVENTS = 30_000;

const SENDERS = [
  'alice@acme.example',
  'billing@acme.example',
  'dr.patel@acme.example',
  'records@acme.example',
  'j.nguyen@acme.example',
  'claims@acme.example',
  'support@acme.example',
  'hr@acme.example',
];
const LOCAL_PARTS = ['jo', 'sam.taylor', 'm.garcia', 'lee', 'priya.k', 'accounts', 'frontdesk', 'r.okafor', 'chen.wei', 'intake', 'dana', 'legal'];
const DOMAINS = ['partner.example', 'northwind.example', 'contoso.example', 'fabrikam.example', 'lakeside-clinic.example', 'example.org', 'mail.example.net', 'harbor-law.example'];

/**
 * Delivery-event demo data: ~30,000 delivery events over the last 90 days for one organisation, in ONE
 * insert … select over generate_series (well under a second). Mostly delivered; ~2% hard bounces
 * (5.1.1 user unknown), ~7% soft bounces (5.7.1 policy, 4.2.2 mailbox full, 4.4.1 no answer),
 * ~2% deferred (greylisting), with MTA-style diagnostics. Every thousandth event goes to
 * person@example.com so that the example query on /delivery-events finds something.
 */
export async function seedDeliveryEvents(
  db: DbOrTx,
  orgId: string,
  now: Date,
  size = DEMO_DELIVERY_EVENTS,
  spanDays = 90,
): Promise<void> {
  // Spread evenly over the span, leaving room for up to 4 minutes of jitter.
  const stepSeconds = (spanDays * 86_400 - 240) / size;
  const senders = sql`(array[${sql.join(SENDERS.map((s) => sql`${s}`), sql`, `)}]::text[])`;
  const locals = sql`(array[${sql.join(LOCAL_PARTS.map((s) => sql`${s}`), sql`, `)}]::text[])`;
  const domains = sql`(array[${sql.join(DOMAINS.map((s) => sql`${s}`), sql`, `)}]::text[])`;
  await db.execute(sql`
    insert into delivery_events (org_id, occurred_at, message_id, sender, recipient, event, method, remote_server,
                                 smtp_code, enhanced_code, diagnostic, bounce_class, reason, source, received_at)
    select ${orgId}::uuid, t.at, t.message_id, t.sender, t.recipient,
           o.event, t.method, t.mx, o.smtp, o.enhanced, o.diagnostic, o.class, o.reason, t.source, t.at + interval '2 seconds'
    from generate_series(1, ${size}) g
    cross join lateral (
      select abs(hashint4(g)) % 100 as r, abs(hashint4(g + 7919)) % 100 as m, g % 1000 = 8 as person,
             ${domains}[1 + abs(hashint4(g * 3)) % ${DOMAINS.length}::int] as domain
    ) h
    cross join lateral (
      select ${now.toISOString()}::timestamptz - g * ${stepSeconds}::float8 * interval '1 second' - (abs(hashint4(g * 5)) % 240) * interval '1 second' as at,
             '<' || substr(md5('acme-' || g), 1, 20) || '@mail.acme.example>' as message_id,
             ${senders}[1 + abs(hashint4(g * 11)) % ${SENDERS.length}::int] as sender,
             case when h.person then 'person@example.com'
                  else ${locals}[1 + abs(hashint4(g * 13)) % ${LOCAL_PARTS.length}::int] || '@' || h.domain end as recipient,
             case when h.person then 'mx1.example.com' else 'mx' || (1 + g % 2) || '.' || h.domain end as mx,
             case when h.m < 70 then 'tls' when h.m < 85 then 'secure_portal' when h.m < 93 then 'sms_two_factor' else 'plain' end as method,
             case when g % 4 = 0 then 'provider' else 'ingest' end as source
    ) t
    cross join lateral (
      select * from (values
        (h.r < 2, 'bounced', 550, '5.1.1', '550 5.1.1 <' || t.recipient || '>: Recipient address rejected: User unknown in virtual mailbox table', 'hard', 'user_unknown'),
        (h.r = 2, 'bounced', 550, '5.7.1', '550 5.7.1 Message rejected due to local policy; delivery not authorized. Contact postmaster@' || split_part(t.recipient, '@', 2), 'soft', 'policy_blocked'),
        (h.r between 3 and 6, 'bounced', 452, '4.2.2', '452 4.2.2 <' || t.recipient || '>: Mailbox full: user is over quota', 'soft', 'mailbox_full'),
        (h.r between 7 and 8, 'bounced', 421, '4.4.1', '421 4.4.1 Connection timed out: no answer from ' || t.mx || ' [port 25]', 'soft', 'expired'),
        (h.r between 9 and 10, 'deferred', 451, '4.7.1', '451 4.7.1 <' || t.recipient || '>: Recipient address rejected: Greylisted, try again in 300 seconds', null, 'rate_limited'),
        (h.r > 10 and g % 2 = 0, 'delivered', 250, '2.0.0', '250 2.0.0 OK: message accepted for delivery', null, null),
        (h.r > 10 and g % 2 = 1, 'delivered', 250, '2.0.0', '250 2.0.0 Ok: queued as ' || upper(substr(md5('q' || g), 1, 10)), null, null)
      ) v(hit, event, smtp, enhanced, diagnostic, class, reason)
      where v.hit
    ) o`);
}
