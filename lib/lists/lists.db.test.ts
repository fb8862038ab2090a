import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { licensedEmailList } from '@/lib/licensing/licensed-email-list';
import { countLicensedEmails, listLicensedEmails } from '@/lib/licensing/queries';
import { actorFor, createTestOrg } from '@/tests/factories';
import { getHiddenColumns, saveHiddenColumns } from './column-preferences';
import { countOrEstimate, ESTIMATE_ABOVE } from './count';
import type { Cursor } from './cursor';

function must<T>(value: T | null): T {
  if (value === null) throw new Error('expected a cursor');
  return value;
}

describe('keyset pages in both directions through a list', () => {
  it('walks forwards and back with the same pages and positions, by address and by date', async () => {
    const org = await createTestOrg({ licenses: 20, licensed: 0 });
    // Seven addresses, two added at the same instant (the id breaks the tie).
    await getDb().execute(sql`
      insert into licensed_emails (org_id, email, created_at)
      select ${org.orgId}::uuid, 'p' || g || '@' || ${org.domain}, timestamptz '2026-11-01' + (least(g, 6) || ' minutes')::interval
      from generate_series(1, 7) g`);
    for (const sort of ['email', 'added'] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        const state = licensedEmailList.parse({ sort, dir });
        const options = { sort, dir, limit: 3 };
        const first = await listLicensedEmails(getDb(), org.orgId, options);
        expect(first.start).toBe(1);
        const after = (cursor: Cursor) => ({ direction: 'after' as const, cursor });
        const before = (cursor: Cursor) => ({ direction: 'before' as const, cursor });
        const second = await listLicensedEmails(getDb(), org.orgId, { ...options, position: after(must(first.next)) });
        const third = await listLicensedEmails(getDb(), org.orgId, { ...options, position: after(must(second.next)) });
        expect([second.start, third.start, third.rows.length, third.next]).toEqual([4, 7, 1, null]);
        const all = [...first.rows, ...second.rows, ...third.rows].map((r) => r.email);
        expect(new Set(all).size).toBe(7);
        // Back from the third page: the second again, then (short) the first.
        const back = await listLicensedEmails(getDb(), org.orgId, { ...options, position: before(must(third.previous)) });
        expect(back.rows.map((r) => r.email)).toEqual(second.rows.map((r) => r.email));
        expect(back.start).toBe(4);
        const backToFirst = await listLicensedEmails(getDb(), org.orgId, { ...options, position: before(must(back.previous)) });
        expect(backToFirst.rows.map((r) => r.email)).toEqual(first.rows.map((r) => r.email));
        expect(backToFirst.start).toBe(1);
        // The URL round trip keeps the cursor.
        const href = licensedEmailList.pagerLinks(state, second).next ?? '';
        const parsed = licensedEmailList.parse(Object.fromEntries(new URL(href, 'http://x').searchParams));
        expect(parsed.page?.cursor.position).toBe(6);
      }
    }
  });
});

describe('list totals', () => {
  it('counts exactly when small', async () => {
    const org = await createTestOrg({ licenses: 20, licensed: 12 });
    expect(await countLicensedEmails(getDb(), org.orgId, 'user1')).toEqual({ n: 3, exact: true }); // user1, user10, user11
    expect(await countLicensedEmails(getDb(), org.orgId)).toEqual({ n: 12, exact: true });
  });
  it('gives the planner’s estimate when large', async () => {
    const total = await countOrEstimate(getDb(), sql`select g from generate_series(1, 250000) g`);
    expect(total.exact).toBe(false);
    expect(total.n).toBeGreaterThan(ESTIMATE_ABOVE);
  });
});

describe('column choices', () => {
  it('are remembered per administrator and list, and only for columns that may be hidden', async () => {
    const org = await createTestOrg({ licenses: 5 });
    const manager = await actorFor(org.managerId);
    const viewer = await actorFor(org.viewerId);
    expect(await getHiddenColumns(getDb(), manager, '/licensed-emails')).toEqual([]);
    await saveHiddenColumns({ actor: manager, list: '/licensed-emails', hidden: ['added', 'added'] });
    expect(await getHiddenColumns(getDb(), manager, '/licensed-emails')).toEqual(['added']);
    expect(await getHiddenColumns(getDb(), viewer, '/licensed-emails')).toEqual([]);
    await saveHiddenColumns({ actor: manager, list: '/licensed-emails', hidden: [] });
    expect(await getHiddenColumns(getDb(), manager, '/licensed-emails')).toEqual([]);
    const refusal = await saveHiddenColumns({ actor: manager, list: '/licensed-emails', hidden: ['email'] }).catch((e: unknown) => e);
    expect(isAppError(refusal) && refusal.code).toBe('invalid_input');
  });
});
