import 'server-only';
import { errorFields, log } from '@/lib/log';
import { sql } from 'drizzle-orm';
import { rawClient, type Db, type DbOrTx } from '@/db/client';
import { mailConnectorCounters } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import type { RecognisedConnector } from './connectors';

/** The start of `now`'s minute: the counters' window. */
export function minuteOf(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 60_000) * 60_000);
}

/** Adds one to a connector's counter for this minute and returns the new count (one statement, any number of processes). */
export async function bumpCounter(db: DbOrTx, connectorId: string, kind: 'messages' | 'refusals', now: Date): Promise<number> {
  const [row] = await db
    .insert(mailConnectorCounters)
    .values({ connectorId, kind, minute: minuteOf(now), count: 1 })
    .onConflictDoUpdate({
      target: [mailConnectorCounters.connectorId, mailConnectorCounters.kind, mailConnectorCounters.minute],
      set: { count: sql`${mailConnectorCounters.count} + 1` },
    })
    .returning({ count: mailConnectorCounters.count });
  return row.count;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Counts a message of the connector for the rate limit (at MAIL FROM) and returns this minute's
 * count: bumpCounter, but committed asynchronously (`synchronous_commit = off`), so the gateway
 * does not wait for a WAL flush before each message on top of the one that keeps it. A crash of
 * PostgreSQL can lose the last fraction of a second of counts, which only lets a connector send a
 * few more messages in that minute: the limit stays enforced across any number of gateway
 * processes. One round trip: both statements go in one simple-protocol query (their implicit
 * transaction, which SET LOCAL applies to and an error rolls back whole), hence the values in the
 * text — a connector id checked to be a UUID and the minute, nothing a client sent.
 */
export async function countMessage(db: Db, connectorId: string, now: Date): Promise<number> {
  if (!UUID.test(connectorId)) throw new TypeError(`Not a connector id: ${connectorId}`);
  const results = (await rawClient(db).unsafe(
    `set local synchronous_commit = off;
     insert into mail_connector_counters as c (connector_id, kind, minute, count)
     values ('${connectorId}', 'messages', '${minuteOf(now).toISOString()}', 1)
     on conflict (connector_id, kind, minute) do update set count = c.count + 1
     returning count`,
  )) as unknown as { count: number }[][];
  return results[1][0].count;
}

export type Refusal = {
  /** The SMTP reply code and RFC 3463 enhanced code, e.g. 550 and 5.7.1. */
  code: number;
  enhanced: string;
  text: string;
  /** What was refused, for the log: `auth`, `mail_from`, `rcpt_to`, `data`. */
  stage: string;
};

/**
 * Logs a refusal, and for a recognised connector counts it; the first refusal of a connector in
 * a minute is an audit event (the count of the rest shows on /settings/mail-flow), so a flood of
 * bad mail writes one audit row a minute, not one per message. Never throws: a refusal with the
 * database down is still answered.
 */
export async function recordRefusal(db: Db, input: { connector: RecognisedConnector | null; refusal: Refusal; clientAddress: string; now?: Date }) {
  const { refusal, connector } = input;
  const now = input.now ?? new Date();
  if (!connector) return;
  try {
    await db.transaction(async (tx) => {
      const count = await bumpCounter(tx, connector.id, 'refusals', now);
      if (count !== 1) return;
      await recordAuditEvent(tx, {
        orgId: connector.orgId,
        actor: { type: 'system', email: `connector:${connector.name}` },
        action: 'mail_flow.refused',
        summary: `The gateway refused mail from the connector "${connector.name}": ${refusal.code} ${refusal.enhanced} ${refusal.text} (further refusals this minute are counted, not listed)`,
        target: { type: 'mail_connector', id: connector.id, label: connector.name },
        clientAddress: input.clientAddress,
        metadata: { code: refusal.code, enhancedCode: refusal.enhanced, stage: refusal.stage },
        now,
      });
    });
  } catch (error) {
    log('gateway').error({ connectorId: connector.id, ...errorFields(error, false) }, 'could not record a refusal');
  }
}
