import 'server-only';
import PgBoss from 'pg-boss';
import type postgres from 'postgres';
import { rawClient, type DbOrTx } from '@/db/client';

/**
 * Background jobs in PostgreSQL (pg-boss), run over our own postgres.js pool so that a job can
 * be enqueued inside the transaction of the change that causes it.
 */
export const QUEUES = {
  deliverOutbox: 'outbox.deliver',
  renewalReminders: 'renewals.remind',
  abandonedUploads: 'attachments.remove-abandoned',
  processGatewayMessage: 'mailflow.process',
  deliverGatewayMessage: 'mailflow.deliver',
  composeReplyHome: 'mailflow.reply-home',
  mailflowCleanup: 'mailflow.cleanup',
  keysHousekeeping: 'keys.housekeeping',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** pg-boss's defaults retry twice with no delay; a provider outage needs far more patience. */
export const RETRY_POLICY = { retryLimit: 12, retryDelay: 5, retryBackoff: true } as const;

function adapter(sql: postgres.Sql): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      // Like node-postgres, pass plain objects as JSON text and let the server infer the type.
      const params = (values ?? []).map((v) =>
        v !== null && typeof v === 'object' && !(v instanceof Date) && !Array.isArray(v) && !ArrayBuffer.isView(v) ? JSON.stringify(v) : v,
      ) as postgres.ParameterOrJSON<never>[];
      // pg-boss's maintenance and schema commands carry their own BEGIN … COMMIT; postgres.js
      // allows that only on a reserved connection.
      if (/^\s*BEGIN\b/i.test(text) && typeof sql.reserve === 'function') {
        const reserved = await sql.reserve();
        try {
          return { rows: [...(params.length ? await reserved.unsafe(text, params) : await reserved.unsafe(text))] };
        } catch (error) {
          // A statement that fails after the text's BEGIN leaves the session inside an aborted
          // transaction: every later query on this pooled connection would fail ("current
          // transaction is aborted") until a ROLLBACK. Seen when several processes created
          // pg-boss's schema at once on a fresh database (web workers and the gateway's primary).
          await reserved.unsafe('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          reserved.release();
        }
      }
      const rows = params.length ? await sql.unsafe(text, params) : await sql.unsafe(text);
      return { rows: [...rows] };
    },
  };
}

export function createBoss(sql: postgres.Sql): PgBoss {
  return new PgBoss({
    db: adapter(sql),
    schema: 'pgboss',
    ...RETRY_POLICY,
    expireInSeconds: 60,
    maintenanceIntervalSeconds: 120,
  });
}

/** Creates pg-boss's schema and our queues; idempotent. */
export async function prepareBoss(boss: PgBoss) {
  await boss.start();
  for (const name of Object.values(QUEUES)) {
    const existing = await boss.getQueue(name);
    if (!existing) await boss.createQueue(name, { name, ...RETRY_POLICY });
  }
}

/** Enqueues a job in the caller's transaction: it exists exactly when the change commits. */
export async function enqueueJob(
  boss: PgBoss,
  tx: DbOrTx,
  name: QueueName,
  data: object,
  options: PgBoss.SendOptions = {},
): Promise<string | null> {
  return boss.send(name, data, { ...RETRY_POLICY, ...options, db: adapter(rawClient(tx)) });
}
