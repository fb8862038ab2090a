import 'server-only';
import { and, asc, desc, eq, gt, ilike, inArray, isNull, lt, sql } from 'drizzle-orm';
import { getDb, type DbOrTx, type Tx } from '@/db/client';
import { policies, recipientAccounts } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { likePattern } from '@/lib/like';
import { maskPhone, normalisePhone } from '@/lib/phone';
import { isUuid } from '@/lib/ids';
import { BULK_CAP, runBulk, type BulkOutcome, type BulkSelection } from '@/lib/lists/bulk';
import { countOrEstimate, type ListTotal } from '@/lib/lists/count';
import { cutPage, keysetQuery, type ListPage, type PagePosition } from '@/lib/lists/page';

/**
 * Recipient accounts (/recipients): every external address the organisation has written to, added on
 * send, with the phone number used for SMS two-factor sign-in (E.164).
 */
export type RecipientRow = { id: string; email: string; phone: string | null; firstSentAt: Date; lastSentAt: Date };

/**
 * A search that matches more addresses than this shows the first page of them and asks for more
 * typing. The matches are collected by reading addresses until this many are found, so a fragment
 * that 1% of addresses hold (`99.`) reads a hundred times as many: at 1,000 that was 100,000 rows
 * and up to 107 ms on a slow machine; at 250 it is 25,000 rows and about 25 ms.
 */
export const SEARCH_CANDIDATE_CAP = 250;

/**
 * One page of recipients ordered by email, searched on any part of the address (ILIKE '%…%' with
 * LIKE wildcards escaped, served by the trigram index). Keyset pagination in both directions
 * (lib/lists/page.ts) by email (unique within an organisation), then id.
 *
 * Search-as-you-type stays fast at a million accounts: the matches are collected without order and
 * capped, then sorted. A broad input ("user7" among a million) would otherwise sort a hundred
 * thousand rows for one page; when the cap is reached the page is exact within the first matches
 * and `broad` asks the person to keep typing (no next page is offered).
 */
export async function listRecipients(
  db: DbOrTx,
  orgId: string,
  options: { search?: string; position?: PagePosition; limit: number; missingPhone?: boolean },
): Promise<ListPage<RecipientRow> & { broad: boolean; total: ListTotal | null }> {
  const search = options.search?.trim();
  // "Missing phone": served by the partial index recipient_accounts_missing_phone_idx.
  const missingPhone = options.missingPhone ? isNull(recipientAccounts.phone) : undefined;
  const keyOf = (row: RecipientRow) => [row.email, row.id] as const;
  if (search) {
    const beyond = options.position ? (options.position.direction === 'after' ? gt : lt)(recipientAccounts.email, String(options.position.cursor.keys[0])) : undefined;
    const candidates = db
      .select({
        id: recipientAccounts.id,
        email: recipientAccounts.email,
        phone: recipientAccounts.phone,
        firstSentAt: recipientAccounts.firstSentAt,
        lastSentAt: recipientAccounts.lastSentAt,
      })
      .from(recipientAccounts)
      .where(and(eq(recipientAccounts.orgId, orgId), ilike(recipientAccounts.email, likePattern(search.toLowerCase())), beyond, missingPhone))
      .limit(SEARCH_CANDIDATE_CAP + 1)
      .as('candidates');
    const found = await db
      .select({
        id: candidates.id,
        email: candidates.email,
        phone: candidates.phone,
        firstSentAt: candidates.firstSentAt,
        lastSentAt: candidates.lastSentAt,
        total: sql<number>`count(*) over ()`.mapWith(Number),
      })
      .from(candidates)
      .orderBy(options.position?.direction === 'before' ? desc(candidates.email) : asc(candidates.email))
      .limit(options.limit + 1);
    const broad = (found[0]?.total ?? 0) > SEARCH_CANDIDATE_CAP;
    const rows = found.map(({ total: _total, ...row }) => row);
    const page = cutPage(rows, options.limit, options.position, keyOf);
    if (!page) return listRecipients(db, orgId, { ...options, position: undefined });
    // The matches are collected capped: past the cap there is no exact next page, nor a total.
    return { ...page, next: broad ? null : page.next, broad, total: broad || options.position ? null : { n: found[0]?.total ?? 0, exact: true } };
  }
  const keyset = keysetQuery(recipientAccounts.email, recipientAccounts.id, 'asc', options.position);
  const rows = await db
    .select({
      id: recipientAccounts.id,
      email: recipientAccounts.email,
      phone: recipientAccounts.phone,
      firstSentAt: recipientAccounts.firstSentAt,
      lastSentAt: recipientAccounts.lastSentAt,
    })
    .from(recipientAccounts)
    .where(and(eq(recipientAccounts.orgId, orgId), missingPhone, keyset.where))
    .orderBy(...keyset.orderBy)
    .limit(options.limit + 1);
  const page = cutPage(rows, options.limit, options.position, keyOf);
  if (!page) return listRecipients(db, orgId, { ...options, position: undefined });
  return { ...page, broad: false, total: null };
}

/** How many recipients the list has (with the missing-phone filter): exact when small, estimated when large. */
export async function countRecipients(db: DbOrTx, orgId: string, options: { missingPhone?: boolean }): Promise<ListTotal> {
  return countOrEstimate(
    db,
    db
      .select({ id: recipientAccounts.id })
      .from(recipientAccounts)
      .where(and(eq(recipientAccounts.orgId, orgId), options.missingPhone ? isNull(recipientAccounts.phone) : undefined)),
  );
}

/** The ids of the first `cap` recipients matching a search (and filter), and whether there were more. */
export async function matchingRecipientIds(db: DbOrTx, orgId: string, options: { search: string; missingPhone: boolean }, cap: number) {
  const rows = await db
    .select({ id: recipientAccounts.id })
    .from(recipientAccounts)
    .where(
      and(
        eq(recipientAccounts.orgId, orgId),
        options.search ? ilike(recipientAccounts.email, likePattern(options.search.toLowerCase())) : undefined,
        options.missingPhone ? isNull(recipientAccounts.phone) : undefined,
      ),
    )
    .orderBy(asc(recipientAccounts.email))
    .limit(cap + 1);
  return { ids: rows.slice(0, cap).map((r) => r.id), capped: rows.length > cap };
}

function assertCanManage(actor: AdminActor) {
  if (!can(actor.level, 'recipients.manage')) throw new AppError('forbidden', 'Your administrator level does not allow changing recipients.');
}

async function lockRecipient(tx: Tx, orgId: string, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', 'That recipient does not exist.');
  const [row] = await tx
    .select({ id: recipientAccounts.id, email: recipientAccounts.email, phone: recipientAccounts.phone })
    .from(recipientAccounts)
    .where(and(eq(recipientAccounts.id, id), eq(recipientAccounts.orgId, orgId)))
    .for('update');
  if (!row) throw new AppError('not_found', 'That recipient does not exist.');
  return row;
}

/** Sets or (with '') clears a recipient's phone number; stored as E.164. */
export async function updateRecipientPhone(input: { actor: AdminActor; id: string; phone: string; now?: Date }): Promise<{ phone: string | null }> {
  const { actor } = input;
  const now = input.now ?? new Date();
  assertCanManage(actor);
  return getDb().transaction(async (tx) => {
    // The row first: another organisation's id is "not found" whatever the number.
    const current = await lockRecipient(tx, actor.orgId, input.id);
    let phone: string | null = null;
    if (input.phone.trim()) {
      const result = normalisePhone(input.phone, 'US');
      if (!result.ok) throw new AppError('invalid_input', result.message, { phone: [result.message] });
      phone = result.e164;
    }
    if (phone === current.phone) return { phone };
    await tx.update(recipientAccounts).set({ phone }).where(and(eq(recipientAccounts.id, input.id), eq(recipientAccounts.orgId, actor.orgId)));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'recipients.phone_changed',
      summary: `Phone number of ${current.email} changed from ${maskPhone(current.phone)} to ${maskPhone(phone)}`,
      target: { type: 'recipient_account', id: input.id, label: current.email },
      clientAddress: actor.clientAddress,
      now,
    });
    return { phone };
  });
}

/** Deletes a recipient and its phone number; the address is added again the next time mail is sent to it. */
export async function deleteRecipient(input: { actor: AdminActor; id: string; now?: Date }) {
  const { actor } = input;
  const now = input.now ?? new Date();
  assertCanManage(actor);
  await getDb().transaction((tx) => deleteRecipientIn(tx, actor, input.id, now));
}

/**
 * "Delete selected": the ticked recipients, or all matching the list's search and filter (up to
 * BULK_CAP), each checked and audited as deleteRecipient does it, one transaction per batch.
 */
export async function deleteRecipients(input: { actor: AdminActor; selection: BulkSelection; now?: Date }): Promise<BulkOutcome> {
  const { actor, selection } = input;
  const now = input.now ?? new Date();
  assertCanManage(actor);
  const { ids, capped } =
    selection.mode === 'ids'
      ? { ids: [...new Set(selection.ids)], capped: false }
      : await matchingRecipientIds(getDb(), actor.orgId, { search: selection.q, missingPhone: selection.filters.phone === 'missing' }, BULK_CAP);
  const labels = new Map<string, string>();
  return runBulk(ids, {
    capped,
    transaction: (body) => getDb().transaction(body),
    step: async (tx, id) => {
      labels.set(id, (await deleteRecipientIn(tx, actor, id, now)).email);
    },
    labelOf: (id) => labels.get(id) ?? id,
  });
}

async function deleteRecipientIn(tx: Tx, actor: AdminActor, id: string, now: Date) {
  const current = await lockRecipient(tx, actor.orgId, id);
  await tx.delete(recipientAccounts).where(and(eq(recipientAccounts.id, id), eq(recipientAccounts.orgId, actor.orgId)));
  await recordAuditEvent(tx, {
    orgId: actor.orgId,
    actor: auditActorOf(actor),
    action: 'recipients.deleted',
    summary: `${current.email} deleted${current.phone ? ` with its phone number ${maskPhone(current.phone)}` : ''}; it returns the next time mail is sent to it`,
    target: { type: 'recipient_account', id, label: current.email },
    clientAddress: actor.clientAddress,
    now,
  });
  return current;
}

/**
 * Records the external addresses of a send (call it in the sending transaction): new addresses are
 * added, known ones get their last-sent time moved forward. The phone number is kept.
 */
export async function recordRecipients(tx: DbOrTx, orgId: string, emails: readonly string[], now: Date): Promise<void> {
  const unique = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter((e) => e.length > 0))].sort();
  if (unique.length === 0) return;
  // Sorted so that concurrent sends lock rows in the same order.
  for (let i = 0; i < unique.length; i += 1000) {
    await tx
      .insert(recipientAccounts)
      .values(unique.slice(i, i + 1000).map((email) => ({ orgId, email, firstSentAt: now, lastSentAt: now })))
      .onConflictDoUpdate({
        target: [recipientAccounts.orgId, recipientAccounts.email],
        set: { lastSentAt: sql`greatest(${recipientAccounts.lastSentAt}, excluded.last_sent_at)` },
      });
  }
}

/**
 * True when the organisation has an enabled SMS two-factor policy: its recipients with a phone
 * number open its messages with a code (lib/portal/two-factor.ts), those without one with the
 * password alone.
 */
export async function smsPolicyEnabled(db: DbOrTx, orgId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: policies.id })
    .from(policies)
    .where(and(eq(policies.orgId, orgId), eq(policies.enabled, true), eq(policies.delivery, 'sms_two_factor')))
    .limit(1);
  return Boolean(row);
}

/**
 * Of `emails` (recipients of a send, already recorded), those the organisation has no phone
 * number for while its SMS two-factor policy is on: their messages are protected by the password
 * alone, which the sender is told. Empty when the policy is off.
 */
export async function recipientsMissingPhone(db: DbOrTx, orgId: string, emails: readonly string[]): Promise<string[]> {
  const unique = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  if (unique.length === 0 || !(await smsPolicyEnabled(db, orgId))) return [];
  const rows = await db
    .select({ email: recipientAccounts.email })
    .from(recipientAccounts)
    .where(and(eq(recipientAccounts.orgId, orgId), inArray(recipientAccounts.email, unique), isNull(recipientAccounts.phone)))
    .orderBy(asc(recipientAccounts.email));
  return rows.map((r) => r.email);
}

/**
 * What the dashboard tells level 1–2 administrators while the SMS two-factor policy is on: the
 * first `limit` recipients without a phone number (by address) and whether there are more. Null
 * when the policy is off or every recipient has a number.
 */
export async function phonelessRecipientsNotice(db: DbOrTx, orgId: string, limit = 5): Promise<{ emails: string[]; more: boolean } | null> {
  if (!(await smsPolicyEnabled(db, orgId))) return null;
  const rows = await db
    .select({ email: recipientAccounts.email })
    .from(recipientAccounts)
    .where(and(eq(recipientAccounts.orgId, orgId), isNull(recipientAccounts.phone)))
    .orderBy(asc(recipientAccounts.email))
    .limit(limit + 1);
  if (rows.length === 0) return null;
  return { emails: rows.slice(0, limit).map((r) => r.email), more: rows.length > limit };
}
