import { randomInt } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { outboxMessages } from '@/db/schema';
import { QUEUES } from '@/lib/jobs/queue';
import { getBoss } from '@/lib/jobs/runtime';
import { startWorkers } from '@/lib/jobs/workers';
import { REDACTED_BODY } from '@/lib/mail/deliver';
import { queueMessage } from '@/lib/mail/queue-message';
import { outboxTransport } from '@/lib/mail/transport';
import { twilioTransport } from '@/lib/mail/twilio';
import { startFakeTwilio } from '@/tests/servers/fake-twilio';
import { waitFor } from './support';

/**
 * SMS is never lost (sent exactly once once the provider is back): the real pg-boss workers and the twilio SDK
 * against a local stand-in answering 503 for a while. Twilio has no idempotency key, so "exactly
 * once" rests on the outbox row (lib/mail/twilio.ts).
 */

let fake: Awaited<ReturnType<typeof startFakeTwilio>>;
let boss: PgBoss;
const FROM = '+15005550006';

beforeAll(async () => {
  fake = await startFakeTwilio();
  boss = await getBoss();
  const sms = twilioTransport({ accountSid: `AC${'0123456789abcdef'.repeat(2)}`, authToken: 'twilio-faults-token', from: FROM, apiBase: fake.url }, 'http://sealpost.test');
  await startWorkers(boss, getDb(), { email: outboxTransport, sms }, { pollingIntervalSeconds: 0.5 });
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
  await fake.close();
});

async function rowOf(id: string) {
  const [row] = await getDb()
    .select({ status: outboxMessages.status, providerId: outboxMessages.providerId, attempts: outboxMessages.attempts, bodyText: outboxMessages.bodyText })
    .from(outboxMessages)
    .where(eq(outboxMessages.id, id));
  return row;
}

describe('Twilio answering 503 for a while', () => {
  it('retries the code with backoff and texts it exactly once when Twilio is back', { timeout: 90_000 }, async () => {
    const to = `+1617555${String(randomInt(0, 10_000)).padStart(4, '0')}`;
    const mine = () => fake.requests.filter((r) => r.form.To === to);
    fake.outage({ status: 503 });
    const id = await getDb().transaction((tx) =>
      queueMessage(tx, { orgId: null, channel: 'sms', kind: 'sign_in_code', recipient: to, bodyText: 'Your Sealpost code is 159357. It expires in 10 minutes. Never share it.', carriesSecret: true }),
    );

    // Refused twice, the second time only after pg-boss's backoff (retryDelay 5 s), and still queued with its code.
    await waitFor(async () => mine().length >= 2, 'two refused attempts', 40_000);
    const [first, second] = mine();
    expect([first.status, second.status]).toEqual([503, 503]);
    expect(second.at - first.at).toBeGreaterThanOrEqual(4_500);
    expect(await rowOf(id)).toMatchObject({ status: 'queued', bodyText: expect.stringContaining('159357') });

    fake.outage(null);
    await waitFor(async () => (await rowOf(id)).status === 'sent', 'the code to be sent', 60_000);
    const accepted = mine().filter((r) => r.status === 201);
    expect(accepted).toHaveLength(1);
    expect(accepted[0].form).toMatchObject({ To: to, From: FROM, Body: 'Your Sealpost code is 159357. It expires in 10 minutes. Never share it.' });
    expect(await rowOf(id)).toMatchObject({ status: 'sent', providerId: accepted[0].sid, bodyText: REDACTED_BODY });
    // Nothing left to run for it: no second text later.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(mine().filter((r) => r.status === 201)).toHaveLength(1);
  });
});
