import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, invoices, licensedEmails, orders, payments, subscriptions } from '@/db/schema';
import { addLicensedEmails } from '@/lib/licensing/add-licensed-emails';
import { removeLicensedEmail, renameLicensedEmail } from '@/lib/licensing/change-licensed-email';
import { getLicenseUsage } from '@/lib/licensing/queries';
import { getSubscriptionState } from '@/lib/licensing/subscription-guards';
import { actorFor, createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { confirmCheckOrder, payOrderWithTestCard } from './complete-order';
import { createLicenseOrder, createRenewalOrder } from './create-order';
import { getOrder } from './queries';
import { prepareCheckout } from './update-order';

/** Fixed dates: the term 1 Jan 2031 → 1 Jan 2032; 30 days of grace end on 31 Jan 2032. */
const RENEWAL = '2032-01-01';
const at = (iso: string) => new Date(iso);
const BEFORE = at('2031-12-20T10:00:00Z');
const ON_RENEWAL_DATE = at('2032-01-01T00:00:00Z');
const EXPIRED = at('2032-01-06T10:00:00Z');
const DISABLED = at('2032-02-10T10:00:00Z');
const VISA = { number: '4242 4242 4242 4242', expiry: '12/40', cvc: '123', name: 'Owner Person' };

async function lapsingOrg(options: { licenses?: number; licensed?: number } = { licenses: 10, licensed: 10 }) {
  const org = await createTestOrg(options);
  await getDb().update(subscriptions).set({ termStart: '2031-01-01', renewalDate: RENEWAL }).where(eq(subscriptions.orgId, org.orgId));
  return { ...org, owner: await actorFor(org.ownerId), manager: await actorFor(org.managerId) };
}

const ordersOf = (orgId: string) => getDb().$count(orders, eq(orders.orgId, orgId));
const eventsOf = (orgId: string, action: string) => getDb().$count(auditEvents, and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));

describe('buying licenses once the term has ended', () => {
  it.each([
    ['on the renewal date', ON_RENEWAL_DATE],
    ['within the grace period', EXPIRED],
    ['when disabled', DISABLED],
  ])('is refused %s, with a word to renew first, and creates no order', async (_, now) => {
    const org = await lapsingOrg();
    const refused = await refusal(createLicenseOrder({ actor: org.owner, quantity: 3, pendingEmails: [`n1@${org.domain}`], now }));
    expect(refused).toMatchObject({ code: 'conflict', message: "Your subscription's term ended on 1 Jan 2032. Renew it first (Renewals), then buy more licenses." });
    expect(await ordersOf(org.orgId)).toBe(0);
  });

  it('the last day of the term still buys, at one day of 365', async () => {
    const org = await lapsingOrg();
    const { orderId } = await createLicenseOrder({ actor: org.owner, quantity: 1, now: at('2031-12-31T23:00:00Z') });
    expect(await getOrder(getDb(), org.orgId, orderId)).toMatchObject({ daysCharged: 1, daysInTerm: 365, subtotalCents: 8 });
  });

  it('an order priced within the term is not confirmed, paid or re-priced after it: nothing granted, the order stays open', async () => {
    const org = await lapsingOrg();
    const { orderId } = await createLicenseOrder({ actor: org.owner, quantity: 2, pendingEmails: [`late@${org.domain}`], now: BEFORE });
    // One at a time: started together, a refusal not yet awaited is an unhandled rejection.
    for (const attempt of [
      () => confirmCheckOrder({ actor: org.owner, orderId, now: EXPIRED }),
      () => payOrderWithTestCard({ actor: org.owner, orderId, card: VISA, now: EXPIRED }),
      () => prepareCheckout({ actor: org.owner, orderId, poNumber: 'PO-1', now: EXPIRED }),
      () => prepareCheckout({ actor: org.owner, orderId, poNumber: '', quantity: 3, now: EXPIRED }),
    ]) {
      expect((await refusal(attempt())).message).toMatch(/term ended on 1 Jan 2032\. Renew it first/);
    }
    expect((await getOrder(getDb(), org.orgId, orderId))?.status).toBe('open');
    expect(await getDb().$count(invoices, eq(invoices.orgId, org.orgId))).toBe(0);
    expect(await getDb().$count(payments, eq(payments.orgId, org.orgId))).toBe(0);
    expect(await getDb().$count(licensedEmails, eq(licensedEmails.email, `late@${org.domain}`))).toBe(0);
    expect((await getLicenseUsage(getDb(), org.orgId)).purchased).toBe(10);
    expect(await eventsOf(org.orgId, 'licenses.purchased')).toBe(0);
  });
});

describe('renewing a lapsed subscription', () => {
  it('works when disabled, extends one year from the old renewal date, and makes it active again', async () => {
    const org = await lapsingOrg();
    expect((await getSubscriptionState(getDb(), org.orgId, DISABLED))?.status).toBe('disabled');
    const { orderId } = await createRenewalOrder({ actor: org.owner, now: DISABLED });
    await confirmCheckOrder({ actor: org.owner, orderId, now: DISABLED });
    const [sub] = await getDb().select().from(subscriptions).where(eq(subscriptions.orgId, org.orgId));
    expect([sub.termStart, sub.renewalDate]).toEqual([RENEWAL, '2033-01-01']);
    expect(await getSubscriptionState(getDb(), org.orgId, DISABLED)).toMatchObject({ status: 'active' });
    expect(await eventsOf(org.orgId, 'subscriptions.renewed')).toBe(1);
    // Active again: addresses and purchases work.
    const { orderId: more } = await createLicenseOrder({ actor: org.owner, quantity: 1, pendingEmails: [`back@${org.domain}`], now: DISABLED });
    expect((await confirmCheckOrder({ actor: org.owner, orderId: more, now: DISABLED })).emailsAdded).toBe(1);
  });

  it('by card within the grace period', async () => {
    const org = await lapsingOrg();
    const { orderId } = await createRenewalOrder({ actor: org.owner, now: EXPIRED });
    await payOrderWithTestCard({ actor: org.owner, orderId, card: VISA, now: EXPIRED });
    expect(await getSubscriptionState(getDb(), org.orgId, EXPIRED)).toMatchObject({ status: 'active', renewalDate: '2033-01-01' });
  });

  it('after a lapse of more than a year starts the new term on the day of payment', async () => {
    const org = await lapsingOrg();
    const now = at('2033-03-05T10:00:00Z');
    await confirmCheckOrder({ actor: org.owner, orderId: (await createRenewalOrder({ actor: org.owner, now })).orderId, now });
    const [sub] = await getDb().select().from(subscriptions).where(eq(subscriptions.orgId, org.orgId));
    expect([sub.termStart, sub.renewalDate]).toEqual(['2033-03-05', '2034-03-05']);
  });
});

describe('licensed addresses of a lapsed subscription', () => {
  it('within the grace period, addresses are still added within the licenses available', async () => {
    const org = await lapsingOrg({ licenses: 10, licensed: 8 });
    expect(await addLicensedEmails({ actor: org.manager, emails: [`grace@${org.domain}`], source: 'manual', now: EXPIRED })).toMatchObject({ status: 'added', added: 1 });
  });

  it('when disabled, adding and renaming are refused with the reason; removing still works', async () => {
    const org = await lapsingOrg({ licenses: 10, licensed: 8 });
    const added = await refusal(addLicensedEmails({ actor: org.manager, emails: [`late@${org.domain}`], source: 'csv', now: DISABLED }));
    expect(added).toMatchObject({ code: 'forbidden' });
    expect(added.message).toBe(
      'Your subscription expired on 1 Jan 2032 and is read-only until it is renewed: licensed addresses cannot be added. A level 1 administrator can renew under Renewals.',
    );
    expect(await getDb().$count(licensedEmails, eq(licensedEmails.orgId, org.orgId))).toBe(8);

    const [first] = await getDb().select({ id: licensedEmails.id, email: licensedEmails.email }).from(licensedEmails).where(eq(licensedEmails.orgId, org.orgId)).limit(1);
    expect((await refusal(renameLicensedEmail({ actor: org.owner, id: first.id, email: `renamed@${org.domain}`, now: DISABLED }))).message).toMatch(/cannot be renamed/);
    expect(await getDb().$count(licensedEmails, eq(licensedEmails.email, first.email))).toBe(1);

    await removeLicensedEmail({ actor: org.owner, id: first.id, now: DISABLED });
    expect(await getDb().$count(licensedEmails, eq(licensedEmails.orgId, org.orgId))).toBe(7);
  });
});
