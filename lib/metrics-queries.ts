import { sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';

type Gauge = { name: string; help: string; samples: { labels: Record<string, string>; value: number }[] };

/**
 * The gauges that describe the whole installation rather than one process, read at scrape time:
 * pg-boss's jobs by queue and state, the outbox by channel and status, and the database's
 * connections by state (what every process's pool holds open).
 */
export async function readOperationalGauges(db: DbOrTx): Promise<Gauge[]> {
  const jobs = await db.execute<{ name: string; state: string; n: number }>(
    sql`select name, state::text as state, count(*)::int as n from pgboss.job where state in ('created', 'retry', 'active', 'failed') group by 1, 2`,
  );
  const outbox = await db.execute<{ channel: string; status: string; n: number }>(sql`select channel, status, count(*)::int as n from outbox_messages group by 1, 2`);
  const connections = await db.execute<{ state: string; n: number }>(
    sql`select coalesce(state, 'unknown') as state, count(*)::int as n from pg_stat_activity where datname = current_database() group by 1`,
  );
  return [
    { name: 'sealpost_database_up', help: 'Whether the database answered the scrape.', samples: [{ labels: {}, value: 1 }] },
    {
      name: 'sealpost_jobs_in_queue',
      help: 'Background jobs waiting, retrying, running or failed, by queue and state.',
      samples: [...jobs].map((r) => ({ labels: { queue: r.name, state: r.state }, value: r.n })),
    },
    {
      name: 'sealpost_outbox_messages',
      help: 'Outgoing email and SMS by channel and status (queued is the backlog).',
      samples: [...outbox].map((r) => ({ labels: { channel: r.channel, status: r.status }, value: r.n })),
    },
    {
      name: 'sealpost_database_connections',
      help: "Connections to the application's database, by state.",
      samples: [...connections].map((r) => ({ labels: { state: r.state }, value: r.n })),
    },
  ];
}
