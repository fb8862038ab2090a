import { and, desc, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents } from '@/db/schema';
import { AppError } from '@/lib/errors/app-error';
import { actorFor, createTestOrg } from '@/tests/factories';
import type { AuditAction } from './catalog';
import { exportAuditEvents } from './export-events';
import { encodeAuditCursor, type AuditFilters } from './filters';
import { countAuditEvents, distinctActors, listAuditEvents, streamAuditEventsCsv, type AuditEventRow } from './queries';

type EventSpec = {
  at: Date | string;
  action?: AuditAction;
  actorEmail?: string;
  actorType?: 'administrator' | 'portal_user' | 'system' | 'anonymous';
  summary?: string;
  targetLabel?: string;
};

/** A new organisation with no events yet, so each test knows exactly what is there. */
async function emptyOrg() {
  const org = await createTestOrg();
  await getDb().delete(auditEvents).where(eq(auditEvents.orgId, org.orgId));
  return org;
}

/** Multi-row inserts in chunks (a statement carries at most 65,535 parameters). */
async function insertEvents(orgId: string, specs: EventSpec[]) {
  const values = specs.map((spec, i) => ({
    orgId,
    // A string keeps microseconds, which a JS Date cannot hold.
    occurredAt: typeof spec.at === 'string' ? sql`${spec.at}::timestamptz` : spec.at,
    actorType: spec.actorType ?? ('administrator' as const),
    actorEmail: spec.actorEmail ?? 'owner@acme.example',
    action: spec.action ?? 'auth.signed_in',
    targetLabel: spec.targetLabel ?? '',
    summary: spec.summary ?? `Event ${i}`,
    clientAddress: '203.0.113.7',
  }));
  for (let i = 0; i < values.length; i += 2000) await getDb().insert(auditEvents).values(values.slice(i, i + 2000));
}

/** Every event of the organisation in the order the list must give, straight from the table. */
async function expectedIds(orgId: string): Promise<number[]> {
  const rows = await getDb()
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(eq(auditEvents.orgId, orgId))
    .orderBy(desc(auditEvents.occurredAt), desc(auditEvents.id));
  return rows.map((r) => r.id);
}

async function allPages(orgId: string, filters: AuditFilters, limit: number) {
  const pages: AuditEventRow[][] = [];
  let cursor: string | undefined;
  do {
    const page = await listAuditEvents(getDb(), orgId, { ...filters, cursor }, { limit });
    pages.push(page.rows);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return pages;
}

async function collect(chunks: AsyncIterable<string | Uint8Array>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return text;
}

describe('listAuditEvents', () => {
  it('filters by category, actor and whole UTC days, inclusive', async () => {
    const { orgId } = await emptyOrg();
    await insertEvents(orgId, [
      { at: new Date('2026-10-31T23:59:59.999Z'), summary: 'before' },
      { at: new Date('2026-11-01T00:00:00.000Z'), summary: 'first moment' },
      { at: new Date('2026-11-10T12:00:00Z'), action: 'auth.password_changed', actorEmail: 'manager@acme.example', summary: 'password' },
      { at: new Date('2026-11-12T12:00:00Z'), action: 'auth.sign_in_failed', actorType: 'anonymous', actorEmail: 'nobody@acme.example', summary: 'failed' },
      { at: '2026-11-22T23:59:59.999999Z', summary: 'last moment' },
      { at: new Date('2026-11-23T00:00:00Z'), summary: 'after' },
    ]);
    const summaries = async (filters: AuditFilters) =>
      (await listAuditEvents(getDb(), orgId, filters, { limit: 50 })).rows.map((r) => r.summary);

    expect(await summaries({})).toEqual(['after', 'last moment', 'failed', 'password', 'first moment', 'before']);
    expect(await summaries({ from: '2026-11-01', to: '2026-11-22' })).toEqual(['last moment', 'failed', 'password', 'first moment']);
    expect(await summaries({ from: '2026-11-22', to: '2026-11-22' })).toEqual(['last moment']);
    expect(await summaries({ to: '2026-10-31' })).toEqual(['before']);
    expect(await summaries({ from: '2026-11-23' })).toEqual(['after']);
    expect(await summaries({ category: 'sign-in' })).toEqual(['after', 'last moment', 'failed', 'first moment', 'before']);
    expect(await summaries({ category: 'password' })).toEqual(['password']);
    expect(await summaries({ category: 'exports' })).toEqual([]);
    expect(await summaries({ actor: 'nobody@acme.example' })).toEqual(['failed']);
    expect(await summaries({ actor: 'owner@acme.example', category: 'sign-in', from: '2026-11-05' })).toEqual(['after', 'last moment']);
    expect(await summaries({ from: '9999-12-31' })).toEqual([]);
  });

  it('selects only the listed columns', async () => {
    const { orgId } = await emptyOrg();
    await insertEvents(orgId, [{ at: new Date('2026-11-01T00:00:00Z') }]);
    const { rows } = await listAuditEvents(getDb(), orgId, {}, { limit: 1 });
    expect(Object.keys(rows[0]).sort()).toEqual(
      ['action', 'actorEmail', 'actorType', 'clientAddress', 'id', 'occurredAt', 'summary', 'targetLabel'].sort(),
    );
  });

  it('pages through 130 events 50 at a time: every event once, newest first, even with equal times', async () => {
    const { orgId } = await emptyOrg();
    const base = Date.parse('2026-11-01T00:00:00Z');
    await insertEvents(orgId, [
      // Groups of three sharing a millisecond, so ties are broken by id across page boundaries…
      ...Array.from({ length: 120 }, (_, i) => ({ at: new Date(base + Math.floor(i / 3) * 1000) })),
      // …and microseconds inside one millisecond, straddling the first page boundary, that a
      // millisecond cursor would skip.
      ...Array.from({ length: 10 }, (_, i) => ({ at: `2026-11-01T00:00:23.000${i}00Z` })),
    ]);
    const pages = await allPages(orgId, {}, 50);
    expect(pages.map((p) => p.length)).toEqual([50, 50, 30]);
    expect(pages.flat().map((r) => r.id)).toEqual(await expectedIds(orgId));

    // And back up with "Newer": the same pages, until the newest, which has no Newer.
    const ids = (rows: AuditEventRow[]) => rows.map((r) => r.id);
    const first = await listAuditEvents(getDb(), orgId, {}, { limit: 50 });
    expect(first.newerCursor).toBeNull();
    const second = await listAuditEvents(getDb(), orgId, { cursor: first.nextCursor ?? undefined }, { limit: 50 });
    const third = await listAuditEvents(getDb(), orgId, { cursor: second.nextCursor ?? undefined }, { limit: 50 });
    expect(third.nextCursor).toBeNull();
    const back = await listAuditEvents(getDb(), orgId, { cursor: third.newerCursor ?? undefined }, { limit: 50 });
    expect(ids(back.rows)).toEqual(ids(second.rows));
    expect(back.nextCursor).toEqual(second.nextCursor);
    const top = await listAuditEvents(getDb(), orgId, { cursor: back.newerCursor ?? undefined }, { limit: 50 });
    expect(ids(top.rows)).toEqual(ids(first.rows));
    expect(top.newerCursor).toBeNull();
  });

  it('answers an empty page and no cursor past the end', async () => {
    const { orgId } = await emptyOrg();
    await insertEvents(orgId, [{ at: new Date('2026-11-01T00:00:00Z') }]);
    const [only] = (await listAuditEvents(getDb(), orgId, {}, { limit: 1 })).rows;
    const after = encodeAuditCursor({ t: only.occurredAt.toISOString(), id: only.id });
    expect(await listAuditEvents(getDb(), orgId, { cursor: after }, { limit: 10 })).toEqual({ rows: [], nextCursor: null, newerCursor: null });
  });

  it('refuses a forged cursor and an out-of-range page size', async () => {
    const { orgId } = await emptyOrg();
    await expect(listAuditEvents(getDb(), orgId, { cursor: 'nope!' }, { limit: 10 })).rejects.toBeInstanceOf(AppError);
    await expect(listAuditEvents(getDb(), orgId, {}, { limit: 0 })).rejects.toBeInstanceOf(AppError);
  });

  it("never shows another organisation's events, in the list, the count, the actors or the stream", async () => {
    const a = await emptyOrg();
    const b = await emptyOrg();
    await insertEvents(a.orgId, [{ at: new Date('2026-11-01T00:00:00Z'), actorEmail: `owner@${a.domain}`, summary: 'A only' }]);
    await insertEvents(b.orgId, [{ at: new Date('2026-11-01T00:00:01Z'), actorEmail: `owner@${b.domain}`, summary: 'B only' }]);
    const db = getDb();
    expect((await listAuditEvents(db, a.orgId, {}, { limit: 50 })).rows.map((r) => r.summary)).toEqual(['A only']);
    // A cursor taken from B's list leads nowhere into B's rows when used with A.
    const bRow = (await listAuditEvents(db, b.orgId, {}, { limit: 1 })).rows[0];
    const bCursor = encodeAuditCursor({ t: '2027-01-01T00:00:00Z', id: bRow.id + 1 });
    expect((await listAuditEvents(db, a.orgId, { cursor: bCursor }, { limit: 50 })).rows.map((r) => r.summary)).toEqual(['A only']);
    expect(await listAuditEvents(db, a.orgId, { actor: `owner@${b.domain}` }, { limit: 50 })).toEqual({ rows: [], nextCursor: null, newerCursor: null });
    expect(await countAuditEvents(db, a.orgId, {})).toEqual({ count: 1, capped: false });
    expect(await distinctActors(db, a.orgId)).toEqual([`owner@${a.domain}`]);
    let streamed = '';
    for await (const text of streamAuditEventsCsv(db, a.orgId, {}, 1)) streamed += text.toString('utf8');
    expect(streamed.split('\r\n').filter(Boolean).map((line) => line.split(',')[4])).toEqual(['A only']);
  });
});

describe('countAuditEvents', () => {
  it('counts exactly up to the cap, then says it stopped', async () => {
    const { orgId } = await emptyOrg();
    await insertEvents(orgId, [
      ...Array.from({ length: 25 }, (_, i) => ({ at: new Date(Date.parse('2026-11-01T00:00:00Z') + i * 1000) })),
      ...Array.from({ length: 5 }, () => ({ at: new Date('2026-11-02T00:00:00Z'), action: 'auth.password_changed' as const })),
    ]);
    const db = getDb();
    expect(await countAuditEvents(db, orgId, {})).toEqual({ count: 30, capped: false });
    expect(await countAuditEvents(db, orgId, {}, 30)).toEqual({ count: 30, capped: false });
    expect(await countAuditEvents(db, orgId, {}, 10)).toEqual({ count: 10, capped: true });
    expect(await countAuditEvents(db, orgId, { category: 'password' })).toEqual({ count: 5, capped: false });
    expect(await countAuditEvents(db, orgId, { to: '2026-10-31' })).toEqual({ count: 0, capped: false });
  });
});

describe('distinctActors', () => {
  it('lists each actor once, alphabetically, without blanks, up to the limit', async () => {
    const { orgId } = await emptyOrg();
    const at = new Date('2026-11-01T00:00:00Z');
    await insertEvents(orgId, [
      { at, actorEmail: 'zed@acme.example' },
      { at, actorEmail: 'amy@acme.example' },
      { at, actorEmail: 'zed@acme.example' },
      { at, actorEmail: '', actorType: 'system' },
      { at, actorEmail: 'mia@acme.example' },
      { at, actorEmail: 'amy@acme.example' },
    ]);
    expect(await distinctActors(getDb(), orgId)).toEqual(['amy@acme.example', 'mia@acme.example', 'zed@acme.example']);
    expect(await distinctActors(getDb(), orgId, 2)).toEqual(['amy@acme.example', 'mia@acme.example']);
  });

  it('answers an empty list for an organisation with no events', async () => {
    const { orgId } = await emptyOrg();
    expect(await distinctActors(getDb(), orgId)).toEqual([]);
  });
});

describe('streamAuditEventsCsv', () => {
  /** The Summary column of each CSV line, batch by batch. */
  async function streamedSummaries(orgId: string, batchSize: number) {
    const batches: string[][] = [];
    for await (const text of streamAuditEventsCsv(getDb(), orgId, {}, batchSize)) {
      batches.push(text.toString('utf8').split('\r\n').filter(Boolean).map((line) => line.split(',')[4]));
    }
    return batches;
  }

  async function expectedSummaries(orgId: string) {
    const rows = await getDb()
      .select({ summary: auditEvents.summary })
      .from(auditEvents)
      .where(eq(auditEvents.orgId, orgId))
      .orderBy(desc(auditEvents.occurredAt), desc(auditEvents.id));
    return rows.map((r) => r.summary);
  }

  it('yields every matching event once, newest first, in batches of lines no larger than asked', async () => {
    const { orgId } = await emptyOrg();
    await insertEvents(orgId, Array.from({ length: 130 }, (_, i) => ({ at: new Date(Date.parse('2026-11-01T00:00:00Z') + Math.floor(i / 4) * 1000) })));
    const batches = await streamedSummaries(orgId, 7);
    expect(batches).toHaveLength(Math.ceil(130 / 7));
    expect(batches.every((b) => b.length <= 7)).toBe(true);
    expect(batches.flat()).toEqual(await expectedSummaries(orgId));
  });

  it('neither skips nor repeats events a microsecond apart across batch boundaries', async () => {
    const { orgId } = await emptyOrg();
    await insertEvents(
      orgId,
      Array.from({ length: 9 }, (_, i) => ({ at: `2026-11-01T00:00:00.00${Math.floor(i / 2)}00${i % 2}Z` })),
    );
    expect((await streamedSummaries(orgId, 2)).flat()).toEqual(await expectedSummaries(orgId));
  });
});

describe('exportAuditEvents', () => {
  async function exportedEvents(orgId: string) {
    return getDb()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, 'events.exported')));
  }

  it('writes a BOM, the header and every row, neutralises formulas, and records the export', async () => {
    const org = await emptyOrg();
    await insertEvents(org.orgId, [
      { at: new Date('2026-11-01T09:00:00Z'), summary: 'Signed in, from "home"' },
      {
        at: new Date('2026-11-02T09:00:00Z'),
        action: 'administrators.updated',
        summary: '=HYPERLINK("http://evil.example","click")',
        targetLabel: '+cmd|calc',
      },
      { at: new Date('2026-11-03T09:00:00Z'), actorType: 'system', actorEmail: '', summary: '@SUM(1)' },
    ]);
    const actor = await actorFor(org.managerId, '198.51.100.20');
    const now = new Date('2026-11-22T12:00:00Z');
    const csv = await collect(await exportAuditEvents({ actor, filters: {}, now }));

    expect(csv.startsWith('\uFEFFTime (UTC),Actor,Action,Target,Summary,Client address\r\n')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines).toEqual([
      'Time (UTC),Actor,Action,Target,Summary,Client address',
      "2026-11-03T09:00:00.000Z,System,Signed in,,'@SUM(1),203.0.113.7",
      `2026-11-02T09:00:00.000Z,owner@acme.example,Administrator changed,'+cmd|calc,"'=HYPERLINK(""http://evil.example"",""click"")",203.0.113.7`,
      '2026-11-01T09:00:00.000Z,owner@acme.example,Signed in,,"Signed in, from ""home""",203.0.113.7',
      '',
    ]);

    const [event] = await exportedEvents(org.orgId);
    expect(event).toMatchObject({
      actorId: org.managerId,
      actorEmail: `manager@${org.domain}`,
      summary: 'Exported 3 events',
      targetLabel: 'events-2026-11-22.csv',
      clientAddress: '198.51.100.20',
    });
    expect(event.occurredAt.toISOString()).toBe(now.toISOString());
  });

  it('exports only the filtered events, ignores a page cursor, and describes the filters in the event', async () => {
    const org = await emptyOrg();
    await insertEvents(org.orgId, [
      { at: new Date('2026-10-31T12:00:00Z'), summary: 'too early' },
      { at: new Date('2026-11-05T12:00:00Z'), summary: 'in range 1' },
      { at: new Date('2026-11-06T12:00:00Z'), summary: 'in range 2' },
      { at: new Date('2026-11-07T12:00:00Z'), action: 'auth.password_changed', summary: 'other type' },
    ]);
    const actor = await actorFor(org.viewerId);
    const page = await listAuditEvents(getDb(), org.orgId, {}, { limit: 1 });
    const filters: AuditFilters = { category: 'sign-in', from: '2026-11-01', to: '2026-11-22', cursor: page.nextCursor ?? undefined };
    const csv = await collect(await exportAuditEvents({ actor, filters }));
    expect(csv).toContain('in range 1');
    expect(csv).toContain('in range 2');
    expect(csv).not.toContain('too early');
    expect(csv).not.toContain('other type');
    const [event] = await exportedEvents(org.orgId);
    expect(event.summary).toBe('Exported 2 events (category: Sign-ins, 1 Nov 2026 – 22 Nov 2026)');
  });

  it('streams past the count cap and says "10,000+ events"; the file never holds its own export event', async () => {
    const org = await emptyOrg();
    const base = Date.parse('2026-11-01T00:00:00Z');
    await insertEvents(org.orgId, Array.from({ length: 10_005 }, (_, i) => ({ at: new Date(base + i * 1000), summary: `row ${i}` })));
    const actor = await actorFor(org.ownerId);
    const csv = await collect(await exportAuditEvents({ actor, filters: {}, batchSize: 2000 }));
    const lines = csv.split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(1 + 10_005);
    expect(lines[1]).toContain('row 10004');
    expect(lines.at(-1)).toContain('row 0');
    expect(csv).not.toContain('Exported');
    const [event] = await exportedEvents(org.orgId);
    expect(event.summary).toBe('Exported 10,000+ events');
  });

  it("exports only the actor's own organisation", async () => {
    const a = await emptyOrg();
    const b = await emptyOrg();
    await insertEvents(a.orgId, [{ at: new Date('2026-11-01T00:00:00Z'), summary: 'secret of A' }]);
    await insertEvents(b.orgId, [{ at: new Date('2026-11-01T00:00:00Z'), summary: 'visible to B' }]);
    const csv = await collect(await exportAuditEvents({ actor: await actorFor(b.managerId), filters: {} }));
    expect(csv).toContain('visible to B');
    expect(csv).not.toContain('secret of A');
    expect(await exportedEvents(a.orgId)).toHaveLength(0);
    expect(await exportedEvents(b.orgId)).toHaveLength(1);
  });
});
