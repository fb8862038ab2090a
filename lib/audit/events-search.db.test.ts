import { randomBytes, randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, invoices, orders } from '@/db/schema';
import { createTestOrg } from '@/tests/factories';
import { parseAuditFilters, type AuditFilters } from './filters';
import { countAuditEvents, getAuditEvent, listAuditEvents, streamAuditEventsCsv } from './queries';

const HOUR = 3_600_000;

async function emptyOrg() {
  const org = await createTestOrg();
  await getDb().delete(auditEvents).where(eq(auditEvents.orgId, org.orgId));
  return org;
}

type Spec = { hoursAgo: number; summary: string; action?: string; targetType?: string; targetId?: string; targetLabel?: string; metadata?: Record<string, unknown> };

async function insert(orgId: string, specs: Spec[]): Promise<number[]> {
  const rows = await getDb()
    .insert(auditEvents)
    .values(
      specs.map((s) => ({
        orgId,
        occurredAt: new Date(Date.now() - s.hoursAgo * HOUR),
        actorType: 'administrator' as const,
        actorEmail: 'owner@acme.example',
        action: s.action ?? 'licensed_emails.renamed',
        targetType: s.targetType ?? '',
        targetId: s.targetId ?? '',
        targetLabel: s.targetLabel ?? '',
        summary: s.summary,
        clientAddress: '203.0.113.7',
        metadata: s.metadata ?? {},
      })),
    )
    .returning({ id: auditEvents.id });
  return rows.map((r) => r.id);
}

async function summaries(orgId: string, filters: AuditFilters) {
  const page = await listAuditEvents(getDb(), orgId, filters, { limit: 100 });
  return page.rows.map((r) => r.summary);
}

describe('events search and presets', () => {
  it('finds words anywhere in the summary or the target, case-insensitively and literally', async () => {
    const org = await emptyOrg();
    const other = await emptyOrg();
    await insert(org.orgId, [
      { hoursAgo: 1, summary: 'james.smith@acme.example renamed to jim.smith@acme.example', targetLabel: 'jim.smith@acme.example' },
      { hoursAgo: 2, summary: 'Licensed email removed', targetLabel: 'Carol.Jones@acme.example' },
      { hoursAgo: 3, summary: 'Discount of 100% applied' },
      { hoursAgo: 4, summary: 'Discount of 1000 applied' },
    ]);
    await insert(other.orgId, [{ hoursAgo: 1, summary: 'james.smith@other.example signed in' }]);

    expect(await summaries(org.orgId, { q: 'SMITH' })).toEqual(['james.smith@acme.example renamed to jim.smith@acme.example']);
    // The target alone is enough.
    expect(await summaries(org.orgId, { q: 'carol.jones' })).toEqual(['Licensed email removed']);
    // % and _ are the characters typed, not LIKE wildcards.
    expect(await summaries(org.orgId, { q: '100%' })).toEqual(['Discount of 100% applied']);
    expect(await summaries(org.orgId, { q: 'no such words' })).toEqual([]);
    expect(await countAuditEvents(getDb(), org.orgId, { q: 'acme.example' })).toEqual({ count: 2, capped: false });
    // Never another organisation's events.
    expect(await summaries(org.orgId, { q: 'other.example' })).toEqual([]);
  });

  it('presets keep the last 24 hours, 7 or 30 days, and combine with the search', async () => {
    const org = await emptyOrg();
    await insert(org.orgId, [
      { hoursAgo: 2, summary: 'recent one' },
      { hoursAgo: 30, summary: 'yesterday-ish one' },
      { hoursAgo: 24 * 10, summary: 'ten days ago one' },
      { hoursAgo: 24 * 40, summary: 'forty days ago one' },
    ]);
    expect(await summaries(org.orgId, { period: '24h' })).toEqual(['recent one']);
    expect(await summaries(org.orgId, { period: '7d' })).toEqual(['recent one', 'yesterday-ish one']);
    expect(await summaries(org.orgId, { period: '30d' })).toEqual(['recent one', 'yesterday-ish one', 'ten days ago one']);
    expect(await summaries(org.orgId, { period: '30d', q: 'TEN' })).toEqual(['ten days ago one']);
    expect(await summaries(org.orgId, {})).toHaveLength(4);
  });

  it('reads the search and the preset from the URL, and explains bad values instead of failing', () => {
    expect(parseAuditFilters({ q: '  smith ', period: '7d' })).toEqual({ filters: { q: 'smith', period: '7d' }, errors: [] });
    const bad = parseAuditFilters({ q: 'x'.repeat(201), period: 'forever' });
    expect(bad.filters).toEqual({});
    expect(bad.errors.map((e) => e.field)).toEqual(['q', 'period']);
  });

  it('uses the trigram index for a search over many events', async () => {
    const org = await emptyOrg();
    await getDb().execute(sql`
      insert into audit_events (org_id, occurred_at, actor_type, actor_email, action, summary, target_label)
      select ${org.orgId}::uuid, now() - g * interval '1 minute', 'administrator', 'owner@acme.example', 'auth.signed_in',
             'user' || g || '@acme.example signed in', 'user' || g || '@acme.example'
      from generate_series(1, 20000) g`);
    await getDb().execute(sql`analyze audit_events`);
    const plan = await getDb().execute<{ 'QUERY PLAN': string }>(sql`
      explain select id from audit_events
      where org_id = ${org.orgId} and (summary || ' ' || target_label) ilike ${'%user12345@%'}
      order by occurred_at desc, id desc limit 51`);
    expect(Array.from(plan, (r) => r['QUERY PLAN']).join('\n')).toContain('audit_events_text_trgm');
    expect(await summaries(org.orgId, { q: 'user12345@' })).toEqual(['user12345@acme.example signed in']);
  });
});

describe('targets by name', () => {
  it('resolves invoices and orders to invoice numbers, batches to a count, and the organisation to its name', async () => {
    const org = await emptyOrg();
    const number = `T${randomBytes(5).toString('hex')}`;
    const [order] = await getDb()
      .insert(orders)
      .values({ orgId: org.orgId, kind: 'licenses', status: 'fulfilled', quantity: 3, unitPriceCents: 2700, daysCharged: 92, daysInTerm: 365, subtotalCents: 2042, totalCents: 2042, lines: [], pricedForRenewalDate: '2027-01-01', paymentMethod: 'check' })
      .returning({ id: orders.id });
    const [invoice] = await getDb()
      .insert(invoices)
      .values({ orgId: org.orgId, orderId: order.id, number, issuedOn: '2026-11-01', dueOn: '2026-12-01', status: 'open', paymentMethod: 'check', billTo: { name: 'O', organisation: 'O', lines: [] }, lines: [], subtotalCents: 2042, discountCents: 0, taxCents: 0, totalCents: 2042 })
      .returning({ id: invoices.id });
    const messageId = randomUUID();
    const ids = await insert(org.orgId, [
      { hoursAgo: 1, summary: 'paid', action: 'invoices.paid', targetType: 'invoice', targetId: invoice.id, targetLabel: '' },
      { hoursAgo: 2, summary: 'bought', action: 'licenses.purchased', targetType: 'order', targetId: order.id, targetLabel: '$20.42' },
      { hoursAgo: 3, summary: 'added', action: 'licensed_emails.added', targetType: 'licensed_emails', targetLabel: '3' },
      { hoursAgo: 4, summary: 'settings', action: 'organisations.two_factor_requirement_changed', targetType: 'organisation', targetId: org.orgId },
      { hoursAgo: 5, summary: 'destroyed', action: 'secure_messages.content_destroyed', targetType: 'secure_message', targetId: messageId },
      { hoursAgo: 6, summary: 'renamed', targetType: 'licensed_email', targetId: randomUUID(), targetLabel: 'jim@acme.example' },
      // An order id that is not one (or not this organisation's) falls back to the recorded label.
      { hoursAgo: 7, summary: 'forged', action: 'licenses.purchased', targetType: 'order', targetId: 'not-a-uuid', targetLabel: '$1.00' },
    ]);
    const page = await listAuditEvents(getDb(), org.orgId, {}, { limit: 10 });
    expect(page.rows.map((r) => r.targetLabel)).toEqual([
      `Invoice ${number}`,
      `Invoice ${number}`,
      '3 licensed emails',
      `Org ${org.domain.slice(1, 9)}`,
      `Secure message ${messageId.slice(0, 8)}`,
      'jim@acme.example',
      'Order of $1.00',
    ]);

    // The CSV says the same.
    let csv = '';
    for await (const chunk of streamAuditEventsCsv(getDb(), org.orgId, {})) csv += chunk.toString('utf8');
    expect(csv).toContain(`Invoice ${number}`);
    expect(csv).toContain('3 licensed emails');

    // The detail has every field, and the label as recorded beside the resolved one.
    const detail = await getAuditEvent(getDb(), org.orgId, ids[1]);
    expect(detail).toMatchObject({ id: ids[1], action: 'licenses.purchased', targetType: 'order', targetId: order.id, targetLabel: `Invoice ${number}`, recordedTargetLabel: '$20.42', clientAddress: '203.0.113.7', actorEmail: 'owner@acme.example', actorType: 'administrator' });
    // Another organisation's event is not found.
    const other = await emptyOrg();
    expect(await getAuditEvent(getDb(), other.orgId, ids[1])).toBeNull();
    expect(await getAuditEvent(getDb(), org.orgId, 0)).toBeNull();
  });
});
