import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { outboxMessages } from '@/db/schema';
import { QUEUES } from '@/lib/jobs/queue';
import { getBoss } from '@/lib/jobs/runtime';
import { startWorkers } from '@/lib/jobs/workers';
import { createTestOrg } from '@/tests/factories';
import { startFakeResend } from '@/tests/servers/fake-resend';
import { deliverOutboxMessage, REDACTED_BODY } from './deliver';
import { queueMessage } from './queue-message';
import { outboxTransport, resendTransport } from './transport';

const email = (recipient: string, subject = 'Hello') => ({
  orgId: null,
  channel: 'email' as const,
  kind: 'test',
  recipient,
  subject,
  bodyText: 'Body',
  carriesSecret: false,
});

async function message(id: string) {
  const [row] = await getDb().select().from(outboxMessages).where(eq(outboxMessages.id, id));
  return row;
}

async function jobCount(messageId: string): Promise<number> {
  const rows = await getDb().execute(sql`select count(*)::int as n from pgboss.job where name = ${QUEUES.deliverOutbox} and data->>'messageId' = ${messageId}`);
  return Number((rows as unknown as { n: number }[])[0].n);
}

describe('queueMessage', () => {
  it('writes the message and its delivery job in the caller transaction, or neither', async () => {
    const db = getDb();
    let rolledBackId = '';
    await expect(
      db.transaction(async (tx) => {
        rolledBackId = await queueMessage(tx, email('rollback@example.com'));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await message(rolledBackId)).toBeUndefined();
    expect(await jobCount(rolledBackId)).toBe(0);

    const committedId = await db.transaction((tx) => queueMessage(tx, email('commit@example.com')));
    expect((await message(committedId)).status).toBe('queued');
    expect(await jobCount(committedId)).toBe(1);
  });

  it('refuses CR/LF in a recipient or subject (header injection)', async () => {
    await expect(queueMessage(getDb(), email('a@example.com', 'Hi\r\nBcc: evil@example.com'))).rejects.toThrow(/single line/);
    await expect(queueMessage(getDb(), email('a@example.com\nb@example.com'))).rejects.toThrow(/single line/);
  });
});

describe('deliverOutboxMessage through the Resend SDK', () => {
  let resend: Awaited<ReturnType<typeof startFakeResend>>;
  beforeAll(async () => {
    resend = await startFakeResend();
  });
  afterAll(() => resend.close());

  it('retries while the provider is down and sends once, with one idempotency key, when it is back', async () => {
    const transports = { email: resendTransport('re_test_key', 'Sealpost <no-reply@sealpost.test>', resend.url), sms: outboxTransport };
    const id = await queueMessage(getDb(), email('retry@example.com'));
    resend.script([{ status: 503 }, { status: 503 }, { status: 500 }]);
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push((await deliverOutboxMessage(getDb(), id, transports)).status);
    expect(outcomes).toEqual(['retry', 'retry', 'retry', 'sent']);
    expect((await deliverOutboxMessage(getDb(), id, transports)).status).toBe('skipped');

    const mine = resend.requests.filter((r) => r.body.to[0] === 'retry@example.com');
    expect(mine).toHaveLength(4);
    expect(new Set(mine.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(mine[0].authorization).toBe('Bearer re_test_key');
    const row = await message(id);
    expect(row).toMatchObject({ status: 'sent', attempts: 4, transport: 'resend', lastError: '' });
    expect(row.providerId).toMatch(/^email_/);
  });

  it('marks a permanent refusal failed at once, and a retryable one failed on the last attempt', async () => {
    const transports = { email: resendTransport('re_test_key', 'Sealpost <no-reply@sealpost.test>', resend.url), sms: outboxTransport };
    const permanent = await queueMessage(getDb(), email('invalid@example.com'));
    resend.script([{ status: 422 }]);
    expect((await deliverOutboxMessage(getDb(), permanent, transports)).status).toBe('failed');
    expect((await message(permanent)).lastError).toMatch(/422/);

    const exhausted = await queueMessage(getDb(), email('exhausted@example.com'));
    resend.script([{ status: 503 }]);
    expect((await deliverOutboxMessage(getDb(), exhausted, transports, { finalAttempt: true })).status).toBe('failed');
    expect((await message(exhausted)).status).toBe('failed');
  });
});

describe('mail carrying a secret', () => {
  let resend: Awaited<ReturnType<typeof startFakeResend>>;
  beforeAll(async () => {
    resend = await startFakeResend();
  });
  afterAll(() => resend.close());

  const secret = (recipient: string, channel: 'email' | 'sms' = 'email') => ({
    ...email(recipient, 'Reset your password'),
    channel,
    bodyText: 'Reset it here: https://sealpost.test/reset-password/SECRET-TOKEN',
    bodyHtml: '<a href="https://sealpost.test/reset-password/SECRET-TOKEN">Reset</a>',
    carriesSecret: true,
  });

  it('is redacted in the outbox once a real transport has sent it, and not before', async () => {
    const transports = { email: resendTransport('re_test_key', 'Sealpost <no-reply@sealpost.test>', resend.url), sms: outboxTransport };
    const id = await queueMessage(getDb(), secret('secret@example.com'));
    resend.script([{ status: 503 }]);
    expect((await deliverOutboxMessage(getDb(), id, transports)).status).toBe('retry');
    // Still queued: the retry must send the link, so it is kept until then.
    expect((await message(id)).bodyText).toContain('SECRET-TOKEN');
    expect((await deliverOutboxMessage(getDb(), id, transports)).status).toBe('sent');
    const sent = resend.requests.filter((r) => r.body.to[0] === 'secret@example.com').at(-1);
    expect(JSON.stringify(sent?.body)).toContain('SECRET-TOKEN');
    const row = await message(id);
    expect(row).toMatchObject({ status: 'sent', subject: 'Reset your password', bodyText: REDACTED_BODY, bodyHtml: REDACTED_BODY });
    expect(JSON.stringify(row)).not.toContain('SECRET-TOKEN');
  });

  it('is redacted too when the transport gives up on it for good', async () => {
    const transports = { email: resendTransport('re_test_key', 'Sealpost <no-reply@sealpost.test>', resend.url), sms: outboxTransport };
    const id = await queueMessage(getDb(), secret('refused@example.com'));
    resend.script([{ status: 422 }]);
    expect((await deliverOutboxMessage(getDb(), id, transports)).status).toBe('failed');
    expect(await message(id)).toMatchObject({ status: 'failed', bodyText: REDACTED_BODY });
  });

  it('stays readable when the demo outbox is the transport (the row is what is read at /dev/outbox), and mail without a secret is kept whatever the transport', async () => {
    const viaOutbox = await queueMessage(getDb(), secret('demo@example.com'));
    const sms = await queueMessage(getDb(), { ...secret('+16175550100', 'sms'), subject: '', bodyHtml: '', bodyText: 'Your Sealpost code is 123456.' });
    expect((await deliverOutboxMessage(getDb(), viaOutbox, { email: outboxTransport, sms: outboxTransport })).status).toBe('sent');
    expect((await deliverOutboxMessage(getDb(), sms, { email: outboxTransport, sms: outboxTransport })).status).toBe('sent');
    expect((await message(viaOutbox)).bodyText).toContain('SECRET-TOKEN');
    expect((await message(sms)).bodyText).toContain('123456');

    const plain = await queueMessage(getDb(), email('plain@example.com'));
    const transports = { email: resendTransport('re_test_key', 'Sealpost <no-reply@sealpost.test>', resend.url), sms: outboxTransport };
    expect((await deliverOutboxMessage(getDb(), plain, transports)).status).toBe('sent');
    expect((await message(plain)).bodyText).toBe('Body');
  });
});

describe('delivery workers', () => {
  it('deliver queued mail, honouring Retry-After, exactly once', async () => {
    await createTestOrg();
    const resend = await startFakeResend();
    resend.scriptFor('worker@example.com', [{ status: 429, retryAfter: 1 }]);
    const boss = await getBoss();
    // The test database is shared by the test files: these workers also pick up other files'
    // receipts, whose invoice PDF no app server is here to render; they fail at once instead.
    const makeAttachment = async () => {
      throw new Error('no invoice PDFs in this test');
    };
    await startWorkers(boss, getDb(), { email: resendTransport('re_k', 'Sealpost <no-reply@sealpost.test>', resend.url), sms: outboxTransport }, { pollingIntervalSeconds: 0.5, makeAttachment });
    try {
      const id = await getDb().transaction((tx) => queueMessage(tx, email('worker@example.com')));
      const deadline = Date.now() + 20_000;
      while ((await message(id)).status === 'queued' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect((await message(id)).status).toBe('sent');
      const mine = resend.requests.filter((r) => r.body.to[0] === 'worker@example.com');
      expect(mine).toHaveLength(2);
      expect(new Set(mine.map((r) => r.idempotencyKey)).size).toBe(1);
    } finally {
      await boss.offWork(QUEUES.deliverOutbox);
      await resend.close();
    }
  });
});
