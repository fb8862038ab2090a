import { and, asc, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, invoices, organisations, outboxAttachments, outboxMessages, payments, subscriptions } from '@/db/schema';
import { deliverOutboxMessage } from '@/lib/mail/deliver';
import type { OutgoingMessage, Transport } from '@/lib/mail/transport';
import { addDays, toDay } from '@/lib/licensing/term';
import { getBillingEmail, setBillingEmail } from '@/lib/organisations/billing-email';
import { listOutboxMessages } from '@/lib/outbox/queries';
import { actorFor, createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { confirmCheckOrder, payOrderWithTestCard } from './complete-order';
import { createLicenseOrder, createRenewalOrder } from './create-order';
import { getOutstandingInvoices, listInvoiceSummaries } from './invoice-list';
import { payInvoiceWithTestCard } from './pay-invoice';

const VISA = { number: '4242424242424242', expiry: '12/34', cvc: '123', name: 'Owner Person' };
const DECLINED = { number: '4000000000000002', expiry: '12/34', cvc: '123' };

/** An organisation whose renewal is `days` away, with its owner as actor. */
async function orgRenewingIn(days: number) {
  const org = await createTestOrg({ licenses: 10, licensed: 10 });
  const renewal = addDays(toDay(new Date()), days);
  await getDb().update(subscriptions).set({ termStart: addDays(renewal, -365), renewalDate: renewal }).where(eq(subscriptions.orgId, org.orgId));
  return { ...org, renewal, owner: await actorFor(org.ownerId), manager: await actorFor(org.managerId) };
}

async function mailOf(orgId: string) {
  const messages = await getDb()
    .select({ id: outboxMessages.id, kind: outboxMessages.kind, recipient: outboxMessages.recipient, subject: outboxMessages.subject, bodyText: outboxMessages.bodyText })
    .from(outboxMessages)
    .where(and(eq(outboxMessages.orgId, orgId), inArray(outboxMessages.kind, ['payment_receipt', 'check_invoice'])))
    .orderBy(asc(outboxMessages.createdAt), asc(outboxMessages.recipient));
  const attachments = messages.length
    ? await getDb()
        .select({ messageId: outboxAttachments.messageId, filename: outboxAttachments.filename, contentType: outboxAttachments.contentType, source: outboxAttachments.source })
        .from(outboxAttachments)
        .where(inArray(outboxAttachments.messageId, messages.map((m) => m.id)))
    : [];
  return messages.map((m) => ({ ...m, attachments: attachments.filter((a) => a.messageId === m.id) }));
}

async function eventsOf(orgId: string, action: string) {
  return getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));
}

describe('receipts and invoices by email', () => {
  it('a card payment emails a receipt with the invoice PDF to the payer and the billing email, and names the card', async () => {
    const org = await orgRenewingIn(100);
    await setBillingEmail({ actor: org.owner, billingEmail: ' Accounts@Example.COM ' });
    const { orderId } = await createLicenseOrder({ actor: org.owner, quantity: 2 });
    const result = await payOrderWithTestCard({ actor: org.owner, orderId, card: VISA });

    const [invoice] = await getDb().select().from(invoices).where(eq(invoices.id, result.invoiceId));
    expect(invoice).toMatchObject({ status: 'paid', cardBrand: 'Visa', cardLast4: '4242' });
    expect(invoice.lines[0].period).toEqual({ from: toDay(new Date()), to: org.renewal });

    const mail = await mailOf(org.orgId);
    expect(mail.map((m) => [m.kind, m.recipient])).toEqual([
      ['payment_receipt', 'accounts@example.com'],
      ['payment_receipt', `owner@${org.domain}`],
    ]);
    for (const message of mail) {
      expect(message.subject).toBe(`Receipt for invoice ${invoice.number}: ${'$' + (invoice.totalCents / 100).toFixed(2)} paid`);
      expect(message.bodyText).toContain('Visa ending 4242');
      expect(message.bodyText).toContain('2 licenses added');
      expect(message.attachments).toEqual([
        { messageId: message.id, filename: `invoice-${invoice.number}.pdf`, contentType: 'application/pdf', source: { type: 'invoice_pdf', orgId: org.orgId, invoiceId: invoice.id } },
      ]);
    }
  });

  it('a check order emails the invoice to pay, to the payer only when there is no billing email', async () => {
    const org = await orgRenewingIn(100);
    const { orderId } = await createLicenseOrder({ actor: org.owner, quantity: 1 });
    const result = await confirmCheckOrder({ actor: org.owner, orderId });
    const mail = await mailOf(org.orgId);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ kind: 'check_invoice', recipient: `owner@${org.domain}` });
    expect(mail[0].subject).toMatch(new RegExp(`^Invoice ${result.invoiceNumber}: \\$\\d+\\.\\d{2} due `));
    expect(mail[0].attachments).toHaveLength(1);
  });

  it('a renewal invoice records its service period: the new term', async () => {
    const org = await orgRenewingIn(20);
    const { orderId } = await createRenewalOrder({ actor: org.owner });
    const result = await confirmCheckOrder({ actor: org.owner, orderId });
    const [invoice] = await getDb().select({ lines: invoices.lines }).from(invoices).where(eq(invoices.id, result.invoiceId));
    const nextYear = new Date(`${org.renewal}T00:00:00Z`);
    nextYear.setUTCFullYear(nextYear.getUTCFullYear() + 1);
    expect(invoice.lines[0].period).toEqual({ from: org.renewal, to: toDay(nextYear) });
    const [summary] = await listInvoiceSummaries(getDb(), org.orgId);
    expect(summary.purpose).toMatch(/^Renewal of 10 licenses, \d+ \w+ \d{4} – \d+ \w+ \d{4}$/);
  });

  it('delivery makes the queued PDF once, sends it attached, and keeps it for a retry', async () => {
    const org = await orgRenewingIn(100);
    const { orderId } = await createLicenseOrder({ actor: org.owner, quantity: 1 });
    await confirmCheckOrder({ actor: org.owner, orderId });
    const [message] = await mailOf(org.orgId);
    const sent: OutgoingMessage[] = [];
    let failNext = true;
    const transport: Transport = {
      name: 'test',
      async send(m) {
        sent.push(m);
        if (failNext) {
          failNext = false;
          throw new Error('provider away');
        }
        return { providerId: `test:${m.id}` };
      },
    };
    let made = 0;
    const makeAttachment = async () => {
      made++;
      return Buffer.from('%PDF-1.7 test');
    };
    const transports = { email: transport, sms: transport };
    expect((await deliverOutboxMessage(getDb(), message.id, transports, { finalAttempt: false, makeAttachment })).status).toBe('retry');
    expect((await deliverOutboxMessage(getDb(), message.id, transports, { finalAttempt: false, makeAttachment })).status).toBe('sent');
    expect(made).toBe(1);
    // The demo outbox names the attachment and its size once made.
    const listed = (await listOutboxMessages(getDb(), { limit: 200 })).find((m) => m.id === message.id);
    expect(listed?.attachments).toEqual([{ filename: message.attachments[0].filename, size: '%PDF-1.7 test'.length }]);
    expect(sent.map((m) => m.attachments?.map((a) => [a.filename, a.contentType, a.content.toString()]))).toEqual([
      [[message.attachments[0].filename, 'application/pdf', '%PDF-1.7 test']],
      [[message.attachments[0].filename, 'application/pdf', '%PDF-1.7 test']],
    ]);
  });

  it('without a way to make the PDF, the message waits (retry) instead of going out without it', async () => {
    const org = await orgRenewingIn(100);
    const { orderId } = await createLicenseOrder({ actor: org.owner, quantity: 1 });
    await confirmCheckOrder({ actor: org.owner, orderId });
    const [message] = await mailOf(org.orgId);
    const transport: Transport = { name: 'test', send: async () => ({ providerId: 'never' }) };
    expect((await deliverOutboxMessage(getDb(), message.id, { email: transport, sms: transport })).status).toBe('retry');
  });
});

describe('the billing email setting', () => {
  it('is set and cleared by level 1, audited, refused to level 2 and for a bad address, and only for its organisation', async () => {
    const org = await orgRenewingIn(100);
    const other = await orgRenewingIn(100);
    expect(await setBillingEmail({ actor: org.owner, billingEmail: 'ap@example.com' })).toEqual({ billingEmail: 'ap@example.com', changed: true });
    expect(await setBillingEmail({ actor: org.owner, billingEmail: 'ap@example.com' })).toEqual({ billingEmail: 'ap@example.com', changed: false });
    expect(await getBillingEmail(getDb(), org.orgId)).toBe('ap@example.com');
    expect(await getBillingEmail(getDb(), other.orgId)).toBe('');
    const [event] = await eventsOf(org.orgId, 'organisations.billing_email_changed');
    expect(event.summary).toBe(`owner@${org.domain} set the billing email to ap@example.com`);

    expect((await refusal(setBillingEmail({ actor: org.manager, billingEmail: 'x@example.com' }))).code).toBe('forbidden');
    const bad = await refusal(setBillingEmail({ actor: org.owner, billingEmail: 'not an address' }));
    expect(bad.code).toBe('invalid_input');
    expect(bad.fieldErrors?.billingEmail?.[0]).toMatch(/Enter an email address/);
    expect(await getBillingEmail(getDb(), org.orgId)).toBe('ap@example.com');

    await setBillingEmail({ actor: org.owner, billingEmail: '' });
    const [row] = await getDb().select({ billingEmail: organisations.billingEmail }).from(organisations).where(eq(organisations.id, org.orgId));
    expect(row.billingEmail).toBe('');
    expect(await eventsOf(org.orgId, 'organisations.billing_email_changed')).toHaveLength(2);
  });
});

describe('Pay now on an open check invoice', () => {
  async function openInvoice() {
    const org = await orgRenewingIn(100);
    const { orderId } = await createLicenseOrder({ actor: org.owner, quantity: 3 });
    const { invoiceId } = await confirmCheckOrder({ actor: org.owner, orderId });
    return { org, invoiceId, orderId };
  }

  it('pays it once by card: paid, one payment, the card named, an audit event and a receipt', async () => {
    const { org, invoiceId, orderId } = await openInvoice();
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => payInvoiceWithTestCard({ actor: org.owner, invoiceId, card: VISA })));
    // Each click succeeds or, arriving after the payment, is told so; one payment either way.
    for (const r of results) if (r.status === 'rejected') expect((r.reason as Error).message).toBe('This invoice is paid already.');
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    const [invoice] = await getDb().select().from(invoices).where(eq(invoices.id, invoiceId));
    expect(invoice).toMatchObject({ status: 'paid', paymentMethod: 'check', cardBrand: 'Visa', cardLast4: '4242' });
    expect(invoice.paidAt).toBeInstanceOf(Date);
    expect(await getDb().select({ provider: payments.provider, amountCents: payments.amountCents }).from(payments).where(eq(payments.orderId, orderId))).toEqual([
      { provider: 'test_gateway', amountCents: invoice.totalCents },
    ]);
    const events = await eventsOf(org.orgId, 'invoices.paid');
    expect(events).toHaveLength(1);
    expect(events[0].summary).toBe(`Card payment of $${(invoice.totalCents / 100).toFixed(2)} received for invoice ${invoice.number} (Visa ending 4242)`);
    expect((await mailOf(org.orgId)).map((m) => m.kind)).toEqual(['check_invoice', 'payment_receipt']);
    expect((await refusal(payInvoiceWithTestCard({ actor: org.owner, invoiceId, card: VISA }))).message).toBe('This invoice is paid already.');
  });

  it('a declined card changes nothing but the audit trail', async () => {
    const { org, invoiceId } = await openInvoice();
    const declined = await refusal(payInvoiceWithTestCard({ actor: org.owner, invoiceId, card: DECLINED }));
    expect(declined.message).toBe('Your card was declined.');
    const [invoice] = await getDb().select({ status: invoices.status }).from(invoices).where(eq(invoices.id, invoiceId));
    expect(invoice.status).toBe('open');
    expect(await eventsOf(org.orgId, 'payments.declined')).toHaveLength(1);
  });

  it('is refused to level 2 and to another organisation (not found)', async () => {
    const { org, invoiceId } = await openInvoice();
    const other = await orgRenewingIn(100);
    expect((await refusal(payInvoiceWithTestCard({ actor: org.manager, invoiceId, card: VISA }))).code).toBe('forbidden');
    expect((await refusal(payInvoiceWithTestCard({ actor: other.owner, invoiceId, card: VISA }))).code).toBe('not_found');
    const [invoice] = await getDb().select({ status: invoices.status }).from(invoices).where(eq(invoices.id, invoiceId));
    expect(invoice.status).toBe('open');
  });
});

describe('the invoices list', () => {
  it('filters by status, says what each was for and totals what is outstanding', async () => {
    const org = await orgRenewingIn(100);
    const check1 = await confirmCheckOrder({ actor: org.owner, orderId: (await createLicenseOrder({ actor: org.owner, quantity: 2 })).orderId });
    const check2 = await confirmCheckOrder({ actor: org.owner, orderId: (await createLicenseOrder({ actor: org.owner, quantity: 4 })).orderId });
    const card = await payOrderWithTestCard({ actor: org.owner, orderId: (await createLicenseOrder({ actor: org.owner, quantity: 1 })).orderId, card: VISA });
    const pastDue = addDays(toDay(new Date()), -1);
    await getDb().update(invoices).set({ dueOn: pastDue }).where(eq(invoices.id, check1.invoiceId));

    const all = await listInvoiceSummaries(getDb(), org.orgId);
    expect(all.map((i) => i.id)).toEqual([card.invoiceId, check2.invoiceId, check1.invoiceId]);
    expect(all.map((i) => i.purpose.replace(/, .*$/, ''))).toEqual(['1 license added', '4 licenses added', '2 licenses added']);
    expect((await listInvoiceSummaries(getDb(), org.orgId, { status: 'open' })).map((i) => i.id)).toEqual([check2.invoiceId, check1.invoiceId]);
    expect((await listInvoiceSummaries(getDb(), org.orgId, { status: 'paid' })).map((i) => i.id)).toEqual([card.invoiceId]);
    expect(await listInvoiceSummaries(getDb(), org.orgId, { status: 'void' })).toEqual([]);

    const totals = await getDb().select({ id: invoices.id, totalCents: invoices.totalCents }).from(invoices).where(eq(invoices.orgId, org.orgId));
    const cents = (id: string) => totals.find((t) => t.id === id)?.totalCents ?? NaN;
    expect(await getOutstandingInvoices(getDb(), org.orgId)).toEqual({
      count: 2,
      totalCents: cents(check1.invoiceId) + cents(check2.invoiceId),
      overdueCount: 1,
      overdueCents: cents(check1.invoiceId),
    });
    const other = await orgRenewingIn(100);
    expect(await getOutstandingInvoices(getDb(), other.orgId)).toEqual({ count: 0, totalCents: 0, overdueCount: 0, overdueCents: 0 });
    expect(await listInvoiceSummaries(getDb(), other.orgId)).toEqual([]);
  });
});

describe('Buy licenses without addresses waiting', () => {
  it('makes an order priced on the server for the number asked, which level 2 cannot make', async () => {
    const org = await orgRenewingIn(100);
    const { orderId } = await createLicenseOrder({ actor: org.owner, quantity: 5 });
    const { orders, orderEmails } = await import('@/db/schema');
    const [order] = await getDb().select().from(orders).where(eq(orders.id, orderId));
    expect(order).toMatchObject({ orgId: org.orgId, kind: 'licenses', status: 'open', quantity: 5, unitPriceCents: 3000, daysCharged: 100 });
    expect(await getDb().$count(orderEmails, eq(orderEmails.orderId, orderId))).toBe(0);
    expect((await refusal(createLicenseOrder({ actor: org.manager, quantity: 5 }))).code).toBe('forbidden');
    const paid = await payOrderWithTestCard({ actor: org.owner, orderId, card: VISA });
    const [invoice] = await getDb().select({ lines: invoices.lines }).from(invoices).where(eq(invoices.id, paid.invoiceId));
    expect(invoice.lines[0].detail).toBeUndefined();
    const [sub] = await getDb().select({ purchased: subscriptions.licensesPurchased }).from(subscriptions).where(eq(subscriptions.orgId, org.orgId));
    expect(sub.purchased).toBe(15);
  });
});
