import type PgBoss from 'pg-boss';
import type { Db } from '@/db/client';
import { sendRenewalReminders } from '@/lib/billing/renewal-reminders';
import { deliverOutboxMessage } from '@/lib/mail/deliver';
import { env } from '@/lib/env';
import { cleanUpMailFlow } from '@/lib/mailflow/clean-up';
import { processGatewayMessage } from '@/lib/mailflow/process-message';
import { removeAbandonedUploads } from '@/lib/messaging/attachments';
import { blobStore } from '@/lib/storage/storage';
import { emailTransport, smsTransport, type Transport } from '@/lib/mail/transport';
import { enqueueJob, QUEUES } from './queue';

type DeliverJob = { messageId: string };

/**
 * Starts this process's workers. Several processes may run them at once: pg-boss hands each job
 * to one worker, and delivery is idempotent besides.
 */
export async function startWorkers(
  boss: PgBoss,
  db: Db,
  transports: { email: Transport; sms: Transport } = { email: emailTransport(), sms: smsTransport() },
  options: { pollingIntervalSeconds?: number } = {},
) {
  // Hourly, so a reminder is at most an hour late after downtime; sending is idempotent. First,
  // because it is the one step here that needs the database: when it fails no worker is
  // registered yet, and the whole start can be tried again (lib/jobs/runtime.ts).
  await boss.schedule(QUEUES.renewalReminders, '5 * * * *', {});
  await boss.schedule(QUEUES.abandonedUploads, '35 * * * *', {});
  await boss.schedule(QUEUES.mailflowCleanup, '15 * * * *', {});
  await boss.work<DeliverJob>(
    QUEUES.deliverOutbox,
    { includeMetadata: true, batchSize: 10, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1 },
    async (jobs) => {
      // Each job succeeds or fails on its own; the jobs left active are completed by pg-boss
      // when this handler returns (completion only touches active jobs).
      for (const job of jobs) {
        const outcome = await deliverOutboxMessage(db, job.data.messageId, transports, {
          finalAttempt: job.retryCount >= job.retryLimit,
        });
        if (outcome.status !== 'retry') continue;
        if (outcome.retryAfterSeconds) {
          // The provider said when to come back (429 Retry-After): a fresh job at that time,
          // instead of pg-boss's own backoff.
          await enqueueJob(boss, db, QUEUES.deliverOutbox, job.data, {
            startAfter: outcome.retryAfterSeconds,
            retryLimit: Math.max(0, job.retryLimit - job.retryCount - 1),
          });
          continue;
        }
        await boss.fail(QUEUES.deliverOutbox, job.id, { message: outcome.error.message });
      }
    },
  );
  await boss.work(QUEUES.renewalReminders, async () => {
    await sendRenewalReminders(new Date());
  });
  await boss.work(QUEUES.abandonedUploads, async () => {
    await removeAbandonedUploads(new Date());
  });
  // Messages the SMTP gateway accepted: each job decides its recipients (lib/mailflow/process-message.ts).
  await boss.work<{ id: string }>(
    QUEUES.processGatewayMessage,
    { includeMetadata: true, batchSize: 4, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1 },
    async (jobs) => {
      for (const job of jobs) {
        try {
          await processGatewayMessage(db, job.data.id, { store: blobStore(), demo: env().SEALPOST_DEMO });
        } catch (error) {
          // Retried with backoff (the database or the store was away); the message waits as `received`.
          await boss.fail(QUEUES.processGatewayMessage, job.id, { message: error instanceof Error ? error.message : String(error) });
        }
      }
    },
  );
  await boss.work(QUEUES.mailflowCleanup, async () => {
    await cleanUpMailFlow(db, new Date());
  });
}
