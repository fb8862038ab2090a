import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, invoices, licensedEmails, orders, payments, subscriptions } from '@/db/schema';
import { confirmCheckOrder, payOrderWithTestCard, TEST_GATEWAY_OFF } from '@/lib/billing/complete-order';
import { isAppError } from '@/lib/errors/app-error';
import { createLicenseOrder, createRenewalOrder } from '@/lib/billing/create-order';
import { preparePaymentIntent } from '@/lib/billing/stripe-payments';
import { getLicenseUsage } from '@/lib/licensing/queries';
import { addDays, addYears, toDay } from '@/lib/licensing/term';
import { actorFor, createTestOrg } from '@/tests/factories';
import { startFakeStripe } from '@/tests/servers/fake-stripe';
import { paymentIntentEvent } from '@/tests/stripe-events';
import { resetEnvCache } from '@/lib/env';

/**
 * No double spend (concurrent attempts on one order give one grant, one payment, one invoice, one audit event), for what lib/billing's own tests do not race: every way of
 * completing one order at once — check confirmations, test-gateway card payments and Stripe
 * webhook deliveries through the route (the same event replayed and distinct events for the same
 * payment) — 25 attempts in all, for a license order and for a renewal.
 */

// The webhook route carries no session; this keeps next-auth out of the test (as in stripe.db.test.ts).
vi.mock('@/lib/auth/session', () => ({ getCurrentAdmin: async () => null }));

const WEBHOOK_SECRET = 'whsec_test_sealpost_faults';
const STRIPE_ENV = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY', 'STRIPE_API_BASE'] as const;
const VISA = { number: '4242 4242 4242 4242', expiry: '12/34', cvc: '123', name: 'Owner Person' };

let fake: Awaited<ReturnType<typeof startFakeStripe>>;
beforeAll(async () => {
  fake = await startFakeStripe();
  process.env.STRIPE_SECRET_KEY = 'sk_test_sealpost';
  process.env.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET;
  process.env.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY = 'pk_test_sealpost';
  process.env.STRIPE_API_BASE = fake.url;
  resetEnvCache();
  // A webhook that loses the race to a check or test-card payment is logged as needing a refund.
  vi.spyOn(console, 'error').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterAll(async () => {
  vi.restoreAllMocks();
  for (const name of STRIPE_ENV) delete process.env[name];
  resetEnvCache();
  await fake.close();
});

/** 47 of 47 licenses, renewal in 25 days. */
async function fullOrg() {
  const org = await createTestOrg({ licenses: 47, licensed: 47 });
  const renewal = addDays(toDay(new Date()), 25);
  await getDb().update(subscriptions).set({ termStart: addDays(renewal, -365), renewalDate: renewal }).where(eq(subscriptions.orgId, org.orgId));
  return { ...org, owner: await actorFor(org.ownerId), renewal };
}

function succeededEvent(intentId: string, order: { id: string; orgId: string; totalCents: number }, eventId: string) {
  return paymentIntentEvent('payment_intent.succeeded', { id: intentId, amount: order.totalCents, metadata: { orderId: order.id, orgId: order.orgId } }, eventId);
}

async function postWebhook(event: object) {
  const { POST } = await import('@/app/api/webhooks/stripe/route');
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  return POST(new Request('http://sealpost.test/api/webhooks/stripe', { method: 'POST', body: payload, headers: { 'stripe-signature': signature } }));
}

/**
 * 9 check confirmations, 8 test-card payments, 8 webhook deliveries (one event 4 times, 4 distinct
 * ones), interleaved. Stripe is set up here, so the test gateway refuses its 8 ("card refused"):
 * they must change nothing either.
 */
async function race(org: Awaited<ReturnType<typeof fullOrg>>, orderId: string) {
  const { paymentIntentId } = await preparePaymentIntent({ actor: org.owner, orderId });
  const [order] = await getDb().select({ id: orders.id, orgId: orders.orgId, totalCents: orders.totalCents }).from(orders).where(eq(orders.id, orderId));
  const replayed = succeededEvent(paymentIntentId, order, `evt_${randomBytes(8).toString('hex')}`);
  const attempts: (() => Promise<string>)[] = [];
  for (let i = 0; i < 25; i++) {
    const kind = i % 3;
    if (kind === 0) {
      attempts.push(async () => `check ${(await confirmCheckOrder({ actor: org.owner, orderId })).invoiceNumber}`);
    } else if (kind === 1) {
      attempts.push(async () => {
        try {
          return `card ${(await payOrderWithTestCard({ actor: org.owner, orderId, card: VISA })).invoiceNumber}`;
        } catch (e) {
          if (isAppError(e) && e.code === 'forbidden' && e.message === TEST_GATEWAY_OFF) return 'card refused';
          throw e;
        }
      });
    } else {
      const event = i % 2 === 0 ? replayed : succeededEvent(paymentIntentId, order, `evt_${randomBytes(8).toString('hex')}`);
      attempts.push(async () => `webhook ${(await postWebhook(event)).status}`);
    }
  }
  const results = await Promise.allSettled(attempts.map((attempt) => attempt()));
  return { results, paymentIntentId };
}

async function effectsOf(orgId: string, orderId: string) {
  const db = getDb();
  const [order] = await db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId));
  const orderInvoices = await db.select({ number: invoices.number, paymentMethod: invoices.paymentMethod }).from(invoices).where(eq(invoices.orderId, orderId));
  const orderPayments = await db.select({ provider: payments.provider }).from(payments).where(eq(payments.orderId, orderId));
  const events = await db
    .select({ action: auditEvents.action })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.targetType, 'invoice')));
  return { status: order.status, invoices: orderInvoices, payments: orderPayments, events: events.map((e) => e.action) };
}

describe('25 mixed concurrent attempts to complete one order', () => {
  it('a license order: one grant, one invoice, at most the one payment of the winning method, one event', async () => {
    const org = await fullOrg();
    const pending = ['r1', 'r2', 'r3'].map((u) => `${u}@${org.domain}`);
    const { orderId } = await createLicenseOrder({ actor: org.owner, quantity: 4, pendingEmails: pending });

    const { results } = await race(org, orderId);
    // Every attempt gets an answer; none fails, and every invoice number returned is the one invoice.
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const answers = results.map((r) => (r.status === 'fulfilled' ? r.value : ''));
    expect(answers.filter((a) => a.startsWith('webhook')).every((a) => a === 'webhook 200')).toBe(true);

    const effects = await effectsOf(org.orgId, orderId);
    expect(effects.status).toBe('fulfilled');
    expect(effects.invoices).toHaveLength(1);
    const [invoice] = effects.invoices;
    expect(answers.filter((a) => a === 'card refused')).toHaveLength(8);
    expect(new Set(answers.filter((a) => a.startsWith('check')).map((a) => a.split(' ')[1]))).toEqual(new Set([invoice.number]));
    // A check payment records no payment row; a card one records exactly one.
    expect(effects.payments).toHaveLength(invoice.paymentMethod === 'card' ? 1 : 0);
    expect(effects.events).toEqual(['licenses.purchased']);
    const usage = await getLicenseUsage(getDb(), org.orgId);
    expect([usage.used, usage.purchased]).toEqual([50, 51]);
    expect(await getDb().$count(licensedEmails, eq(licensedEmails.orgId, org.orgId))).toBe(50);
  });

  it('a renewal: the term moves on by exactly one year, with one invoice and one event', async () => {
    const org = await fullOrg();
    const { orderId } = await createRenewalOrder({ actor: org.owner });

    const { results } = await race(org, orderId);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

    const effects = await effectsOf(org.orgId, orderId);
    expect(effects.status).toBe('fulfilled');
    expect(effects.invoices).toHaveLength(1);
    expect(effects.payments).toHaveLength(effects.invoices[0].paymentMethod === 'card' ? 1 : 0);
    expect(effects.events).toEqual(['subscriptions.renewed']);
    const [sub] = await getDb()
      .select({ termStart: subscriptions.termStart, renewalDate: subscriptions.renewalDate, purchased: subscriptions.licensesPurchased })
      .from(subscriptions)
      .where(eq(subscriptions.orgId, org.orgId));
    expect(sub).toEqual({ termStart: org.renewal, renewalDate: addYears(org.renewal, 1), purchased: 47 });
  });
});
