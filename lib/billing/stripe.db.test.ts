import { and, eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, invoices, licensedEmails, orders, payments, subscriptions, webhookEvents } from '@/db/schema';
import { getLicenseUsage } from '@/lib/licensing/queries';
import { addDays, toDay } from '@/lib/licensing/term';
import { actorFor, createTestOrg } from '@/tests/factories';
import { startFakeStripe } from '@/tests/servers/fake-stripe';
import { paymentIntentEvent } from '@/tests/stripe-events';
import { confirmCheckOrder } from './complete-order';
import { createLicenseOrder, createRenewalOrder } from './create-order';
import { parseEnv, resetEnvCache } from '@/lib/env';
import { stripeConfig } from './stripe-config';
import { handleStripeEvent, paymentIntentIdempotencyKey, prepareInvoicePaymentIntent, preparePaymentIntent, processStripeWebhook, type StripeEventOutcome } from './stripe-payments';
import { refusal } from '@/tests/refusal';

// The route imports lib/http/route.ts, whose session helpers pull in next-auth, which does not load
// outside Next. The webhook uses no session, so a stand-in that never finds one is faithful.
vi.mock('@/lib/auth/session', () => ({ getCurrentAdmin: async () => null }));

const WEBHOOK_SECRET = 'whsec_test_sealpost_webhooks';
const STRIPE_ENV = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY', 'STRIPE_API_BASE'] as const;

let fake: Awaited<ReturnType<typeof startFakeStripe>>;

beforeAll(async () => {
  fake = await startFakeStripe();
  process.env.STRIPE_SECRET_KEY = 'sk_test_sealpost';
  process.env.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET;
  process.env.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY = 'pk_test_sealpost';
  process.env.STRIPE_API_BASE = fake.url;
  resetEnvCache();
});

afterAll(async () => {
  for (const name of STRIPE_ENV) delete process.env[name];
  resetEnvCache();
  await fake.close();
});

// The code under test logs refusals loudly on purpose; keep the test output readable.
beforeAll(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => {
  vi.mocked(console.error).mockClear();
});
afterAll(() => {
  vi.restoreAllMocks();
});


/** An organisation at 47 of 47 licenses whose renewal is `days` away. */
async function orgRenewingIn(days: number, options: { licenses?: number; licensed?: number } = { licenses: 47, licensed: 47 }) {
  const org = await createTestOrg(options);
  const renewal = addDays(toDay(new Date()), days);
  await getDb().update(subscriptions).set({ termStart: addDays(renewal, -365), renewalDate: renewal }).where(eq(subscriptions.orgId, org.orgId));
  return { ...org, owner: await actorFor(org.ownerId) };
}

/** 47 of 47 and three new addresses: an order for 3 licenses that adds them when paid. */
async function pendingOrder() {
  const org = await orgRenewingIn(25);
  const emails = ['p1', 'p2', 'p3'].map((u) => `${u}@${org.domain}`);
  const { orderId } = await createLicenseOrder({ actor: org.owner, quantity: 3, pendingEmails: emails });
  const [order] = await getDb().select().from(orders).where(eq(orders.id, orderId));
  return { org, order, emails };
}

async function preparedOrder() {
  const setup = await pendingOrder();
  const intent = await preparePaymentIntent({ actor: setup.org.owner, orderId: setup.order.id });
  return { ...setup, intent };
}

function succeededFor(setup: Awaited<ReturnType<typeof preparedOrder>>, eventId?: string) {
  return paymentIntentEvent(
    'payment_intent.succeeded',
    { id: setup.intent.paymentIntentId, amount: setup.order.totalCents, metadata: { orderId: setup.order.id, orgId: setup.org.orgId } },
    eventId,
  );
}

/** Signs the payload as Stripe does and hands it over exactly as the route does. */
function deliver(event: object, options: { secret?: string; timestamp?: number; tamper?: (payload: string) => string } = {}) {
  const payload = JSON.stringify(event);
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? WEBHOOK_SECRET, timestamp: options.timestamp });
  return processStripeWebhook(options.tamper ? options.tamper(payload) : payload, header);
}

async function stateOf(orderId: string, orgId: string) {
  const db = getDb();
  const [order] = await db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId));
  const usage = await getLicenseUsage(db, orgId);
  return {
    status: order.status,
    purchased: usage.purchased,
    used: usage.used,
    invoices: await db.$count(invoices, eq(invoices.orderId, orderId)),
    payments: await db.$count(payments, eq(payments.orderId, orderId)),
    purchaseEvents: await db.$count(auditEvents, and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, 'licenses.purchased'))),
    declineEvents: await db.$count(auditEvents, and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, 'payments.declined'))),
  };
}

const OPEN_47 = { status: 'open', purchased: 47, used: 47, invoices: 0, payments: 0, purchaseEvents: 0, declineEvents: 0 };
const FULFILLED_50 = { status: 'fulfilled', purchased: 50, used: 50, invoices: 1, payments: 1, purchaseEvents: 1, declineEvents: 0 };

describe('configuration', () => {
  it('is off without a secret key, and refuses half a configuration or a secret key where the publishable key goes', () => {
    expect(stripeConfig(parseEnv({}))).toBeNull();
    expect(stripeConfig(parseEnv({ STRIPE_SECRET_KEY: '' }))).toBeNull();
    // lib/env.ts refuses these, so `npm start` stops on them before serving anyone.
    expect(() => parseEnv({ STRIPE_SECRET_KEY: 'sk_test_x', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_test_x' })).toThrow(/STRIPE_WEBHOOK_SECRET must be set/);
    expect(() => parseEnv({ STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'sk_test_x' })).toThrow(
      /NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY must be a publishable key/,
    );
    expect(() => parseEnv({ STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRET: 'whsec_x', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_test_x' })).toThrow(/same mode/);
    expect(() =>
      parseEnv({ STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRET: 'whsec_x', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_live_x', STRIPE_API_BASE: 'http://127.0.0.1:1' }),
    ).toThrow(/STRIPE_API_BASE cannot be used with a live/);
    expect(stripeConfig()).toEqual({ secretKey: 'sk_test_sealpost', webhookSecret: WEBHOOK_SECRET, publishableKey: 'pk_test_sealpost', apiBase: fake.url });
  });
});

describe('preparePaymentIntent', () => {
  it('creates one intent per order, even for a double click, with the idempotency key and the server-side amount', async () => {
    const { org, order } = await pendingOrder();
    const before = fake.requests.length;
    const [a, b] = await Promise.all([preparePaymentIntent({ actor: org.owner, orderId: order.id }), preparePaymentIntent({ actor: org.owner, orderId: order.id })]);
    const c = await preparePaymentIntent({ actor: org.owner, orderId: order.id });
    expect(new Set([a.paymentIntentId, b.paymentIntentId, c.paymentIntentId]).size).toBe(1);
    expect(a.paymentIntentId).toMatch(/^pi_/);
    expect(a.clientSecret).toMatch(new RegExp(`^${a.paymentIntentId}_secret_`));
    expect([...fake.intents.values()].filter((i) => i.metadata.orderId === order.id)).toHaveLength(1);

    const [stored] = await getDb().select({ id: orders.paymentIntentId }).from(orders).where(eq(orders.id, order.id));
    expect(stored.id).toBe(a.paymentIntentId);

    const mine = fake.requests.slice(before);
    const creates = mine.filter((r) => r.method === 'POST');
    expect(creates.length).toBeGreaterThanOrEqual(1);
    expect(creates.length).toBeLessThanOrEqual(2);
    for (const r of creates) {
      expect(r.idempotencyKey).toBe(paymentIntentIdempotencyKey({ id: order.id, totalCents: order.totalCents }));
      expect(r.idempotencyKey).toBe(`order-${order.id}-pi-${order.totalCents}`);
      expect(r.authorization).toBe('Bearer sk_test_sealpost');
      expect(r.form).toMatchObject({
        amount: String(order.totalCents),
        currency: 'usd',
        'metadata[orderId]': order.id,
        'metadata[orgId]': org.orgId,
        'automatic_payment_methods[enabled]': 'true',
      });
    }
    // The third call found the stored id and fetched that intent rather than creating one.
    expect(mine.at(-1)).toMatchObject({ method: 'GET', path: `/v1/payment_intents/${a.paymentIntentId}` });
  });

  it('retries a Stripe server error with the same idempotency key and still makes one intent', async () => {
    const { org, order } = await pendingOrder();
    const before = fake.requests.length;
    fake.failNext(500);
    const prepared = await preparePaymentIntent({ actor: org.owner, orderId: order.id });
    const mine = fake.requests.slice(before);
    expect(mine).toHaveLength(2);
    expect(new Set(mine.map((r) => r.idempotencyKey))).toEqual(new Set([`order-${order.id}-pi-${order.totalCents}`]));
    expect([...fake.intents.values()].filter((i) => i.metadata.orderId === order.id).map((i) => i.id)).toEqual([prepared.paymentIntentId]);
  });

  it('answers "try again" when Stripe stays down, and stores nothing', async () => {
    const { org, order } = await pendingOrder();
    fake.failNext(503, 3);
    const e = await refusal(preparePaymentIntent({ actor: org.owner, orderId: order.id }));
    expect(e.code).toBe('unavailable');
    const [row] = await getDb().select({ id: orders.paymentIntentId }).from(orders).where(eq(orders.id, order.id));
    expect(row.id).toBeNull();
  });

  it('refuses levels 2 and 3, another organisation and a malformed id, creating nothing', async () => {
    const { org, order } = await pendingOrder();
    const other = await createTestOrg();
    const before = fake.requests.length;
    for (const id of [org.managerId, org.viewerId]) {
      expect((await refusal(preparePaymentIntent({ actor: await actorFor(id), orderId: order.id }))).code).toBe('forbidden');
    }
    expect((await refusal(preparePaymentIntent({ actor: await actorFor(other.ownerId), orderId: order.id }))).code).toBe('not_found');
    expect((await refusal(preparePaymentIntent({ actor: org.owner, orderId: 'not-a-uuid' }))).code).toBe('not_found');
    expect(fake.requests.length).toBe(before);
    const [row] = await getDb().select({ id: orders.paymentIntentId }).from(orders).where(eq(orders.id, order.id));
    expect(row.id).toBeNull();
  });

  it('refuses an order that is already complete, or below Stripe\'s minimum charge', async () => {
    const { org, order } = await pendingOrder();
    await confirmCheckOrder({ actor: org.owner, orderId: order.id });
    expect((await refusal(preparePaymentIntent({ actor: org.owner, orderId: order.id }))).code).toBe('conflict');

    const tiny = await orgRenewingIn(1, { licenses: 10 });
    const { orderId } = await createLicenseOrder({ actor: tiny.owner, quantity: 1 });
    const e = await refusal(preparePaymentIntent({ actor: tiny.owner, orderId }));
    expect([e.code, e.message]).toEqual(['invalid_input', 'Card payments start at $0.50. Pay this order by check instead.']);
  });

  it('does not hand out an intent that has already been paid', async () => {
    const { org, order, intent } = await preparedOrder();
    fake.setStatus(intent.paymentIntentId, 'succeeded');
    expect((await refusal(preparePaymentIntent({ actor: org.owner, orderId: order.id }))).message).toMatch(/has been paid/);
  });

  it('is unavailable when Stripe is not configured', async () => {
    const { org, order } = await pendingOrder();
    const key = process.env.STRIPE_SECRET_KEY;
    delete process.env.STRIPE_SECRET_KEY;
    resetEnvCache();
    try {
      expect((await refusal(preparePaymentIntent({ actor: org.owner, orderId: order.id }))).code).toBe('unavailable');
    } finally {
      process.env.STRIPE_SECRET_KEY = key;
      resetEnvCache();
    }
  });
});

describe('payment_intent.succeeded webhook', () => {
  it('fulfils the order once: licenses, the pending addresses, a paid invoice, one Stripe payment', async () => {
    const setup = await preparedOrder();
    const { org, order, intent, emails } = setup;
    expect(await stateOf(order.id, org.orgId)).toEqual(OPEN_47);
    const event = succeededFor(setup);

    expect(await deliver(event)).toEqual({ status: 200, outcome: 'fulfilled' });
    expect(await stateOf(order.id, org.orgId)).toEqual(FULFILLED_50);
    const added = await getDb().select({ email: licensedEmails.email }).from(licensedEmails).where(eq(licensedEmails.orgId, org.orgId));
    expect(added.map((r) => r.email)).toEqual(expect.arrayContaining(emails));
    const [invoice] = await getDb().select().from(invoices).where(eq(invoices.orderId, order.id));
    expect(invoice).toMatchObject({ status: 'paid', paymentMethod: 'card', totalCents: order.totalCents });
    expect(invoice.billTo.name).toBe('Owner Person');
    const [payment] = await getDb().select().from(payments).where(eq(payments.orderId, order.id));
    expect(payment).toMatchObject({ provider: 'stripe', providerReference: intent.paymentIntentId, amountCents: order.totalCents });
    const [audit] = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'licenses.purchased')));
    expect(audit).toMatchObject({ actorType: 'system', actorEmail: 'stripe' });
    expect(audit.summary).toMatch(/^3 emails added, 3 licenses bought by card, invoice \d+, \$\d+\.\d{2}$/);
    expect(await getDb().$count(webhookEvents, eq(webhookEvents.id, event.id))).toBe(1);

    // The same event again: nothing changes.
    expect(await deliver(event)).toEqual({ status: 200, outcome: 'duplicate' });
    expect(await stateOf(order.id, org.orgId)).toEqual(FULFILLED_50);
    // A different event for the same intent: fulfilOrder is exactly-once on its own.
    expect(await deliver(succeededFor(setup))).toEqual({ status: 200, outcome: 'already_fulfilled' });
    expect(await stateOf(order.id, org.orgId)).toEqual(FULFILLED_50);
  });

  it('25 concurrent deliveries of one event fulfil once', async () => {
    const setup = await preparedOrder();
    const event = succeededFor(setup);
    const results = await Promise.all(Array.from({ length: 25 }, () => deliver(event)));
    const outcomes = results.map((r) => (r.status === 200 ? r.outcome : `refused ${r.status}`));
    expect(outcomes.filter((o) => o === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(24);
    expect(await stateOf(setup.order.id, setup.org.orgId)).toEqual(FULFILLED_50);
  });

  it('25 concurrent events with different ids for one intent fulfil once', async () => {
    const setup = await preparedOrder();
    const results = await Promise.all(Array.from({ length: 25 }, () => deliver(succeededFor(setup))));
    const outcomes = results.map((r) => (r.status === 200 ? r.outcome : `refused ${r.status}`));
    expect(outcomes.filter((o) => o === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'already_fulfilled')).toHaveLength(24);
    expect(await stateOf(setup.order.id, setup.org.orgId)).toEqual(FULFILLED_50);
  });

  it('refuses a bad signature, a tampered body, a missing header and a stale timestamp, changing nothing', async () => {
    const setup = await preparedOrder();
    const event = succeededFor(setup);
    const fiveMinutesAgo = Math.floor(Date.now() / 1000) - 300;
    const refused = [
      await deliver(event, { secret: 'whsec_someone_else' }),
      await deliver(event, { tamper: (p) => p.replace(`"amount_received":${setup.order.totalCents}`, `"amount_received":${setup.order.totalCents + 1}`) }),
      await processStripeWebhook(JSON.stringify(event), null),
      await processStripeWebhook(JSON.stringify(event), 'garbage'),
      await deliver(event, { timestamp: fiveMinutesAgo - 2 }),
      await deliver(event, { timestamp: fiveMinutesAgo - 3600 }),
    ];
    expect(refused.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(await stateOf(setup.order.id, setup.org.orgId)).toEqual(OPEN_47);
    expect(await getDb().$count(webhookEvents, eq(webhookEvents.id, event.id))).toBe(0);
    // Inside the five minutes the same event is accepted.
    expect(await deliver(event, { timestamp: fiveMinutesAgo + 30 })).toEqual({ status: 200, outcome: 'fulfilled' });
  });

  it('ignores a wrong amount, a wrong currency, metadata naming another order, and an unknown intent', async () => {
    const setup = await preparedOrder();
    const { org, order, intent } = setup;
    const metadata = { orderId: order.id, orgId: org.orgId };
    const other = await preparedOrder();
    const events = [
      paymentIntentEvent('payment_intent.succeeded', { id: intent.paymentIntentId, amount: order.totalCents - 1, metadata }),
      paymentIntentEvent('payment_intent.succeeded', { id: intent.paymentIntentId, amount: order.totalCents, currency: 'eur', metadata }),
      paymentIntentEvent('payment_intent.succeeded', { id: intent.paymentIntentId, amount: order.totalCents, metadata: { orderId: other.order.id, orgId: other.org.orgId } }),
      paymentIntentEvent('payment_intent.succeeded', { id: 'pi_not_ours', amount: order.totalCents, metadata }),
      { ...succeededFor(setup), data: { object: { id: intent.paymentIntentId, object: 'payment_intent' } } },
    ];
    for (const event of events) {
      expect(await deliver(event)).toEqual({ status: 200, outcome: 'ignored' });
      expect(await getDb().$count(webhookEvents, eq(webhookEvents.id, event.id))).toBe(0);
    }
    expect(await stateOf(order.id, org.orgId)).toEqual(OPEN_47);
    expect(await stateOf(other.order.id, other.org.orgId)).toEqual(OPEN_47);
  });

  it('an order gone stale since it was priced is not fulfilled: needs attention, nothing granted', async () => {
    const org = await orgRenewingIn(25);
    const { orderId } = await createLicenseOrder({ actor: org.owner, quantity: 2 });
    const intent = await preparePaymentIntent({ actor: org.owner, orderId });
    const { orderId: renewal } = await createRenewalOrder({ actor: org.owner });
    await confirmCheckOrder({ actor: org.owner, orderId: renewal });
    const [order] = await getDb().select().from(orders).where(eq(orders.id, orderId));
    const event = paymentIntentEvent('payment_intent.succeeded', { id: intent.paymentIntentId, amount: order.totalCents, metadata: { orderId, orgId: org.orgId } });
    expect(await deliver(event)).toEqual({ status: 200, outcome: 'needs_attention' });
    expect(vi.mocked(console.error).mock.calls.flat().join(' ')).toMatch(/NEEDS ATTENTION/);
    const [after] = await getDb().select({ status: orders.status }).from(orders).where(eq(orders.id, orderId));
    expect(after.status).toBe('open');
    expect(await getDb().$count(payments, eq(payments.orderId, orderId))).toBe(0);
  });

  it('licenses are not granted into a term that has ended: no intent after the renewal date, and a late payment needs attention', async () => {
    const org = await orgRenewingIn(25);
    const { orderId } = await createLicenseOrder({ actor: org.owner, quantity: 2 });
    const intent = await preparePaymentIntent({ actor: org.owner, orderId });
    const afterTerm = new Date(`${addDays(toDay(new Date()), 26)}T09:00:00Z`);
    expect((await refusal(preparePaymentIntent({ actor: org.owner, orderId, now: afterTerm }))).message).toMatch(/term ended on .* Renew it first/);
    const [order] = await getDb().select().from(orders).where(eq(orders.id, orderId));
    const event = paymentIntentEvent('payment_intent.succeeded', { id: intent.paymentIntentId, amount: order.totalCents, metadata: { orderId, orgId: org.orgId } });
    // Delivered (and signed) after the renewal date.
    const payload = JSON.stringify(event);
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp: Math.floor(afterTerm.getTime() / 1000) });
    expect(await processStripeWebhook(payload, header, afterTerm)).toEqual({ status: 200, outcome: 'needs_attention' });
    expect(vi.mocked(console.error).mock.calls.flat().join(' ')).toMatch(/NEEDS ATTENTION.*term ended/);
    expect(await stateOf(orderId, org.orgId)).toMatchObject({ status: 'open', purchased: 47, invoices: 0, payments: 0 });
  });

  it('a card payment for an order already paid by check needs attention (a refund), and grants nothing more', async () => {
    const setup = await preparedOrder();
    await confirmCheckOrder({ actor: setup.org.owner, orderId: setup.order.id });
    const before = await stateOf(setup.order.id, setup.org.orgId);
    expect(await deliver(succeededFor(setup))).toEqual({ status: 200, outcome: 'needs_attention' });
    expect(await stateOf(setup.order.id, setup.org.orgId)).toEqual(before);
  });

  it('other event types are acknowledged and ignored', async () => {
    const setup = await preparedOrder();
    const event = { ...succeededFor(setup), type: 'charge.refunded' };
    expect(await deliver(event)).toEqual({ status: 200, outcome: 'ignored' });
    expect(await stateOf(setup.order.id, setup.org.orgId)).toEqual(OPEN_47);
  });
});

describe('payment_intent.payment_failed webhook', () => {
  it('records one payments.declined event with Stripe\'s message, and changes nothing else', async () => {
    const setup = await preparedOrder();
    const { org, order, intent } = setup;
    const event = paymentIntentEvent('payment_intent.payment_failed', {
      id: intent.paymentIntentId,
      amount: order.totalCents,
      metadata: { orderId: order.id, orgId: org.orgId },
      failure: 'Your card has insufficient funds.',
    });
    const results: StripeEventOutcome[] = [];
    for (const r of await Promise.all([deliver(event), deliver(event), deliver(event)])) if (r.status === 200) results.push(r.outcome);
    expect(results.sort()).toEqual(['declined', 'duplicate', 'duplicate']);
    expect(await stateOf(order.id, org.orgId)).toEqual({ ...OPEN_47, declineEvents: 1 });
    const [audit] = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'payments.declined')));
    expect(audit).toMatchObject({ actorType: 'system', actorEmail: 'stripe', targetType: 'order', targetId: order.id });
    expect(audit.summary).toMatch(/^Card payment of \$\d+\.\d{2} declined: Your card has insufficient funds\.$/);
    expect(audit.metadata).toMatchObject({ paymentIntentId: intent.paymentIntentId, declineCode: 'generic_decline' });

    // A later success for the same intent still pays the order.
    expect(await handleStripeEvent(succeededFor(setup) as unknown as Stripe.Event)).toBe('fulfilled');
  });
});

describe('POST /api/webhooks/stripe', () => {
  async function post(body: string, headers: Record<string, string>) {
    const { POST } = await import('@/app/api/webhooks/stripe/route');
    return POST(new Request('http://sealpost.test/api/webhooks/stripe', { method: 'POST', body, headers }));
  }

  it('verifies the raw body: 200 for a signed event and its duplicate, 400 otherwise, 413 when huge, 404 when Stripe is off', async () => {
    const setup = await preparedOrder();
    const payload = JSON.stringify(succeededFor(setup));
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });

    const bad = await post(payload, { 'stripe-signature': header.replace(/v1=[0-9a-f]{4}/, 'v1=0000') });
    expect(bad.status).toBe(400);
    expect(await stateOf(setup.order.id, setup.org.orgId)).toEqual(OPEN_47);

    const ok = await post(payload, { 'stripe-signature': header, 'content-type': 'application/json' });
    expect([ok.status, await ok.json()]).toEqual([200, { received: true }]);
    const again = await post(payload, { 'stripe-signature': header });
    expect([again.status, await again.json()]).toEqual([200, { received: true }]);
    expect(await stateOf(setup.order.id, setup.org.orgId)).toEqual(FULFILLED_50);

    expect((await post('x'.repeat(1024 * 1024 + 1), { 'stripe-signature': header })).status).toBe(413);

    const key = process.env.STRIPE_SECRET_KEY;
    delete process.env.STRIPE_SECRET_KEY;
    resetEnvCache();
    try {
      expect((await post(payload, { 'stripe-signature': header })).status).toBe(404);
    } finally {
      process.env.STRIPE_SECRET_KEY = key;
      resetEnvCache();
    }
  });
});

describe('the card that paid, and Pay now on an open check invoice', () => {
  it('names the card of a paid order from its Stripe charge', async () => {
    const setup = await preparedOrder();
    fake.setStatus(setup.intent.paymentIntentId, 'succeeded');
    expect(await deliver(succeededFor(setup))).toEqual({ status: 200, outcome: 'fulfilled' });
    const [invoice] = await getDb().select({ cardBrand: invoices.cardBrand, cardLast4: invoices.cardLast4 }).from(invoices).where(eq(invoices.orderId, setup.order.id));
    expect(invoice).toEqual({ cardBrand: 'visa', cardLast4: '4242' });
  });

  it('still fulfils the order when Stripe does not say which card paid', async () => {
    const setup = await preparedOrder();
    fake.failNext(500, 3);
    expect(await deliver(succeededFor(setup))).toEqual({ status: 200, outcome: 'fulfilled' });
    const [invoice] = await getDb().select({ status: invoices.status, cardBrand: invoices.cardBrand }).from(invoices).where(eq(invoices.orderId, setup.order.id));
    expect(invoice).toEqual({ status: 'paid', cardBrand: '' });
  });

  it('pays an open check invoice once through its own intent, naming the card, and refuses a paid one', async () => {
    const { org, order } = await pendingOrder();
    const { invoiceId } = await confirmCheckOrder({ actor: org.owner, orderId: order.id });
    const [a, b] = await Promise.all([prepareInvoicePaymentIntent({ actor: org.owner, invoiceId }), prepareInvoicePaymentIntent({ actor: org.owner, invoiceId })]);
    expect(a.paymentIntentId).toBe(b.paymentIntentId);
    const intent = fake.intents.get(a.paymentIntentId);
    expect(intent).toMatchObject({ amount: order.totalCents, metadata: { invoiceId, orgId: org.orgId, administratorId: org.owner.id } });
    const [stored] = await getDb().select({ id: invoices.paymentIntentId }).from(invoices).where(eq(invoices.id, invoiceId));
    expect(stored.id).toBe(a.paymentIntentId);

    fake.card.brand = 'mastercard';
    fake.card.last4 = '4444';
    try {
      fake.setStatus(a.paymentIntentId, 'succeeded');
      const event = paymentIntentEvent('payment_intent.succeeded', { id: a.paymentIntentId, amount: order.totalCents, metadata: intent?.metadata ?? {} });
      expect(await deliver(event)).toEqual({ status: 200, outcome: 'fulfilled' });
      expect(await deliver(event)).toEqual({ status: 200, outcome: 'duplicate' });
    } finally {
      fake.card.brand = 'visa';
      fake.card.last4 = '4242';
    }
    const [invoice] = await getDb().select().from(invoices).where(eq(invoices.id, invoiceId));
    expect(invoice).toMatchObject({ status: 'paid', cardBrand: 'mastercard', cardLast4: '4444' });
    expect(await getDb().select({ provider: payments.provider, reference: payments.providerReference }).from(payments).where(eq(payments.orderId, order.id))).toEqual([
      { provider: 'stripe', reference: a.paymentIntentId },
    ]);
    const paid = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'invoices.paid')));
    expect(paid.map((e) => e.summary)).toEqual([`Card payment of $${(order.totalCents / 100).toFixed(2)} received for invoice ${invoice.number} (Mastercard ending 4444)`]);
    const { outboxMessages } = await import('@/db/schema');
    const receipts = await getDb().select({ recipient: outboxMessages.recipient }).from(outboxMessages).where(and(eq(outboxMessages.orgId, org.orgId), eq(outboxMessages.kind, 'payment_receipt')));
    expect(receipts).toEqual([{ recipient: org.owner.email }]);

    expect((await refusal(prepareInvoicePaymentIntent({ actor: org.owner, invoiceId }))).message).toBe('This invoice is paid already.');
    expect((await refusal(prepareInvoicePaymentIntent({ actor: await actorFor(org.managerId), invoiceId }))).code).toBe('forbidden');
    const other = await createTestOrg();
    expect((await refusal(prepareInvoicePaymentIntent({ actor: await actorFor(other.ownerId), invoiceId }))).code).toBe('not_found');
  });
});
