import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { deliveryEvents, invoices, messageRecipients, orders, portalUsers, secureMessages } from '@/db/schema';
import { createTestOrg } from '@/tests/factories';
import { listOpenInvoices, mailFiguresLastWeek } from './queries';

const NOW = new Date('2026-11-22T12:00:00Z');
const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);

async function portalUser() {
  const [user] = await getDb()
    .insert(portalUsers)
    .values({ email: `p${randomBytes(5).toString('hex')}@partner.example`, status: 'active' })
    .returning({ id: portalUsers.id });
  return user.id;
}

/** A secure message of `orgId`, sent `ago` days before NOW, to one recipient who read it or not. */
async function message(orgId: string, input: { ago: number; direction?: 'outbound' | 'inbound'; read?: boolean; sender: string; recipient: string }) {
  const id = randomUUID();
  const sentAt = daysAgo(input.ago);
  await getDb().insert(secureMessages).values({ id, orgId, senderId: input.sender, direction: input.direction ?? 'outbound', sentAt });
  await getDb().insert(messageRecipients).values({ messageId: id, userId: input.recipient, kind: 'to', sentAt, readAt: input.read ? new Date(sentAt.getTime() + 3_600_000) : null });
}

async function deliveryEvent(orgId: string, ago: number, event: 'bounced' | 'delivered') {
  await getDb().insert(deliveryEvents).values({ orgId, occurredAt: daysAgo(ago), messageId: `<${randomUUID()}@t.example>`, sender: 'a@t.example', recipient: 'b@r.example', event, method: 'tls' });
}

async function invoice(orgId: string, input: { number: string; status: 'open' | 'paid' | 'void'; totalCents: number; dueOn: string }) {
  const [order] = await getDb()
    .insert(orders)
    .values({ orgId, kind: 'licenses', status: 'fulfilled', quantity: 1, unitPriceCents: input.totalCents, daysCharged: 365, daysInTerm: 365, subtotalCents: input.totalCents, totalCents: input.totalCents, lines: [], pricedForRenewalDate: '2027-01-01', paymentMethod: 'check' })
    .returning({ id: orders.id });
  await getDb().insert(invoices).values({
    orgId,
    orderId: order.id,
    number: input.number,
    issuedOn: '2026-11-01',
    dueOn: input.dueOn,
    status: input.status,
    paymentMethod: 'check',
    billTo: { name: 'Owner', organisation: 'Org', lines: [] },
    lines: [],
    subtotalCents: input.totalCents,
    discountCents: 0,
    taxCents: 0,
    totalCents: input.totalCents,
  });
}

describe('mailFiguresLastWeek', () => {
  it('counts the last seven days of secure messages sent and read, and bounces, of this organisation only', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    const [sender, recipient] = [await portalUser(), await portalUser()];
    await message(org.orgId, { ago: 0.5, read: true, sender, recipient });
    await message(org.orgId, { ago: 3, read: true, sender, recipient });
    await message(org.orgId, { ago: 6.9, sender, recipient });
    // Not counted: older than seven days, received rather than sent, another organisation's.
    await message(org.orgId, { ago: 7.1, read: true, sender, recipient });
    await message(org.orgId, { ago: 1, direction: 'inbound', read: true, sender: recipient, recipient: sender });
    await message(other.orgId, { ago: 1, read: true, sender, recipient });
    await deliveryEvent(org.orgId, 1, 'bounced');
    await deliveryEvent(org.orgId, 5, 'bounced');
    await deliveryEvent(org.orgId, 2, 'delivered');
    await deliveryEvent(org.orgId, 8, 'bounced');
    await deliveryEvent(other.orgId, 1, 'bounced');

    expect(await mailFiguresLastWeek(getDb(), org.orgId, NOW)).toEqual({ sent: 3, read: 2, bounced: 2 });
    expect(await mailFiguresLastWeek(getDb(), other.orgId, NOW)).toEqual({ sent: 1, read: 1, bounced: 1 });
    const empty = await createTestOrg();
    expect(await mailFiguresLastWeek(getDb(), empty.orgId, NOW)).toEqual({ sent: 0, read: 0, bounced: 0 });
  });
});

describe('listOpenInvoices', () => {
  it('lists the open invoices, oldest due first, with their count and total; paid, void and other organisations’ are left out', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    const tag = randomBytes(4).toString('hex');
    await invoice(org.orgId, { number: `${tag}-2`, status: 'open', totalCents: 14_556, dueOn: '2026-12-20' });
    await invoice(org.orgId, { number: `${tag}-1`, status: 'open', totalCents: 9_000, dueOn: '2026-12-01' });
    await invoice(org.orgId, { number: `${tag}-3`, status: 'paid', totalCents: 50_000, dueOn: '2026-11-30' });
    await invoice(org.orgId, { number: `${tag}-4`, status: 'void', totalCents: 7_000, dueOn: '2026-11-30' });
    await invoice(other.orgId, { number: `${tag}-5`, status: 'open', totalCents: 1_000, dueOn: '2026-11-30' });

    const open = await listOpenInvoices(getDb(), org.orgId);
    expect(open.count).toBe(2);
    expect(open.totalCents).toBe(23_556);
    expect(open.invoices.map((i) => [i.number, i.totalCents, i.dueOn])).toEqual([
      [`${tag}-1`, 9_000, '2026-12-01'],
      [`${tag}-2`, 14_556, '2026-12-20'],
    ]);
    // The list stops at its limit; the count and total still cover them all.
    const first = await listOpenInvoices(getDb(), org.orgId, 1);
    expect(first.invoices).toHaveLength(1);
    expect(first).toMatchObject({ count: 2, totalCents: 23_556 });
    expect(await listOpenInvoices(getDb(), (await createTestOrg()).orgId)).toEqual({ invoices: [], count: 0, totalCents: 0 });
  });
});
