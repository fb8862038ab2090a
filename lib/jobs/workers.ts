import type PgBoss from 'pg-boss';
import type { Db } from '@/db/client';
import { makeInvoicePdfAttachment } from '@/lib/billing/invoice-pdf';
import { sendRenewalReminders } from '@/lib/billing/renewal-reminders';
import { deliverOutboxMessage, type AttachmentMaker } from '@/lib/mail/deliver';
import { env } from '@/lib/env';
import { cleanUpMailFlow } from '@/lib/mailflow/clean-up';
import { deliverGatewayMessage, deliveryJobOptions, resumeStalledDeliveries, type DeliveryJobOptions } from '@/lib/mailflow/deliver-message';
import { processGatewayMessage } from '@/lib/mailflow/process-message';
import { composeReplyHome } from '@/lib/mailflow/reply-home';
import { removeAbandonedUploads } from '@/lib/messaging/attachments';
import { destroyExpiredContent } from '@/lib/messaging/destroy-content';
import { migratePlainContent } from '@/lib/crypto/maintenance';
import { blobStore } from '@/lib/storage/storage';
import { emailTransport, smsTransport, type Transport } from '@/lib/mail/transport';
import { errorFields, log } from '@/lib/log';
import { metrics } from '@/lib/metrics';
import { enqueueJob, QUEUES, RETRY_POLICY } from './queue';

type DeliverJob = { messageId: string };

const jobsLog = log('jobs');

/** Runs a scheduled job with its log line and metric; a failure is rethrown for pg-boss to retry. */
async function timed(queue: string, run: () => Promise<unknown>) {
  const started = performance.now();
  try {
    await run();
    metrics().jobs.inc({ queue, outcome: 'completed' });
    jobsLog.info({ queue, durationMs: Math.round(performance.now() - started) }, 'job done');
  } catch (error) {
    metrics().jobs.inc({ queue, outcome: 'failed' });
    jobsLog.error({ queue, durationMs: Math.round(performance.now() - started), ...errorFields(error) }, 'job failed');
    throw error;
  }
}

/**
 * boss.work, except that a full batch fetches the next one at once: pg-boss waits its polling
 * interval after every batch, which held a queue to 4 jobs a second per process — 5,000 messages
 * through the SMTP gateway took 20 minutes to process (`npm run bench -- smtp`). A batch that is
 * not full means the queue is drained, and the worker polls again as before.
 */
async function workWhileFull<T extends object>(
  boss: PgBoss,
  queue: string,
  options: PgBoss.WorkOptions & { includeMetadata: true; batchSize: number },
  handler: (jobs: PgBoss.JobWithMetadata<T>[]) => Promise<void>,
): Promise<string> {
  let workerId = '';
  workerId = await boss.work<T>(queue, options, async (jobs) => {
    await handler(jobs);
    if (jobs.length >= options.batchSize) boss.notifyWorker(workerId);
  });
  return workerId;
}

/**
 * Starts this process's workers. Several processes may run them at once: pg-boss hands each job
 * to one worker, and delivery is idempotent besides.
 */
export async function startWorkers(
  boss: PgBoss,
  db: Db,
  transports: { email: Transport; sms: Transport } = { email: emailTransport(), sms: smsTransport() },
  options: {
    pollingIntervalSeconds?: number;
    /** SMTP delivery of gateway mail: overrides of the configured settings (tests: resolver, ports, CA of local sinks). */
    delivery?: Partial<Omit<DeliveryJobOptions, 'store'>>;
    /** Makes an email's attachment queued by its source (default: the invoice PDF from the print page). */
    makeAttachment?: AttachmentMaker;
  } = {},
) {
  // Hourly, so a reminder is at most an hour late after downtime; sending is idempotent. First,
  // because it is the one step here that needs the database: when it fails no worker is
  // registered yet, and the whole start can be tried again (lib/jobs/runtime.ts).
  await boss.schedule(QUEUES.renewalReminders, '5 * * * *', {});
  await boss.schedule(QUEUES.abandonedUploads, '35 * * * *', {});
  await boss.schedule(QUEUES.mailflowCleanup, '15 * * * *', {});
  // Every ten minutes, and once now (in the background: the app serves meanwhile): seal what is
  // still stored plain (rows and files from before encryption at rest, gateway attachments) and
  // destroy the keys of messages past their organisation's retention period.
  await boss.schedule(QUEUES.keysHousekeeping, '*/10 * * * *', {});
  await boss.send(QUEUES.keysHousekeeping, {}, { ...RETRY_POLICY, singletonKey: 'start', singletonSeconds: 60 }).catch((error: unknown) => jobsLog.error({ queue: QUEUES.keysHousekeeping, ...errorFields(error) }, 'could not queue the start-up key housekeeping'));
  await boss.work<DeliverJob>(
    QUEUES.deliverOutbox,
    { includeMetadata: true, batchSize: 10, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1 },
    async (jobs) => {
      // Each job succeeds or fails on its own; the jobs left active are completed by pg-boss
      // when this handler returns (completion only touches active jobs). The batch's jobs run side
      // by side: a message whose invoice PDF is still to be rendered (up to the render's timeout
      // when Chromium is unwell) must not hold up a password reset queued behind it.
      await Promise.all(
        jobs.map(async (job) => {
          const started = performance.now();
          const outcome = await deliverOutboxMessage(db, job.data.messageId, transports, {
            finalAttempt: job.retryCount >= job.retryLimit,
            makeAttachment: options.makeAttachment ?? makeInvoicePdfAttachment,
          });
          const fields = { queue: QUEUES.deliverOutbox, jobId: job.id, outboxId: job.data.messageId, retryCount: job.retryCount, durationMs: Math.round(performance.now() - started) };
          metrics().jobs.inc({ queue: QUEUES.deliverOutbox, outcome: outcome.status === 'retry' || outcome.status === 'failed' ? outcome.status : 'completed' });
          if (outcome.status !== 'retry') {
            jobsLog.info({ ...fields, outcome: outcome.status }, 'job done');
            return;
          }
          jobsLog.warn({ ...fields, outcome: 'retry', ...errorFields(outcome.error, false), retryAfterSeconds: outcome.retryAfterSeconds }, 'job will be retried');
          if (outcome.retryAfterSeconds) {
            // The provider said when to come back (429 Retry-After): a fresh job at that time,
            // instead of pg-boss's own backoff.
            await enqueueJob(boss, db, QUEUES.deliverOutbox, job.data, {
              startAfter: outcome.retryAfterSeconds,
              retryLimit: Math.max(0, job.retryLimit - job.retryCount - 1),
            });
            return;
          }
          await boss.fail(QUEUES.deliverOutbox, job.id, { message: outcome.error.message });
        }),
      );
    },
  );
  await boss.work(QUEUES.renewalReminders, () => timed(QUEUES.renewalReminders, () => sendRenewalReminders(new Date())));
  await boss.work(QUEUES.abandonedUploads, () => timed(QUEUES.abandonedUploads, () => removeAbandonedUploads(new Date())));
  // Messages the SMTP gateway accepted: each job decides its recipients (lib/mailflow/process-message.ts).
  await workWhileFull<{ id: string }>(
    boss,
    QUEUES.processGatewayMessage,
    // Local work (a parse and a few statements): 16 at a time, so fetching and completing the
    // batch (two statements each) weigh little on each message. Delivery below talks to remote
    // servers, so its batches stay small.
    { includeMetadata: true, batchSize: 16, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1 },
    async (jobs) => {
      for (const job of jobs) {
        const started = performance.now();
        const fields = { queue: QUEUES.processGatewayMessage, jobId: job.id, gatewayMessageId: job.data.id, retryCount: job.retryCount };
        try {
          await processGatewayMessage(db, job.data.id, { store: blobStore(), demo: env().SEALPOST_DEMO });
          metrics().jobs.inc({ queue: QUEUES.processGatewayMessage, outcome: 'completed' });
          jobsLog.info({ ...fields, durationMs: Math.round(performance.now() - started) }, 'job done');
        } catch (error) {
          // Retried with backoff (the database or the store was away); the message waits as `received`.
          metrics().jobs.inc({ queue: QUEUES.processGatewayMessage, outcome: 'retry' });
          jobsLog.warn({ ...fields, durationMs: Math.round(performance.now() - started), ...errorFields(error, false) }, 'job will be retried');
          await boss.fail(QUEUES.processGatewayMessage, job.id, { message: error instanceof Error ? error.message : String(error) });
        }
      }
    },
  );
  // Gateway recipients queued for SMTP: delivered, deferred (the job re-enqueues itself), bounced or sent to the portal.
  await workWhileFull<{ id: string }>(
    boss,
    QUEUES.deliverGatewayMessage,
    { includeMetadata: true, batchSize: 4, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1 },
    async (jobs) => {
      for (const job of jobs) {
        const started = performance.now();
        const fields = { queue: QUEUES.deliverGatewayMessage, jobId: job.id, gatewayMessageId: job.data.id, retryCount: job.retryCount };
        try {
          const run = await deliverGatewayMessage(db, job.data.id, deliveryJobOptions(blobStore(), options.delivery));
          metrics().jobs.inc({ queue: QUEUES.deliverGatewayMessage, outcome: 'completed' });
          for (const outcome of ['delivered', 'deferred', 'bounced'] as const) if (run[outcome].length) metrics().smtpDeliveries.inc({ outcome }, run[outcome].length);
          if (run.securePortal.length) metrics().smtpDeliveries.inc({ outcome: 'secure_portal' }, run.securePortal.length);
          jobsLog.info(
            { ...fields, durationMs: Math.round(performance.now() - started), delivered: run.delivered.length, deferred: run.deferred.length, bounced: run.bounced.length, securePortal: run.securePortal.length, nextRunAt: run.nextRunAt?.toISOString() ?? null },
            'job done',
          );
        } catch (error) {
          // The database or the store was away: pg-boss retries; claimed recipients wait out their lease.
          metrics().jobs.inc({ queue: QUEUES.deliverGatewayMessage, outcome: 'retry' });
          jobsLog.warn({ ...fields, durationMs: Math.round(performance.now() - started), ...errorFields(error, false) }, 'job will be retried');
          await boss.fail(QUEUES.deliverGatewayMessage, job.id, { message: error instanceof Error ? error.message : String(error) });
        }
      }
    },
  );
  // A portal message from an external correspondent: its copy for the internal users' mailboxes (lib/mailflow/reply-home.ts).
  await boss.work<{ id: string }>(
    QUEUES.composeReplyHome,
    { includeMetadata: true, batchSize: 4, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1 },
    async (jobs) => {
      for (const job of jobs) {
        const started = performance.now();
        const fields = { queue: QUEUES.composeReplyHome, jobId: job.id, secureMessageId: job.data.id, retryCount: job.retryCount };
        try {
          const outcome = await composeReplyHome(db, job.data.id, { store: blobStore(), hostname: options.delivery?.hostname });
          metrics().jobs.inc({ queue: QUEUES.composeReplyHome, outcome: 'completed' });
          jobsLog.info({ ...fields, outcome, durationMs: Math.round(performance.now() - started) }, 'job done');
        } catch (error) {
          metrics().jobs.inc({ queue: QUEUES.composeReplyHome, outcome: 'retry' });
          jobsLog.warn({ ...fields, durationMs: Math.round(performance.now() - started), ...errorFields(error, false) }, 'job will be retried');
          await boss.fail(QUEUES.composeReplyHome, job.id, { message: error instanceof Error ? error.message : String(error) });
        }
      }
    },
  );
  await boss.work(QUEUES.keysHousekeeping, () =>
    timed(QUEUES.keysHousekeeping, async () => {
      await migratePlainContent({ progress: (line) => jobsLog.info({ queue: QUEUES.keysHousekeeping }, line.trim()) });
      await destroyExpiredContent(new Date());
    }),
  );
  await boss.work(QUEUES.mailflowCleanup, () =>
    timed(QUEUES.mailflowCleanup, async () => {
      await cleanUpMailFlow(db, new Date());
      await resumeStalledDeliveries(db, new Date());
    }),
  );
}
