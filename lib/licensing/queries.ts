import 'server-only';
import { and, asc, eq, ilike, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { domains, licensedEmails, organisations, priceTiers, subscriptions } from '@/db/schema';
import { likePattern } from '@/lib/like';
import { countOrEstimate, type ListTotal } from '@/lib/lists/count';
import { timeKey } from '@/lib/lists/cursor';
import { cutPage, keysetQuery, timeCursorKey, timeKeyValue, type ListPage, type PagePosition } from '@/lib/lists/page';
import type { LicensedEmailSort } from './licensed-email-list';

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

/**
 * One page of licensed addresses, sorted and searched on the server with keyset pagination in
 * both directions (lib/lists/page.ts): the cursor is a row's sort value and id.
 */
export async function listLicensedEmails(
  db: DbOrTx,
  orgId: string,
  options: { search?: string; sort: LicensedEmailSort; dir: 'asc' | 'desc'; position?: PagePosition; limit: number },
): Promise<ListPage<{ id: string; email: string; createdAt: Date; at: string }>> {
  const byEmail = options.sort === 'email';
  // The list's cursor is (text, id) whatever the sort: a date sort needs its key to be a timestamp.
  if (options.position && !byEmail && !timeKey.safeParse(options.position.cursor.keys[0]).success) options = { ...options, position: undefined };
  const column = byEmail ? licensedEmails.email : licensedEmails.createdAt;
  const keyset = keysetQuery(column, licensedEmails.id, options.dir, options.position, byEmail ? undefined : timeKeyValue);
  const rows = await db
    .select({ id: licensedEmails.id, email: licensedEmails.email, createdAt: licensedEmails.createdAt, at: timeCursorKey(licensedEmails.createdAt) })
    .from(licensedEmails)
    .where(and(licensedEmailScope(orgId, options.search), keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(options.limit + 1);
  const keyOf = (row: (typeof rows)[number]) => [byEmail ? row.email : row.at, row.id] as const;
  return (
    cutPage(rows, options.limit, options.position, keyOf) ??
    listLicensedEmails(db, orgId, { ...options, position: undefined })
  );
}

/** The rows the list shows for `search` (the same match as the export's). */
export function licensedEmailScope(orgId: string, search?: string): SQL | undefined {
  return and(eq(licensedEmails.orgId, orgId), search ? ilike(licensedEmails.email, likePattern(search)) : undefined);
}

/** How many addresses match `search`: exact when small, the planner's estimate when large. */
export async function countLicensedEmails(db: DbOrTx, orgId: string, search?: string): Promise<ListTotal> {
  return countOrEstimate(db, db.select({ id: licensedEmails.id }).from(licensedEmails).where(licensedEmailScope(orgId, search)));
}

/** The ids of the first `cap` addresses matching `search`, in address order, and whether there were more. */
export async function matchingLicensedEmailIds(db: DbOrTx, orgId: string, search: string, cap: number) {
  const rows = await db
    .select({ id: licensedEmails.id })
    .from(licensedEmails)
    .where(licensedEmailScope(orgId, search))
    .orderBy(asc(licensedEmails.email))
    .limit(cap + 1);
  return { ids: rows.slice(0, cap).map((r) => r.id), capped: rows.length > cap };
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
