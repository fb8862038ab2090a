import { asc, desc, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { deliveryEvents } from '@/db/schema';
import { seedDeliveryEvents } from '@/db/seed-delivery';
import { AppError } from '@/lib/errors/app-error';
import { createTestOrg } from '@/tests/factories';
import { parseQuery, type QueryNode } from './query-language';
import { countDeliveryEvents, formatDeliveryCount, searchDeliveryEvents, streamDeliveryEvents, type DeliveryEventRow } from './search';
import type { DeliveryRoute } from './routes';
import { DELIVERY_SORTS, parseDeliverySearchParams, type DeliverySort } from './search-params';

type Spec = Partial<typeof deliveryEvents.$inferInsert> & { at: string };

async function insert(orgId: string, specs: Spec[]) {
  await getDb()
    .insert(deliveryEvents)
    .values(
      specs.map(({ at, ...spec }, i) => ({
        orgId,
        occurredAt: sql`${at}::timestamptz`,
        messageId: spec.messageId ?? `<m${i}@acme.example>`,
        sender: spec.sender ?? 'alice@acme.example',
        recipient: spec.recipient ?? `r${i}@partner.example`,
        event: spec.event ?? ('delivered' as const),
        method: spec.method ?? ('tls' as const),
        remoteServer: spec.remoteServer ?? 'mx1.partner.example',
        smtpCode: spec.smtpCode === undefined ? 250 : spec.smtpCode,
        enhancedCode: spec.enhancedCode ?? '2.0.0',
        diagnostic: spec.diagnostic ?? '250 2.0.0 OK: message accepted for delivery',
        bounceClass: spec.bounceClass ?? null,
        tlsVerified: spec.tlsVerified ?? null,
        tlsVersion: spec.tlsVersion ?? '',
      })),
    );
}

function q(text: string): QueryNode | null {
  const parsed = parseQuery(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.query;
}

const RANGE = { from: '2026-03-01', to: '2026-03-31' };

async function allPages(orgId: string, sort: DeliverySort, dir: 'asc' | 'desc', limit: number): Promise<DeliveryEventRow[]> {
  const rows: DeliveryEventRow[] = [];
  let after: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await searchDeliveryEvents(getDb(), orgId, { ...RANGE, query: null, sort, dir, after, limit });
    // Each page knows where it starts in the whole result ("51–100 of …").
    expect(page.start).toBe(rows.length + 1);
    rows.push(...page.rows);
    if (!page.next) return rows;
    after = page.next;
  }
  throw new Error('too many pages');
}

describe('delivery-event search', () => {
  it('filters by query, keeps to the organisation and the inclusive date range', async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    await insert(a.orgId, [
      { at: '2026-02-28T23:59:59.999999Z', recipient: 'person@example.com' },
      { at: '2026-03-01T00:00:00Z', recipient: 'person@example.com' },
      { at: '2026-03-15T12:00:00Z', recipient: 'person@example.com', event: 'bounced', smtpCode: 550, enhancedCode: '5.1.1', diagnostic: '550 5.1.1 User unknown', bounceClass: 'hard' },
      { at: '2026-03-31T23:59:59.999999Z', recipient: 'person@example.com' },
      { at: '2026-04-01T00:00:00Z', recipient: 'person@example.com' },
      { at: '2026-03-10T00:00:00Z', recipient: 'other@example.org' },
    ]);
    await insert(b.orgId, [{ at: '2026-03-10T00:00:00Z', recipient: 'person@example.com' }]);

    const db = getDb();
    const spec = await searchDeliveryEvents(db, a.orgId, { ...RANGE, query: q('person@example.com AND delivery') });
    expect(spec.rows.map((r) => r.occurredAt.toISOString())).toEqual(['2026-03-01T00:00:00.000Z', '2026-03-31T23:59:59.999Z']);
    expect(spec.next).toBeNull();

    const bounced = await searchDeliveryEvents(db, a.orgId, { ...RANGE, query: q('status:bounced OR code:5.1.1') });
    expect(bounced.rows).toHaveLength(1);
    expect(bounced.rows[0]).toMatchObject({ enhancedCode: '5.1.1', bounceClass: 'hard', smtpCode: 550 });

    // A top-level OR must not escape the tenant or date filters.
    const wide = await searchDeliveryEvents(db, a.orgId, { ...RANGE, query: q('person OR other OR delivered') });
    expect(wide.rows).toHaveLength(4);
    const single = await searchDeliveryEvents(db, a.orgId, { from: '2026-03-10', to: '2026-03-10', query: null });
    expect(single.rows.map((r) => r.recipient)).toEqual(['other@example.org']);

    const none = await searchDeliveryEvents(db, a.orgId, { ...RANGE, query: q('NOT person AND NOT other') });
    expect(none.rows).toEqual([]);
    expect(await countDeliveryEvents(db, a.orgId, { ...RANGE, query: null })).toEqual({ count: 4, capped: false });
    expect(await countDeliveryEvents(db, b.orgId, { ...RANGE, query: null })).toEqual({ count: 1, capped: false });
  });

  it('free text matches words: whole addresses, their parts, host names, codes and phrases in order', async () => {
    const { orgId } = await createTestOrg();
    await insert(orgId, [
      { at: '2026-03-02T00:00:00Z', sender: 'dr.patel@acme.example', recipient: 'person@example.com', messageId: '<a1b2@mail.acme.example>' },
      {
        at: '2026-03-03T00:00:00Z',
        recipient: 'xperson@example.com',
        event: 'bounced',
        remoteServer: 'mx2.lakeside-clinic.example',
        smtpCode: 550,
        enhancedCode: '5.1.1',
        diagnostic: '550 5.1.1 <xperson@example.com>: Recipient address rejected: User unknown; 100% sure',
        bounceClass: 'hard',
      },
    ]);
    const db = getDb();
    const found = async (text: string) =>
      (await searchDeliveryEvents(db, orgId, { ...RANGE, query: q(text) })).rows.map((r) => r.occurredAt.toISOString().slice(0, 10));
    expect(await found('person@example.com')).toEqual(['2026-03-02']);
    expect(await found('PERSON@Example.COM AND delivery')).toEqual(['2026-03-02']);
    expect(await found('xperson@example.com')).toEqual(['2026-03-03']);
    expect(await found('person')).toEqual(['2026-03-02']);
    expect(await found('patel')).toEqual(['2026-03-02']);
    expect(await found('dr.patel')).toEqual(['2026-03-02']);
    expect(await found('acme.example')).toEqual(['2026-03-02', '2026-03-03']);
    expect(await found('<a1b2@mail.acme.example>')).toEqual(['2026-03-02']);
    expect(await found('a1b2')).toEqual(['2026-03-02']);
    expect(await found('lakeside-clinic')).toEqual(['2026-03-03']);
    expect(await found('clinic')).toEqual(['2026-03-03']);
    expect(await found('5.1.1')).toEqual(['2026-03-03']);
    expect(await found('"user unknown"')).toEqual(['2026-03-03']);
    expect(await found('"unknown user"')).toEqual([]);
    expect(await found('deliver')).toEqual([]);
    // No letter or digit: the text itself, LIKE metacharacters taken literally.
    expect(await found('"%"')).toEqual(['2026-03-03']);
    expect(await found('"_"')).toEqual([]);
    expect(await found('NOT person')).toEqual(['2026-03-03']);
  });

  it('a delivery method is found by the name the table shows, quoted or not', async () => {
    const { orgId } = await createTestOrg();
    await insert(orgId, [
      { at: '2026-03-02T10:00:00Z', method: 'secure_portal' },
      { at: '2026-03-03T10:00:00Z', method: 'tls' },
      { at: '2026-03-04T10:00:00Z', method: 'sms_two_factor' },
    ]);
    const days = async (text: string) =>
      (await searchDeliveryEvents(getDb(), orgId, { ...RANGE, query: q(text) })).rows.map((r) => r.occurredAt.toISOString().slice(0, 10));
    expect(await days('"secure portal"')).toEqual(['2026-03-02']);
    expect(await days('Secure Portal')).toEqual(['2026-03-02']);
    expect(await days('TLS')).toEqual(['2026-03-03']);
    expect(await days('"SMS two-factor"')).toEqual(['2026-03-04']);
    expect(await days('NOT "secure portal"')).toEqual(['2026-03-03', '2026-03-04']);
    // Only the whole name: one of its words alone is ordinary text.
    expect(await days('portal')).toEqual([]);
  });

  it('filters by delivery route (the Route filter and route:), from the method and the certificate check', async () => {
    const { orgId } = await createTestOrg();
    await insert(orgId, [
      { at: '2026-03-02T10:00:00Z', method: 'tls', tlsVerified: true, tlsVersion: 'TLSv1.3' },
      { at: '2026-03-03T10:00:00Z', method: 'tls', tlsVerified: false, tlsVersion: 'TLSv1.2' },
      // An API event that says nothing of the certificate is not counted as verified.
      { at: '2026-03-04T10:00:00Z', method: 'tls' },
      { at: '2026-03-05T10:00:00Z', method: 'plain' },
      { at: '2026-03-06T10:00:00Z', method: 'secure_portal' },
      { at: '2026-03-07T10:00:00Z', method: 'sms_two_factor' },
      // Never sent: no route at all.
      { at: '2026-03-08T10:00:00Z', method: 'tls', event: 'dropped' },
    ]);
    const search = async (route: DeliveryRoute | undefined, text = '') =>
      (await searchDeliveryEvents(getDb(), orgId, { ...RANGE, route, query: text ? q(text) : null })).rows.map((r) => [r.occurredAt.toISOString().slice(8, 10), r.route]);
    expect(await search('tls_verified')).toEqual([['02', 'tls_verified']]);
    expect(await search('tls_unverified')).toEqual([
      ['03', 'tls_unverified'],
      ['04', 'tls_unverified'],
    ]);
    expect(await search('plain')).toEqual([['05', 'plain']]);
    expect(await search('secure_portal')).toEqual([['06', 'secure_portal']]);
    expect(await search('secure_portal_sms')).toEqual([['07', 'secure_portal_sms']]);
    expect(await search(undefined, 'route:sms OR route:verified')).toEqual([
      ['02', 'tls_verified'],
      ['07', 'secure_portal_sms'],
    ]);
    expect((await search(undefined, 'NOT route:unverified')).map(([d]) => d)).toEqual(['02', '05', '06', '07', '08']);
    expect(await countDeliveryEvents(getDb(), orgId, { ...RANGE, query: null, route: 'tls_unverified' })).toEqual({ count: 2, capped: false });
    const { params, errors } = parseDeliverySearchParams({ route: 'Secure-Portal-SMS' });
    expect([params.route, errors]).toEqual(['secure_portal_sms', []]);
    expect(parseDeliverySearchParams({ route: 'pigeon' }).errors.map((e) => e.field)).toEqual(['route']);
  });

  it('an event is found by its name as a plain word, as the Event column shows it', async () => {
    const { orgId } = await createTestOrg();
    await insert(orgId, [
      { at: '2026-03-02T10:00:00Z', event: 'delivered' },
      { at: '2026-03-03T10:00:00Z', event: 'bounced' },
      { at: '2026-03-04T10:00:00Z', event: 'deferred' },
    ]);
    const days = async (text: string) =>
      (await searchDeliveryEvents(getDb(), orgId, { ...RANGE, query: q(text) })).rows.map((r) => r.occurredAt.toISOString().slice(0, 10));
    expect(await days('bounced')).toEqual(['2026-03-03']);
    expect(await days('Delivered OR deferred')).toEqual(['2026-03-02', '2026-03-04']);
    expect(await days('NOT bounced')).toEqual(['2026-03-02', '2026-03-04']);
  });

  it('sorts by every column both ways, and keyset pages return every row exactly once', async () => {
    const { orgId } = await createTestOrg();
    const events = ['delivered', 'bounced', 'deferred'] as const;
    const methods = ['tls', 'secure_portal', 'sms_two_factor', 'plain'] as const;
    // Many ties on purpose: the id breaks them. Some identical timestamps, some NULL SMTP codes.
    await insert(
      orgId,
      Array.from({ length: 37 }, (_, i) => ({
        at: `2026-03-${String(1 + (i % 5)).padStart(2, '0')}T10:00:00.${String(i % 3).padStart(6, '0')}Z`,
        sender: `s${i % 4}@acme.example`,
        recipient: `r${i % 6}@partner.example`,
        event: events[i % 3],
        method: methods[i % 4],
        messageId: `<m${i % 8}@acme.example>`,
        remoteServer: i % 5 === 0 ? '' : `mx${i % 3}.partner.example`,
        smtpCode: i % 7 === 0 ? null : [250, 452, 550][i % 3],
        tlsVerified: i % 3 === 0 ? true : i % 3 === 1 ? false : null,
      })),
    );
    const db = getDb();
    const column = {
      time: deliveryEvents.occurredAt,
      message: deliveryEvents.messageId,
      server: deliveryEvents.remoteServer,
      sender: deliveryEvents.sender,
      recipient: deliveryEvents.recipient,
      event: deliveryEvents.event,
      method: deliveryEvents.method,
      route: sql`coalesce(${deliveryEvents.route}, '')`,
      code: sql`coalesce(${deliveryEvents.smtpCode}, 0)`,
      reason: sql`coalesce(${deliveryEvents.reason}, '')`,
    };
    for (const sort of DELIVERY_SORTS) {
      for (const dir of ['asc', 'desc'] as const) {
        const by = dir === 'asc' ? asc : desc;
        const expected = await db
          .select({ id: deliveryEvents.id })
          .from(deliveryEvents)
          .where(eq(deliveryEvents.orgId, orgId))
          .orderBy(by(column[sort]), by(deliveryEvents.id));
        const rows = await allPages(orgId, sort, dir, 5);
        expect(rows.map((r) => r.id), `${sort} ${dir}`).toEqual(expected.map((r) => r.id));
      }
    }
    // Default: oldest first.
    const first = await searchDeliveryEvents(db, orgId, { ...RANGE, query: null, limit: 3 });
    const times = first.rows.map((r) => r.occurredAt.getTime());
    expect([...times].sort((x, y) => x - y)).toEqual(times);

    const streamed: number[] = [];
    for await (const batch of streamDeliveryEvents(db, orgId, { ...RANGE, query: null, sort: 'recipient', dir: 'desc' }, 4)) streamed.push(...batch.map((r) => r.id));
    expect(streamed).toHaveLength(37);
    expect(new Set(streamed).size).toBe(37);
  });

  it('refuses a cursor of another sort, and caps the count', async () => {
    const { orgId } = await createTestOrg();
    const db = getDb();
    await seedDeliveryEvents(db, orgId, new Date('2026-03-31T12:00:00Z'), 12_000);
    const range = { from: '2025-12-01', to: '2026-03-31' };
    const total = await countDeliveryEvents(db, orgId, { ...range, query: null });
    expect(total).toEqual({ count: 10_000, capped: true });
    expect(formatDeliveryCount(total)).toBe('10,000+ events');
    expect(await countDeliveryEvents(db, orgId, { ...range, query: null }, 20_000)).toEqual({ count: 12_000, capped: false });
    const page = await searchDeliveryEvents(db, orgId, { ...range, query: q('person@example.com AND delivery') });
    expect(page.rows.length).toBeGreaterThan(0);
    const hard = await searchDeliveryEvents(db, orgId, { ...range, query: q('code:5.1.1 from:alice'), limit: 5 });
    expect(hard.rows[0]?.diagnostic).toMatch(/^550 5\.1\.1 <.+>: Recipient address rejected: User unknown/);

    const bySender = await searchDeliveryEvents(db, orgId, { ...range, query: null, sort: 'sender', limit: 2 });
    expect(bySender.next).not.toBeNull();
    await expect(
      searchDeliveryEvents(db, orgId, { ...range, query: null, sort: 'recipient', after: bySender.next ?? undefined }),
    ).rejects.toBeInstanceOf(AppError);
  });

  it('the params parser handles malformed input without throwing', () => {
    const now = new Date('2026-03-31T12:00:00Z');
    const bad = parseDeliverySearchParams({ q: '(bounced', from: '2026-03-20', to: '2026-03-01', sort: 'nope', after: 'x' }, now);
    expect(bad.params.queryError?.message).toBe('This opening parenthesis is never closed');
    expect(bad.params.queryError?.position).toBe(0);
    expect(bad.params).toMatchObject({ from: '2026-03-02', to: '2026-03-31', sort: 'time', dir: 'asc', q: '(bounced', query: null });
    expect(bad.errors.map((e) => e.field).sort()).toEqual(['after', 'from', 'sort']);
    expect(bad.errors.find((e) => e.field === 'from')?.message).toMatch(/start date .* is after the end date/);

    const good = parseDeliverySearchParams(new URLSearchParams('q=person%40example.com+AND+delivery&from=2026-03-01&to=2026-03-31&sort=recipient&dir=desc'), now);
    expect(good.errors).toEqual([]);
    expect(good.params).toMatchObject({ q: 'person@example.com AND delivery', sort: 'recipient', dir: 'desc', queryError: null });
    expect(good.params.query?.kind).toBe('and');
  });
});
