import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, invoices, licensedEmails, orders, payments, subscriptions } from '@/db/schema';
import { addLicensedEmails } from '@/lib/licensing/add-licensed-emails';
import { getLicenseUsage } from '@/lib/licensing/queries';
import { addDays, toDay } from '@/lib/licensing/term';
import { actorFor, createTestOrg } from '@/tests/factories';
import { CARD_PAYMENTS_OFF } from './card-payments';
import { confirmCheckOrder, payOrderWithTestCard, TEST_GATEWAY_OFF } from './complete-order';
import { createLicenseOrder, createRenewalOrder } from './create-order';
import { getInvoice, getOrder } from './queries';
import { prepareCheckout } from './update-order';
import { refusal } from '@/tests/refusal';
import { resetEnvCache } from '@/lib/env';


async function eventsOf(orgId: string, action: string) {
  return getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));
}

/** An organisation at 47 of 47, renewal in 25 days, like the demo's Acme Health. */
async function fullOrg() {
  const org = await createTestOrg({ licenses: 47, licensed: 47 });
  const renewal = addDays(toDay(new Date()), 25);
  await getDb().update(subscriptions).set({ termStart: addDays(renewal, -365), renewalDate: renewal }).where(eq(subscriptions.orgId, org.orgId));
  return org;
}

const VISA = { number: '4242 4242 4242 4242', expiry: '12/34', cvc: '123', name: 'Owner Person' };

describe('buying licenses for new addresses', () => {
  it('47 of 47 + 3 addresses: asks for 3 licenses, and check payment adds them with an invoice due in 30 days', async () => {
    const org = await fullOrg();
    const owner = await actorFor(org.ownerId);
    const emails = ['x1', 'x2', 'x3'].map((u) => `${u}@${org.domain}`);
    expect(await addLicensedEmails({ actor: owner, emails, source: 'csv' })).toEqual({ status: 'needs_licenses', missing: 3, available: 0 });
    expect((await getLicenseUsage(getDb(), org.orgId)).used).toBe(47);

    expect((await refusal(createLicenseOrder({ actor: owner, quantity: 2, pendingEmails: emails }))).message).toMatch(/at least 3/);
    const { orderId } = await createLicenseOrder({ actor: owner, quantity: 3, pendingEmails: emails, poNumber: 'PO-7781' });
    const order = await getOrder(getDb(), org.orgId, orderId);
    expect(order).toMatchObject({ quantity: 3, unitPriceCents: 2700, daysCharged: 25, daysInTerm: 365, poNumber: 'PO-7781' });
    expect(order?.totalCents).toBe(Math.floor((3 * 2700 * 25) / 365 + 0.5));

    const result = await confirmCheckOrder({ actor: owner, orderId });
    const usage = await getLicenseUsage(getDb(), org.orgId);
    expect([usage.used, usage.purchased]).toEqual([50, 50]);
    const [invoice] = await getDb().select().from(invoices).where(eq(invoices.id, result.invoiceId));
    expect(invoice).toMatchObject({ status: 'open', paymentMethod: 'check', poNumber: 'PO-7781', dueOn: addDays(toDay(new Date()), 30) });
    const [event] = await eventsOf(org.orgId, 'licenses.purchased');
    expect(event.summary).toMatch(new RegExp(`^3 emails added, 3 licenses bought by check, invoice ${invoice.number}, \\$\\d+\\.\\d{2}$`));
  });

  it('25 concurrent confirmations produce one fulfilment, one invoice and one event', async () => {
    const org = await fullOrg();
    const owner = await actorFor(org.ownerId);
    const { orderId } = await createLicenseOrder({ actor: owner, quantity: 5, pendingEmails: [`c1@${org.domain}`] });
    const results = await Promise.allSettled(Array.from({ length: 25 }, () => confirmCheckOrder({ actor: owner, orderId })));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const numbers = new Set(results.map((r) => (r.status === 'fulfilled' ? r.value.invoiceNumber : '')));
    expect(numbers.size).toBe(1);
    expect(await getDb().$count(invoices, eq(invoices.orderId, orderId))).toBe(1);
    expect(await eventsOf(org.orgId, 'licenses.purchased')).toHaveLength(1);
    expect((await getLicenseUsage(getDb(), org.orgId)).purchased).toBe(52);
  });

  it('a new quantity replaces the order; the old order (reached with Back) carries on with its replacement', async () => {
    const org = await fullOrg();
    const owner = await actorFor(org.ownerId);
    const { orderId } = await createLicenseOrder({ actor: owner, quantity: 3, pendingEmails: [`b1@${org.domain}`] });
    const first = await prepareCheckout({ actor: owner, orderId, poNumber: '', quantity: 5 });
    expect(first.orderId).not.toBe(orderId);
    expect((await getOrder(getDb(), org.orgId, orderId))?.status).toBe('cancelled');
    // Continue pressed again on the old page: the replacement is used, not a false "already complete".
    const again = await prepareCheckout({ actor: owner, orderId, poNumber: 'PO-7', quantity: 5 });
    expect(again.orderId).toBe(first.orderId);
    expect((await getOrder(getDb(), org.orgId, first.orderId))).toMatchObject({ status: 'open', quantity: 5, poNumber: 'PO-7' });
    // Another order made since, for other addresses, is never taken for the replacement.
    const other = await createLicenseOrder({ actor: owner, quantity: 2, pendingEmails: [`z1@${org.domain}`] });
    expect((await prepareCheckout({ actor: owner, orderId, poNumber: '', quantity: 5 })).orderId).toBe(first.orderId);
    expect((await getOrder(getDb(), org.orgId, other.orderId))?.status).toBe('open');
  });

  it('the test gateway takes no payment when Stripe is set up', async () => {
    const org = await fullOrg();
    const owner = await actorFor(org.ownerId);
    const { orderId } = await createLicenseOrder({ actor: owner, quantity: 3, pendingEmails: [`s1@${org.domain}`] });
    const stripe = { STRIPE_SECRET_KEY: 'sk_test_local', STRIPE_WEBHOOK_SECRET: 'whsec_local', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_test_local' };
    const saved = Object.fromEntries(Object.keys(stripe).map((k) => [k, process.env[k]]));
    Object.assign(process.env, stripe);
    resetEnvCache();
    try {
      const refused = await refusal(payOrderWithTestCard({ actor: owner, orderId, card: VISA }));
      expect(refused).toMatchObject({ code: 'forbidden', message: TEST_GATEWAY_OFF });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      resetEnvCache();
    }
    expect(await getDb().$count(payments, eq(payments.orderId, orderId))).toBe(0);
    expect((await getOrder(getDb(), org.orgId, orderId))?.status).toBe('open');
    expect((await getLicenseUsage(getDb(), org.orgId)).purchased).toBe(47);
  });

  it('outside demo mode, without Stripe, the test gateway takes no card and grants nothing; a check still pays', async () => {
    const org = await fullOrg();
    const owner = await actorFor(org.ownerId);
    const { orderId } = await createLicenseOrder({ actor: owner, quantity: 3, pendingEmails: [`p1@${org.domain}`] });
    // A production server on a real database: NODE_ENV=production, no SEALPOST_DEMO, no Stripe key.
    const production: Record<string, string | undefined> = { NODE_ENV: 'production', SEALPOST_DEMO: undefined, STRIPE_SECRET_KEY: undefined };
    const saved = Object.fromEntries(Object.keys(production).map((k) => [k, process.env[k]]));
    const apply = (values: Record<string, string | undefined>) => {
      for (const [k, v] of Object.entries(values)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      // The configuration is read once (lib/env.ts): read it again with these values.
      resetEnvCache();
    };
    apply(production);
    try {
      expect(await refusal(payOrderWithTestCard({ actor: owner, orderId, card: VISA }))).toMatchObject({ code: 'forbidden', message: CARD_PAYMENTS_OFF });
      expect(await getDb().$count(payments, eq(payments.orderId, orderId))).toBe(0);
      expect((await getOrder(getDb(), org.orgId, orderId))?.status).toBe('open');
      expect((await getLicenseUsage(getDb(), org.orgId)).purchased).toBe(47);
      expect((await confirmCheckOrder({ actor: owner, orderId })).emailsAdded).toBe(1);
    } finally {
      apply(saved);
    }
  });

  it('a declined card adds nothing; 4242 pays once, even when 25 payments race', async () => {
    const org = await fullOrg();
    const owner = await actorFor(org.ownerId);
    const { orderId } = await createLicenseOrder({ actor: owner, quantity: 3, pendingEmails: [`d1@${org.domain}`, `d2@${org.domain}`] });
    const declined = await refusal(payOrderWithTestCard({ actor: owner, orderId, card: { ...VISA, number: '4000 0000 0000 0002' } }));
    expect(declined.message).toBe('Your card was declined.');
    expect((await getLicenseUsage(getDb(), org.orgId)).used).toBe(47);
    expect(await eventsOf(org.orgId, 'payments.declined')).toHaveLength(1);
    // A mistyped expiry date is a form error, not a declined payment.
    const mistyped = await refusal(payOrderWithTestCard({ actor: owner, orderId, card: { ...VISA, expiry: '13/40' } }));
    expect(mistyped.fieldErrors).toHaveProperty('expiry');
    expect(await eventsOf(org.orgId, 'payments.declined')).toHaveLength(1);
    expect(await getDb().$count(payments, eq(payments.orderId, orderId))).toBe(0);

    const results = await Promise.allSettled(Array.from({ length: 25 }, () => payOrderWithTestCard({ actor: owner, orderId, card: VISA })));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await getDb().$count(payments, eq(payments.orderId, orderId))).toBe(1);
    expect(await getDb().$count(invoices, eq(invoices.orderId, orderId))).toBe(1);
    const [invoice] = await getDb().select().from(invoices).where(eq(invoices.orderId, orderId));
    expect(invoice.status).toBe('paid');
    const usage = await getLicenseUsage(getDb(), org.orgId);
    expect([usage.used, usage.purchased]).toEqual([49, 50]);
  });

  it('refuses levels 2 and 3 and another organisation', async () => {
    const org = await fullOrg();
    const other = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    for (const id of [org.managerId, org.viewerId]) {
      expect((await refusal(createLicenseOrder({ actor: await actorFor(id), quantity: 1 }))).code).toBe('forbidden');
    }
    const { orderId } = await createLicenseOrder({ actor: owner, quantity: 1 });
    expect((await refusal(confirmCheckOrder({ actor: await actorFor(other.ownerId), orderId }))).code).toBe('not_found');
    expect((await getDb().select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)))[0].status).toBe('open');
  });
});

describe('ids from URLs', () => {
  it('an invoice or order id that is not a UUID is "not found", never a database error', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    // The first passed the old /^[0-9a-f-]{36}$/ check, and /invoices/<it> was a 500.
    for (const id of ['------------------------------------', '2f1c9a4e8-b3d-4c6f-9a1e-0d2b3c4d5e6f', 'not-a-uuid']) {
      expect(await getInvoice(getDb(), org.orgId, id)).toBeNull();
      expect(await getOrder(getDb(), org.orgId, id)).toBeNull();
      expect((await refusal(confirmCheckOrder({ actor: owner, orderId: id }))).code).toBe('not_found');
    }
  });
});

describe('adding addresses within available licenses', () => {
  it('two administrators adding at once never exceed the licenses', async () => {
    const org = await createTestOrg({ licenses: 10, licensed: 5 });
    const [owner, manager] = await Promise.all([actorFor(org.ownerId), actorFor(org.managerId)]);
    const a = Array.from({ length: 4 }, (_, i) => `a${i}@${org.domain}`);
    const b = Array.from({ length: 4 }, (_, i) => `b${i}@${org.domain}`);
    const results = await Promise.all([
      addLicensedEmails({ actor: owner, emails: a, source: 'manual' }),
      addLicensedEmails({ actor: manager, emails: b, source: 'manual' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['added', 'needs_licenses']);
    expect(await getDb().$count(licensedEmails, eq(licensedEmails.orgId, org.orgId))).toBe(9);
  });

  it('a read-only administrator cannot add', async () => {
    const org = await createTestOrg();
    expect((await refusal(addLicensedEmails({ actor: await actorFor(org.viewerId), emails: [`v@${org.domain}`], source: 'manual' }))).code).toBe('forbidden');
  });
});

describe('renewal', () => {
  it('prices all licenses at the tier of the total and extends the term one year from the old renewal date', async () => {
    const org = await fullOrg();
    const owner = await actorFor(org.ownerId);
    const before = (await getDb().select().from(subscriptions).where(eq(subscriptions.orgId, org.orgId)))[0];
    const { orderId } = await createRenewalOrder({ actor: owner });
    const order = await getOrder(getDb(), org.orgId, orderId);
    expect(order).toMatchObject({ kind: 'renewal', quantity: 47, unitPriceCents: 3000, subtotalCents: 141000 });
    await payOrderWithTestCard({ actor: owner, orderId, card: VISA });
    const after = (await getDb().select().from(subscriptions).where(eq(subscriptions.orgId, org.orgId)))[0];
    expect(after.termStart).toBe(before.renewalDate);
    expect(after.renewalDate).toBe(addDays(before.renewalDate, 365));
    expect(await eventsOf(org.orgId, 'subscriptions.renewed')).toHaveLength(1);
    // A second renewal is not open any more, and a stale order cannot be paid.
    expect((await refusal(createRenewalOrder({ actor: owner }))).code).toBe('conflict');
  });

  it('an order priced before a renewal is refused as stale', async () => {
    const org = await fullOrg();
    const owner = await actorFor(org.ownerId);
    const { orderId: stale } = await createLicenseOrder({ actor: owner, quantity: 1 });
    const { orderId: renewal } = await createRenewalOrder({ actor: owner });
    await confirmCheckOrder({ actor: owner, orderId: renewal });
    expect((await refusal(confirmCheckOrder({ actor: owner, orderId: stale }))).message).toMatch(/changed since this order was priced/);
    expect((await getDb().select({ status: orders.status }).from(orders).where(eq(orders.id, stale)))[0].status).toBe('open');
  });
});

describe('settleInvoice (operators)', () => {
  it('marks an open check invoice paid once, audited; voids another; refuses the rest', async () => {
    const { settleInvoice } = await import('./settle-invoice');
    const org = await fullOrg();
    const owner = await actorFor(org.ownerId);
    const first = await confirmCheckOrder({ actor: owner, orderId: (await createLicenseOrder({ actor: owner, quantity: 1 })).orderId });
    await settleInvoice({ number: first.invoiceNumber, to: 'paid', operator: 'finance' });
    expect((await getDb().select().from(invoices).where(eq(invoices.id, first.invoiceId)))[0]).toMatchObject({ status: 'paid' });
    expect((await refusal(settleInvoice({ number: first.invoiceNumber, to: 'void', operator: 'finance' }))).message).toMatch(/is paid/);
    expect((await refusal(settleInvoice({ number: 'no-such', to: 'paid', operator: 'finance' }))).code).toBe('not_found');
    const [event] = await eventsOf(org.orgId, 'invoices.paid');
    expect(event.summary).toMatch(new RegExp(`invoice ${first.invoiceNumber}$`));
  });
});

describe('renewal reminders', () => {
  it('email the level 1 administrators 30, 7 and 1 days before, once each however often the job runs', async () => {
    const { sendRenewalReminders } = await import('./renewal-reminders');
    const { outboxMessages } = await import('@/db/schema');
    const org = await createTestOrg();
    const today = new Date('2031-03-01T10:00:00Z');
    const remindersTo = async () =>
      getDb()
        .select({ subject: outboxMessages.subject, recipient: outboxMessages.recipient })
        .from(outboxMessages)
        .where(and(eq(outboxMessages.orgId, org.orgId), eq(outboxMessages.kind, 'renewal_reminder')));
    await getDb().update(subscriptions).set({ termStart: '2030-03-31', renewalDate: '2031-03-31' }).where(eq(subscriptions.orgId, org.orgId));

    await Promise.all([sendRenewalReminders(addDaysTo(today, -1)), sendRenewalReminders(today), sendRenewalReminders(today)]);
    let sent = await remindersTo();
    expect(sent).toEqual([{ subject: 'Your Sealpost subscription renews in 30 days', recipient: `owner@${org.domain}` }]);

    await sendRenewalReminders(addDaysTo(today, 23));
    await sendRenewalReminders(addDaysTo(today, 23));
    await sendRenewalReminders(addDaysTo(today, 29));
    sent = await remindersTo();
    expect(sent.map((m) => m.subject).sort()).toEqual([
      'Your Sealpost subscription renews in 30 days',
      'Your Sealpost subscription renews in 7 days',
      'Your Sealpost subscription renews tomorrow',
    ]);
  });
});

function addDaysTo(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 86_400_000);
}
