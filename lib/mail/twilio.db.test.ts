import { randomInt } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { POST } from '@/app/api/webhooks/twilio/route';
import { getDb } from '@/db/client';
import { deliveryEvents, outboxMessages } from '@/db/schema';
import { resetEnvCache } from '@/lib/env';
import { createTestOrg } from '@/tests/factories';
import { startFakeTwilio } from '@/tests/servers/fake-twilio';
import { deliverOutboxMessage, REDACTED_BODY } from './deliver';
import { queueMessage } from './queue-message';
import { outboxTransport, smsTransport } from './transport';
import { twilioStatusCallbackUrl, twilioTransport } from './twilio';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'twilio-test-auth-token';
const FROM = '+15005550006';
const SERVICE_SID = `MG${'fedcba9876543210'.repeat(2)}`;
const APP_URL = 'http://sealpost.test';
const TWILIO_ENV = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'TWILIO_API_BASE'] as const;

let fake: Awaited<ReturnType<typeof startFakeTwilio>>;
let orgId = '';
beforeAll(async () => {
  fake = await startFakeTwilio();
  orgId = (await createTestOrg()).orgId;
});
afterAll(() => fake.close());
afterEach(() => {
  for (const key of TWILIO_ENV) delete process.env[key];
  resetEnvCache();
});

function configureTwilio() {
  Object.assign(process.env, { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM: FROM, TWILIO_API_BASE: fake.url });
  resetEnvCache();
}

/** A number no other test texts. */
const phone = () => `+1617555${String(randomInt(0, 10_000)).padStart(4, '0')}`;

const code = (to: string) =>
  queueMessage(getDb(), { orgId, channel: 'sms', kind: 'sign_in_code', recipient: to, bodyText: 'Your Sealpost code is 482913. It expires in 10 minutes. Never share it.', carriesSecret: true });

async function row(id: string) {
  const [found] = await getDb().select().from(outboxMessages).where(eq(outboxMessages.id, id));
  return found;
}

const transports = (from = FROM) => ({ email: outboxTransport, sms: twilioTransport({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from, apiBase: fake.url }, APP_URL) });

describe('SMS through Twilio', () => {
  it('is the SMS transport only when the three settings are set, and refused half-configured', () => {
    expect(smsTransport().name).toBe('outbox');
    configureTwilio();
    expect(smsTransport().name).toBe('twilio');
    delete process.env.TWILIO_FROM;
    resetEnvCache();
    expect(() => smsTransport()).toThrow(/TWILIO_FROM/);
  });

  it('sends a code with the right To, From, Body and status callback, then redacts the stored code', async () => {
    const to = phone();
    const id = await code(to);
    expect((await deliverOutboxMessage(getDb(), id, transports())).status).toBe('sent');

    const sent = fake.requests.filter((r) => r.form.To === to);
    expect(sent).toHaveLength(1);
    expect(sent[0].accountSid).toBe(ACCOUNT_SID);
    expect(sent[0].authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
    expect(sent[0].form).toMatchObject({ To: to, From: FROM, Body: 'Your Sealpost code is 482913. It expires in 10 minutes. Never share it.' });
    expect(sent[0].form.StatusCallback).toBe(`${APP_URL}/api/webhooks/twilio?outbox=${id}`);
    expect(await row(id)).toMatchObject({ status: 'sent', transport: 'twilio', providerId: sent[0].sid, bodyText: REDACTED_BODY, lastError: '' });
    // Sent is sent: running the job again texts nobody.
    expect((await deliverOutboxMessage(getDb(), id, transports())).status).toBe('skipped');
    expect(fake.requests.filter((r) => r.form.To === to)).toHaveLength(1);
  });

  it('sends through a Messaging Service when TWILIO_FROM is an MG… SID', async () => {
    const to = phone();
    const id = await code(to);
    expect((await deliverOutboxMessage(getDb(), id, transports(SERVICE_SID))).status).toBe('sent');
    const [sent] = fake.requests.filter((r) => r.form.To === to);
    expect(sent.form.MessagingServiceSid).toBe(SERVICE_SID);
    expect(sent.form.From).toBeUndefined();
  });

  it('marks an invalid number (400) failed at once, with Twilio’s error kept', async () => {
    const to = phone();
    fake.scriptFor(to, [{ status: 400, code: 21211, message: `The 'To' number ${to} is not a valid phone number.` }]);
    const id = await code(to);
    expect((await deliverOutboxMessage(getDb(), id, transports())).status).toBe('failed');
    const failed = await row(id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, bodyText: REDACTED_BODY });
    expect(failed.lastError).toMatch(/^Twilio 21211: The 'To' number .* is not a valid phone number\. \(400\)$/);
    expect(fake.requests.filter((r) => r.form.To === to)).toHaveLength(1);
  });

  it('retries 5xx, 429 and an unreachable Twilio, with Retry-After, and keeps the code until sent', async () => {
    const to = phone();
    fake.scriptFor(to, [{ status: 503 }, { status: 429, code: 20429, retryAfter: 7 }]);
    const id = await code(to);
    const first = await deliverOutboxMessage(getDb(), id, transports());
    expect(first).toMatchObject({ status: 'retry', retryAfterSeconds: undefined });
    const second = await deliverOutboxMessage(getDb(), id, transports());
    expect(second).toMatchObject({ status: 'retry', retryAfterSeconds: 7 });
    expect((await row(id)).bodyText).toContain('482913');

    const down = twilioTransport({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBase: 'http://127.0.0.1:1' }, APP_URL);
    const third = await deliverOutboxMessage(getDb(), id, { email: outboxTransport, sms: down });
    expect(third.status).toBe('retry');
    expect((await row(id)).lastError).toMatch(/\(network\)$/);

    expect((await deliverOutboxMessage(getDb(), id, transports())).status).toBe('sent');
    expect(fake.requests.filter((r) => r.form.To === to).map((r) => r.status)).toEqual([503, 429, 201]);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 4 });
  });
});

describe('Twilio status callbacks at /api/webhooks/twilio', () => {
  /** A sent code and the form Twilio posts about it. */
  async function sentCode() {
    const to = phone();
    const id = await code(to);
    await deliverOutboxMessage(getDb(), id, transports());
    const { providerId } = await row(id);
    return { id, to, sid: providerId };
  }

  function callback(url: string, form: Record<string, string>, signature: string | null = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, form)) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (signature !== null) headers['x-twilio-signature'] = signature;
    // The app sees its own host behind the proxy; the signature is over the public URL (APP_URL).
    const local = url.replace(APP_URL, 'http://127.0.0.1:3000');
    return POST(new Request(local, { method: 'POST', headers, body: new URLSearchParams(form).toString() }));
  }

  const form = (sid: string, to: string, status: string, extra: Record<string, string> = {}) => ({
    MessageSid: sid,
    SmsSid: sid,
    AccountSid: ACCOUNT_SID,
    From: FROM,
    To: to,
    MessageStatus: status,
    SmsStatus: status,
    ApiVersion: '2010-04-01',
    ...extra,
  });

  const eventsOf = (sid: string) =>
    getDb()
      .select({ event: deliveryEvents.event, method: deliveryEvents.method, recipient: deliveryEvents.recipient, sender: deliveryEvents.sender, diagnostic: deliveryEvents.diagnostic, bounceClass: deliveryEvents.bounceClass, source: deliveryEvents.source })
      .from(deliveryEvents)
      .where(and(eq(deliveryEvents.orgId, orgId), eq(deliveryEvents.messageId, sid)));

  it('answers 404 while Twilio is not configured', async () => {
    const { id, to, sid } = await sentCode();
    const response = await callback(twilioStatusCallbackUrl(APP_URL, id), form(sid, to, 'delivered'));
    expect(response.status).toBe(404);
    expect(await eventsOf(sid)).toEqual([]);
  });

  it('turns a signed delivered, failed or undelivered callback into one delivery event of method sms_two_factor; a replay stores nothing', async () => {
    configureTwilio();
    const delivered = await sentCode();
    const url = twilioStatusCallbackUrl(APP_URL, delivered.id);
    // On the way: acknowledged, not stored.
    expect((await callback(url, form(delivered.sid, delivered.to, 'sent'))).status).toBe(200);
    expect(await eventsOf(delivered.sid)).toEqual([]);
    expect((await callback(url, form(delivered.sid, delivered.to, 'delivered'))).status).toBe(200);
    expect(await eventsOf(delivered.sid)).toEqual([{ event: 'delivered', method: 'sms_two_factor', recipient: delivered.to, sender: FROM, diagnostic: '', bounceClass: null, source: 'provider' }]);
    // Twilio (or anyone holding a captured request) sending it again changes nothing.
    const replay = await callback(url, form(delivered.sid, delivered.to, 'delivered'));
    expect(replay.status).toBe(200);
    expect(await eventsOf(delivered.sid)).toHaveLength(1);

    const failed = await sentCode();
    expect((await callback(twilioStatusCallbackUrl(APP_URL, failed.id), form(failed.sid, failed.to, 'failed', { ErrorCode: '30008' }))).status).toBe(200);
    expect(await eventsOf(failed.sid)).toMatchObject([{ event: 'bounced', bounceClass: 'hard', diagnostic: 'Twilio failed, ErrorCode 30008' }]);

    const undelivered = await sentCode();
    expect((await callback(twilioStatusCallbackUrl(APP_URL, undelivered.id), form(undelivered.sid, undelivered.to, 'undelivered', { ErrorCode: '30003' }))).status).toBe(200);
    expect(await eventsOf(undelivered.sid)).toMatchObject([{ event: 'bounced', bounceClass: 'soft', diagnostic: 'Twilio undelivered, ErrorCode 30003' }]);
  });

  it('changes nothing for a missing or wrong signature, or one made for another URL or other fields', async () => {
    configureTwilio();
    const { id, to, sid } = await sentCode();
    const url = twilioStatusCallbackUrl(APP_URL, id);
    const fields = form(sid, to, 'delivered');
    const refused = [
      await callback(url, fields, null),
      await callback(url, fields, 'bm90LXRoZS1zaWduYXR1cmU='),
      await callback(url, fields, twilio.getExpectedTwilioSignature('another-token', url, fields)),
      // Signed for the request's own host rather than the public address.
      await callback(url, fields, twilio.getExpectedTwilioSignature(AUTH_TOKEN, url.replace(APP_URL, 'http://127.0.0.1:3000'), fields)),
      // A genuine signature of "delivered", replayed with the status changed.
      await callback(url, { ...fields, MessageStatus: 'failed', SmsStatus: 'failed' }, twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, fields)),
    ];
    expect(refused.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
    expect(await eventsOf(sid)).toEqual([]);
  });

  it('ignores a signed callback whose SID is not the one recorded for that outbox message', async () => {
    configureTwilio();
    const first = await sentCode();
    const second = await sentCode();
    const response = await callback(twilioStatusCallbackUrl(APP_URL, first.id), form(second.sid, second.to, 'delivered'));
    expect(response.status).toBe(200);
    expect(await eventsOf(second.sid)).toEqual([]);
  });
});
