import 'server-only';
import { and, eq, ilike, inArray, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { getDb, type DbOrTx } from '@/db/client';
import { organisations, SUPPRESSION_SOURCES, suppressions } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { likePattern } from '@/lib/like';
import { cutPage, keysetQuery, timeCursorKey, timeKeyValue, type ListPage, type PagePosition } from '@/lib/lists/page';

/**
 * The organisation's suppression list (`/suppressions`): addresses its mail is no longer
 * sent to. Hard bounces, complaints and repeated soft bounces add them (lib/delivery/ingest.ts, in the statement that stores the events);
 * administrators of levels 1–2 add and remove them by hand, each with an audit event.
 */
export type SuppressionSource = (typeof SUPPRESSION_SOURCES)[number];
export type SuppressionRow = {
  id: string;
  address: string;
  source: SuppressionSource;
  reason: string;
  detail: string;
  eventId: number | null;
  createdBy: string;
  createdAt: Date;
};

export const SOURCE_LABELS: Readonly<Record<SuppressionSource, string>> = {
  hard_bounce: 'Hard bounce',
  complaint: 'Complaint',
  soft_bounces: 'Repeated soft bounces',
  manual: 'Added by hand',
};

const columns = {
  id: suppressions.id,
  address: suppressions.address,
  source: suppressions.source,
  reason: suppressions.reason,
  detail: suppressions.detail,
  eventId: suppressions.eventId,
  createdBy: suppressions.createdBy,
  createdAt: suppressions.createdAt,
};

function filters(orgId: string, search: string | undefined): SQL[] {
  const where: SQL[] = [eq(suppressions.orgId, orgId)];
  const q = search?.trim().toLowerCase();
  if (q) {
    const pattern = likePattern(q);
    const match = or(ilike(suppressions.address, pattern), ilike(suppressions.reason, pattern), ilike(suppressions.detail, pattern));
    if (match) where.push(match);
  }
  return where;
}

/**
 * One page, newest first, searched on any part of the address, the reason or the detail; keyset
 * pages in both directions (lib/lists/page.ts), the cursor the time added (to the microsecond) and id.
 */
export async function listSuppressions(
  db: DbOrTx,
  orgId: string,
  options: { search?: string; position?: PagePosition; limit: number },
): Promise<ListPage<SuppressionRow>> {
  const keyset = keysetQuery(suppressions.createdAt, suppressions.id, 'desc', options.position, timeKeyValue);
  const rows = await db
    .select({ ...columns, at: timeCursorKey(suppressions.createdAt) })
    .from(suppressions)
    .where(and(...filters(orgId, options.search), keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(options.limit + 1);
  const page = cutPage(rows, options.limit, options.position, (row) => [row.at, row.id]);
  if (!page) return listSuppressions(db, orgId, { ...options, position: undefined });
  return { ...page, rows: page.rows.map(({ at: _at, ...row }) => row) };
}

/** Every suppression matching the search, in batches of 1,000, for the CSV export. */
export async function* streamSuppressions(db: DbOrTx, orgId: string, search?: string): AsyncGenerator<SuppressionRow[]> {
  let position: PagePosition | undefined;
  for (;;) {
    const page = await listSuppressions(db, orgId, { search, position, limit: 1000 });
    if (page.rows.length > 0) yield page.rows;
    if (!page.next) return;
    position = { direction: 'after', cursor: page.next };
  }
}

/** Whether one address is suppressed for the organisation (the gateway asks before sending). */
export async function isSuppressed(db: DbOrTx, orgId: string, address: string): Promise<boolean> {
  return (await suppressedAmong(db, orgId, [address])).size > 0;
}

/**
 * Which of these addresses are suppressed, with why: one query for a whole recipient list.
 * Addresses are compared in lower case; the map's keys are lower case.
 */
export async function suppressedAmong(db: DbOrTx, orgId: string, addresses: readonly string[]): Promise<Map<string, { reason: string; source: SuppressionSource; detail: string }>> {
  const wanted = [...new Set(addresses.map((a) => a.trim().toLowerCase()).filter(Boolean))];
  const found = new Map<string, { reason: string; source: SuppressionSource; detail: string }>();
  for (let i = 0; i < wanted.length; i += 1000) {
    const rows = await db
      .select({ address: suppressions.address, reason: suppressions.reason, source: suppressions.source, detail: suppressions.detail })
      .from(suppressions)
      .where(and(eq(suppressions.orgId, orgId), inArray(suppressions.address, wanted.slice(i, i + 1000))));
    for (const row of rows) found.set(row.address, { reason: row.reason, source: row.source, detail: row.detail });
  }
  return found;
}

function assertCanManage(actor: AdminActor) {
  if (!can(actor.level, 'suppressions.manage')) throw new AppError('forbidden', 'Your administrator level does not allow changing the suppression list.');
}

export const addSuppressionSchema = z.object({
  address: z.string().trim().min(1, 'Enter an email address.').max(254, 'This address is too long.').email('Enter a valid email address.'),
  note: z.string().trim().max(500, 'Keep the note under 500 characters.').default(''),
});

/** Adds an address by hand (with an audit event). An address already on the list is refused with a clear message. */
export async function addSuppression(input: { actor: AdminActor; address: string; note?: string; now?: Date }): Promise<SuppressionRow> {
  const { actor } = input;
  const now = input.now ?? new Date();
  assertCanManage(actor);
  const parsed = addSuppressionSchema.safeParse({ address: input.address, note: input.note ?? '' });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('invalid_input', issue.message, { [String(issue.path[0] ?? 'address')]: [issue.message] });
  }
  const address = parsed.data.address.toLowerCase();
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .insert(suppressions)
      .values({ orgId: actor.orgId, address, source: 'manual', reason: 'manual', detail: parsed.data.note, createdBy: actor.email, createdAt: now })
      .onConflictDoNothing()
      .returning(columns);
    if (!row) throw new AppError('conflict', `${address} is already on the suppression list.`, { address: [`${address} is already on the suppression list.`] });
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'suppressions.added',
      summary: `${address} added to the suppression list by hand${parsed.data.note ? `: ${parsed.data.note}` : ''}`,
      target: { type: 'suppression', id: row.id, label: address },
      clientAddress: actor.clientAddress,
      now,
    });
    return row;
  });
}

/** Removes an address (mail to it is sent again), with an audit event saying why it had been there. */
export async function removeSuppression(input: { actor: AdminActor; id: string; now?: Date }): Promise<{ address: string }> {
  const { actor } = input;
  const now = input.now ?? new Date();
  assertCanManage(actor);
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .delete(suppressions)
      .where(and(eq(suppressions.id, input.id), eq(suppressions.orgId, actor.orgId)))
      .returning({ id: suppressions.id, address: suppressions.address, source: suppressions.source, reason: suppressions.reason });
    if (!row) throw new AppError('not_found', 'That address is not on the suppression list.');
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'suppressions.removed',
      summary: `${row.address} removed from the suppression list (it was there for: ${SOURCE_LABELS[row.source].toLowerCase()}, ${row.reason.replace(/_/g, ' ')})`,
      target: { type: 'suppression', id: row.id, label: row.address },
      clientAddress: actor.clientAddress,
      metadata: { source: row.source, reason: row.reason },
      now,
    });
    return { address: row.address };
  });
}

export type SoftBounceSettings = { softBounceLimit: number; softBounceDays: number };

export const softBounceSettingsSchema = z.object({
  softBounceLimit: z.coerce.number({ message: 'Enter a number.' }).int('Enter a whole number.').min(1, 'At least 1.').max(100, 'At most 100.'),
  softBounceDays: z.coerce.number({ message: 'Enter a number.' }).int('Enter a whole number.').min(1, 'At least 1 day.').max(365, 'At most 365 days.'),
});

export async function getSoftBounceSettings(db: DbOrTx, orgId: string): Promise<SoftBounceSettings> {
  const [row] = await db
    .select({ softBounceLimit: organisations.softBounceLimit, softBounceDays: organisations.softBounceDays })
    .from(organisations)
    .where(eq(organisations.id, orgId));
  return row ?? { softBounceLimit: 5, softBounceDays: 7 };
}

/** Changes how many soft bounces within how many days suppress an address (with an audit event). */
export async function updateSoftBounceSettings(input: { actor: AdminActor; softBounceLimit: number; softBounceDays: number; now?: Date }): Promise<SoftBounceSettings> {
  const { actor } = input;
  const now = input.now ?? new Date();
  assertCanManage(actor);
  const parsed = softBounceSettingsSchema.safeParse(input);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0])] = [issue.message];
    throw new AppError('invalid_input', 'Check the highlighted fields.', fieldErrors);
  }
  return getDb().transaction(async (tx) => {
    const before = await getSoftBounceSettings(tx, actor.orgId);
    await tx.update(organisations).set(parsed.data).where(eq(organisations.id, actor.orgId));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'suppressions.settings_changed',
      summary: `Soft bounces suppress an address after ${parsed.data.softBounceLimit} in a row within ${parsed.data.softBounceDays} days (was ${before.softBounceLimit} within ${before.softBounceDays})`,
      target: { type: 'organisation', id: actor.orgId },
      clientAddress: actor.clientAddress,
      now,
    });
    return parsed.data;
  });
}
