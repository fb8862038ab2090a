import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { licensedEmails, subscriptions } from '@/db/schema';
import { getDashboardSummary } from '@/lib/dashboard/queries';
import { actorFor, createTestOrg } from '@/tests/factories';
import { addLicensedEmails } from './add-licensed-emails';
import { removeLicensedEmail, renameLicensedEmail } from './change-licensed-email';
import { getLicenseUsage } from './queries';

/** The kept count and the real one, side by side. */
async function counts(orgId: string) {
  const db = getDb();
  const [kept] = await db.select({ n: subscriptions.licensesUsed }).from(subscriptions).where(eq(subscriptions.orgId, orgId));
  const [real] = await db.select({ n: sql<number>`count(*)::int` }).from(licensedEmails).where(eq(licensedEmails.orgId, orgId));
  return { kept: kept?.n, real: real?.n };
}

describe('licenses in use (subscriptions.licenses_used, kept by triggers)', () => {
  it('follows adds, removes, renames and bulk SQL, for each organisation separately', async () => {
    const org = await createTestOrg({ licenses: 50, licensed: 4 });
    const other = await createTestOrg({ licenses: 10, licensed: 2 });
    expect(await counts(org.orgId)).toEqual({ kept: 4, real: 4 });

    const actor = await actorFor(org.managerId);
    await addLicensedEmails({ actor, emails: [`a@${org.domain}`, `b@${org.domain}`, `c@${org.domain}`], source: 'manual' });
    expect(await counts(org.orgId)).toEqual({ kept: 7, real: 7 });
    expect((await getLicenseUsage(getDb(), org.orgId)).used).toBe(7);
    expect((await getDashboardSummary(getDb(), org.orgId)).licensesUsed).toBe(7);

    const [row] = await getDb().select({ id: licensedEmails.id }).from(licensedEmails).where(eq(licensedEmails.email, `a@${org.domain}`));
    await renameLicensedEmail({ actor, id: row.id, email: `renamed@${org.domain}` });
    expect(await counts(org.orgId)).toEqual({ kept: 7, real: 7 });
    await removeLicensedEmail({ actor, id: row.id });
    expect(await counts(org.orgId)).toEqual({ kept: 6, real: 6 });

    // Bulk statements outside the app (a seed, an operator's SQL) are counted too.
    await getDb().execute(sql`
      insert into licensed_emails (org_id, email) select ${org.orgId}::uuid, 'bulk' || g || '@' || ${org.domain} from generate_series(1, 30) g`);
    expect(await counts(org.orgId)).toEqual({ kept: 36, real: 36 });
    await getDb().execute(sql`delete from licensed_emails where org_id = ${org.orgId}::uuid and email like 'bulk1%'`);
    expect(await counts(org.orgId)).toEqual({ kept: 25, real: 25 });
    // Moving addresses between organisations moves their count.
    await getDb().execute(sql`update licensed_emails set org_id = ${other.orgId}::uuid where org_id = ${org.orgId}::uuid and email like 'bulk2%'`);
    expect(await counts(org.orgId)).toEqual({ kept: 14, real: 14 });
    expect(await counts(other.orgId)).toEqual({ kept: 13, real: 13 });
  });

  it('counts, when a subscription is created, the addresses its organisation already has', async () => {
    const org = await createTestOrg({ licenses: 5, licensed: 3 });
    await getDb().delete(subscriptions).where(eq(subscriptions.orgId, org.orgId));
    await getDb().insert(subscriptions).values({ orgId: org.orgId, termStart: '2026-01-01', renewalDate: '2027-01-01', licensesPurchased: 5 });
    expect(await counts(org.orgId)).toEqual({ kept: 3, real: 3 });
  });

  it('never lets concurrent adds and removes drift from the real count', async () => {
    const org = await createTestOrg({ licenses: 100, licensed: 20 });
    const actor = await actorFor(org.managerId);
    const rows = await getDb().select({ id: licensedEmails.id }).from(licensedEmails).where(eq(licensedEmails.orgId, org.orgId));
    await Promise.all([
      ...rows.slice(0, 10).map((r) => removeLicensedEmail({ actor, id: r.id })),
      ...Array.from({ length: 10 }, (_, i) => addLicensedEmails({ actor, emails: [`new${i}@${org.domain}`], source: 'manual' })),
    ]);
    expect(await counts(org.orgId)).toEqual({ kept: 20, real: 20 });
  });
});
