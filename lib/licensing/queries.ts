import { and, asc, count, desc, eq, gt, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { domains, licensedEmails, organisations, priceTiers, subscriptions } from '@/db/schema';
import { likePattern } from '@/lib/like';

export async function getLicenseUsage(db: DbOrTx, orgId: string) {
  const [sub] = await db
    .select({ purchased: subscriptions.licensesPurchased, used: subscriptions.licensesUsed, termStart: subscriptions.termStart, renewalDate: subscriptions.renewalDate })
    .from(subscriptions)
    .where(eq(subscriptions.orgId, orgId));
  const purchased = sub?.purchased ?? 0;
  const usedCount = sub?.used ?? 0;
  return {
    purchased,
    used: usedCount,
    available: Math.max(0, purchased - usedCount),
    termStart: sub?.termStart ?? null,
    renewalDate: sub?.renewalDate ?? null,
  };
}

export async function listOrgDomains(db: DbOrTx, orgId: string): Promise<string[]> {
  const rows = await db.select({ domain: domains.domain }).from(domains).where(eq(domains.orgId, orgId)).orderBy(asc(domains.domain));
  return rows.map((r) => r.domain);
}

export async function listPriceTiers(db: DbOrTx) {
  return db
    .select({ minLicenses: priceTiers.minLicenses, maxLicenses: priceTiers.maxLicenses, unitPriceCents: priceTiers.unitPriceCents })
    .from(priceTiers)
    .orderBy(asc(priceTiers.minLicenses));
}

export async function getOrganisationBilling(db: DbOrTx, orgId: string) {
  const [row] = await db
    .select({
      name: organisations.name,
      addressLine1: organisations.addressLine1,
      addressLine2: organisations.addressLine2,
      city: organisations.city,
      region: organisations.region,
      postalCode: organisations.postalCode,
      country: organisations.country,
      discountBps: organisations.discountBps,
      taxRateBps: organisations.taxRateBps,
    })
    .from(organisations)
    .where(eq(organisations.id, orgId));
  return row ?? null;
}

export type LicensedEmailSort = 'email' | 'added';
export type LicensedEmailCursor = { value: string; id: string };

/**
 * One page of licensed addresses, sorted and searched on the server with keyset pagination:
 * the cursor is the last row's sort value and id.
 */
export async function listLicensedEmails(
  db: DbOrTx,
  orgId: string,
  options: { search?: string; sort: LicensedEmailSort; dir: 'asc' | 'desc'; after?: LicensedEmailCursor; limit: number },
) {
  const column = options.sort === 'email' ? licensedEmails.email : licensedEmails.createdAt;
  const where: SQL[] = [eq(licensedEmails.orgId, orgId)];
  if (options.search) where.push(ilike(licensedEmails.email, likePattern(options.search)));
  if (options.after) {
    const value = options.sort === 'email' ? options.after.value : new Date(options.after.value);
    const beyond = options.dir === 'asc' ? gt : lt;
    const cursorCondition = or(
      beyond(column, value as never),
      and(eq(column, value as never), beyond(licensedEmails.id, options.after.id)),
    );
    if (cursorCondition) where.push(cursorCondition);
  }
  const order = options.dir === 'asc' ? asc : desc;
  const rows = await db
    .select({ id: licensedEmails.id, email: licensedEmails.email, createdAt: licensedEmails.createdAt })
    .from(licensedEmails)
    .where(and(...where))
    .orderBy(order(column), order(licensedEmails.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page[page.length - 1];
  const next =
    rows.length > options.limit && last
      ? { value: options.sort === 'email' ? last.email : last.createdAt.toISOString(), id: last.id }
      : null;
  return { rows: page, next };
}

export async function countLicensedEmails(db: DbOrTx, orgId: string, search?: string) {
  const [row] = await db
    .select({ n: count() })
    .from(licensedEmails)
    .where(and(eq(licensedEmails.orgId, orgId), search ? ilike(licensedEmails.email, likePattern(search)) : sql`true`));
  return row?.n ?? 0;
}

/** Which of `emails` are already licensed anywhere (addresses are unique across organisations). */
export async function findLicensed(db: DbOrTx, emails: string[]): Promise<Set<string>> {
  if (emails.length === 0) return new Set();
  const found = new Set<string>();
  // Chunks keep the parameter list bounded for 100,000-line imports.
  for (let i = 0; i < emails.length; i += 10_000) {
    const chunk = emails.slice(i, i + 10_000);
    const rows = await db.execute<{ email: string }>(
      sql`select email from licensed_emails where email = any(${sql.param(chunk)}::text[])`,
    );
    for (const row of rows as unknown as { email: string }[]) found.add(row.email.toLowerCase());
  }
  return found;
}
