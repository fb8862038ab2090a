import { and, asc, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, licensedEmails } from '@/db/schema';
import { BULK_CAP } from '@/lib/lists/bulk';
import { isAppError } from '@/lib/errors/app-error';
import { actorFor, createTestOrg } from '@/tests/factories';
import { removeLicensedEmails } from './change-licensed-email';
import { getLicenseUsage, matchingLicensedEmailIds } from './queries';

async function idsOf(orgId: string) {
  const rows = await getDb().select({ id: licensedEmails.id, email: licensedEmails.email }).from(licensedEmails).where(eq(licensedEmails.orgId, orgId)).orderBy(asc(licensedEmails.email));
  return rows;
}

async function removedEvents(orgId: string) {
  return getDb()
    .select({ targetId: auditEvents.targetId, targetLabel: auditEvents.targetLabel })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, 'licensed_emails.removed')));
}

describe('removing licensed addresses in bulk', () => {
  it('removes the ticked addresses, one audit event each, and frees their licenses', async () => {
    const org = await createTestOrg({ licenses: 10, licensed: 5 });
    const actor = await actorFor(org.managerId);
    const rows = await idsOf(org.orgId);
    const chosen = rows.slice(0, 3);
    const outcome = await removeLicensedEmails({ actor, selection: { mode: 'ids', ids: chosen.map((r) => r.id) } });
    expect(outcome).toEqual({ done: 3, refused: [], capped: false });
    expect((await idsOf(org.orgId)).map((r) => r.email)).toEqual(rows.slice(3).map((r) => r.email));
    expect((await getLicenseUsage(getDb(), org.orgId)).used).toBe(2);
    const events = await removedEvents(org.orgId);
    expect(events.map((e) => e.targetId).sort()).toEqual(chosen.map((r) => r.id).sort());
    expect(events.map((e) => e.targetLabel).sort()).toEqual(chosen.map((r) => r.email).sort());
  });

  it('refuses, item by item, what it cannot remove and says which and why; the rest goes through', async () => {
    const org = await createTestOrg({ licenses: 10, licensed: 3 });
    const other = await createTestOrg({ licenses: 10, licensed: 2 });
    const actor = await actorFor(org.managerId);
    const [mine] = await idsOf(org.orgId);
    const [theirs] = await idsOf(other.orgId);
    const missing = '00000000-0000-4000-8000-000000000000';
    const outcome = await removeLicensedEmails({ actor, selection: { mode: 'ids', ids: [mine.id, theirs.id, missing] } });
    expect(outcome.done).toBe(1);
    expect(outcome.refused).toEqual([
      { id: theirs.id, label: theirs.id, reason: 'That licensed address does not exist.' },
      { id: missing, label: missing, reason: 'That licensed address does not exist.' },
    ]);
    // The other organisation's address is untouched, and only the one removal is audited.
    expect(await idsOf(other.orgId)).toHaveLength(2);
    expect(await removedEvents(org.orgId)).toHaveLength(1);
    expect(await removedEvents(other.orgId)).toHaveLength(0);
    expect((await getLicenseUsage(getDb(), org.orgId)).used).toBe(2);
  });

  it('removes all addresses matching a search', async () => {
    const org = await createTestOrg({ licenses: 10, licensed: 0 });
    const actor = await actorFor(org.managerId);
    await getDb().insert(licensedEmails).values(['ann.sales', 'bob.sales', 'cy.support'].map((local) => ({ orgId: org.orgId, email: `${local}@${org.domain}` })));
    const outcome = await removeLicensedEmails({ actor, selection: { mode: 'matching', q: '.sales@', filters: {} } });
    expect(outcome).toEqual({ done: 2, refused: [], capped: false });
    expect((await idsOf(org.orgId)).map((r) => r.email)).toEqual([`cy.support@${org.domain}`]);
  });

  it('takes at most 10,000 matching, and says it was capped', async () => {
    const org = await createTestOrg({ licenses: BULK_CAP + 10, licensed: 0 });
    await getDb().execute(sql`
      insert into licensed_emails (org_id, email)
      select ${org.orgId}::uuid, 'cap' || g || '@' || ${org.domain} from generate_series(1, ${BULK_CAP + 5}) g`);
    const all = await matchingLicensedEmailIds(getDb(), org.orgId, '', BULK_CAP);
    expect(all.ids).toHaveLength(BULK_CAP);
    expect(all.capped).toBe(true);
    const few = await matchingLicensedEmailIds(getDb(), org.orgId, 'cap1000', BULK_CAP);
    expect(few).toEqual({ ids: expect.any(Array), capped: false });
    expect(few.ids).toHaveLength(7); // cap1000, cap10000…cap10005
  });

  it('is refused to a read-only administrator', async () => {
    const org = await createTestOrg({ licenses: 10, licensed: 2 });
    const viewer = await actorFor(org.viewerId);
    const [row] = await idsOf(org.orgId);
    const refusal = await removeLicensedEmails({ actor: viewer, selection: { mode: 'ids', ids: [row.id] } }).catch((e: unknown) => e);
    expect(isAppError(refusal) && refusal.code).toBe('forbidden');
    expect(await idsOf(org.orgId)).toHaveLength(2);
  });
});
