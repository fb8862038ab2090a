import { randomBytes } from 'node:crypto';
import { inArray, sql } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { outboxMessages } from '@/db/schema';
import { QUEUES } from '@/lib/jobs/queue';
import { getBoss } from '@/lib/jobs/runtime';
import { startWorkers } from '@/lib/jobs/workers';
import { queueMessage } from '@/lib/mail/queue-message';
import { outboxTransport, resendTransport } from '@/lib/mail/transport';
import { startFakeResend } from '@/tests/servers/fake-resend';
import { waitFor } from './support';

/**
 * Mail is never lost: sends are jobs enqueued with the change, retried with backoff while the provider is down and sent exactly once when it returns; through the real pg-boss workers and the Resend SDK
 * against a local stand-in. lib/mail/mail.db.test.ts covers one message's retries called by hand
 * and one 429; this covers an outage with several messages queued, and that a Retry-After longer
 * than the queue's own backoff is waited out.
 */

let resend: Awaited<ReturnType<typeof startFakeResend>>;
let boss: PgBoss;

beforeAll(async () => {
  resend = await startFakeResend();
  boss = await getBoss();
  // Receipts queued by the billing tests (which share this database) carry an invoice PDF made from
  // the print page, which no server serves here: failed at once and retried later, out of the way.
  const makeAttachment = async () => {
    throw new Error('no invoice PDFs in this test');
  };
  await startWorkers(boss, getDb(), { email: resendTransport('re_faults', 'Sealpost <no-reply@sealpost.test>', resend.url), sms: outboxTransport }, { pollingIntervalSeconds: 0.5, makeAttachment });
  // Messages queued by earlier test files go out first, so that they do not share the outage.
  await waitFor(async () => {
    const rows = (await getDb().execute(
      sql`select count(*)::int as n from pgboss.job where name = ${QUEUES.deliverOutbox} and state in ('created', 'retry', 'active') and start_after <= now()`,
    )) as unknown as { n: number }[];
    return rows[0].n === 0;
  }, 'the queue to drain', 30_000);
});

afterAll(async () => {
  await boss.offWork(QUEUES.deliverOutbox);
  await resend.close();
});

function email(recipient: string) {
  return { orgId: null, channel: 'email' as const, kind: 'test', recipient, subject: 'Your secure message', bodyText: 'Body', carriesSecret: false };
}

async function rowsOf(ids: string[]) {
  return getDb()
    .select({ id: outboxMessages.id, status: outboxMessages.status, providerId: outboxMessages.providerId, key: outboxMessages.idempotencyKey, recipient: outboxMessages.recipient })
    .from(outboxMessages)
    .where(inArray(outboxMessages.id, ids));
}

async function openJobs(ids: string[]): Promise<number> {
  const rows = (await getDb().execute(
    sql`select count(*)::int as n from pgboss.job where name = ${QUEUES.deliverOutbox} and data->>'messageId' in ${ids} and state not in ('completed', 'cancelled')`,
  )) as unknown as { n: number }[];
  return rows[0].n;
}

describe('the mail provider answering 503 for a while', () => {
  it('sends every queued message exactly once when it is back', { timeout: 60_000 }, async () => {
    const tag = randomBytes(3).toString('hex');
    const recipients = Array.from({ length: 6 }, (_, i) => `person${i}-${tag}@example.org`);
    const mine = () => resend.requests.filter((r) => recipients.includes(r.body.to[0]));
    resend.outage({ status: 503 });
    // Each in the transaction of the change that causes it, as the use cases do.
    const ids: string[] = [];
    for (const recipient of recipients) ids.push(await getDb().transaction((tx) => queueMessage(tx, email(recipient))));

    // Every message is tried and refused, and stays queued.
    await waitFor(async () => recipients.every((r) => mine().some((q) => q.body.to[0] === r)), 'a refused attempt for every message');
    expect(mine().every((r) => r.status === 503)).toBe(true);
    expect((await rowsOf(ids)).every((row) => row.status === 'queued')).toBe(true);
    expect(await openJobs(ids)).toBe(ids.length);

    resend.outage(null);
    await waitFor(async () => (await rowsOf(ids)).every((row) => row.status === 'sent'), 'every message to be sent', 40_000);
    await waitFor(async () => (await openJobs(ids)) === 0, 'their jobs to complete');

    const rows = await rowsOf(ids);
    for (const row of rows) {
      const sent = mine().filter((r) => r.body.to[0] === row.recipient);
      // One idempotency key per message on every attempt, and exactly one attempt accepted.
      expect(new Set(sent.map((r) => r.idempotencyKey))).toEqual(new Set([row.key]));
      expect(sent.filter((r) => r.status === 200)).toHaveLength(1);
      expect(row.providerId).toBe(resend.delivered.get(row.key));
    }
    expect(new Set(rows.map((r) => r.key)).size).toBe(recipients.length);
  });
});

describe('a 429 with Retry-After', () => {
  it('is waited out even when it is longer than the queue’s own backoff, then sent once', { timeout: 60_000 }, async () => {
    const recipient = `limited-${randomBytes(3).toString('hex')}@example.org`;
    // pg-boss's first retry comes 5–10 s later (retryDelay 5, backoff); 11 s can only come from the header.
    const RETRY_AFTER = 11;
    resend.scriptFor(recipient, [{ status: 429, retryAfter: RETRY_AFTER }]);
    const id = await getDb().transaction((tx) => queueMessage(tx, email(recipient)));

    await waitFor(async () => (await rowsOf([id]))[0].status === 'sent', 'the message to be sent', 40_000);
    await waitFor(async () => (await openJobs([id])) === 0, 'its jobs to complete');
    const attempts = resend.requests.filter((r) => r.body.to[0] === recipient);
    expect(attempts.map((a) => a.status)).toEqual([429, 200]);
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(RETRY_AFTER * 1000 - 100);
  });
});
