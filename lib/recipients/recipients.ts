import { and, asc, eq, gt, ilike, sql, type SQL } from 'drizzle-orm';
import { getDb, type DbOrTx, type Tx } from '@/db/client';
import { recipientAccounts } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { likePattern } from '@/lib/like';
import { maskPhone, normalisePhone } from '@/lib/phone';
import { isUuid } from '@/lib/ids';

/**
 * Recipient accounts (SPEC §11): every external address the organisation has written to, added on
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
 * LIKE wildcards escaped, served by the trigram index). Keyset pagination: `after` is the last
 * email shown; emails are unique within an organisation.
 *
 * Search-as-you-type stays fast at a million accounts: the matches are collected without order and
 * capped, then sorted. A broad input ("user7" among a million) would otherwise sort a hundred
 * thousand rows for one page; when the cap is reached the page is exact within the first matches
 * and `broad` asks the person to keep typing (no next page is offered).
 */
export async function listRecipients(
  db: DbOrTx,
  orgId: string,
  options: { search?: string; after?: string; limit: number },
): Promise<{ rows: RecipientRow[]; next: string | null; broad: boolean }> {
  const search = options.search?.trim();
  if (search) {
    const candidates = db
      .select({
        id: recipientAccounts.id,
        email: recipientAccounts.email,
        phone: recipientAccounts.phone,
        firstSentAt: recipientAccounts.firstSentAt,
        lastSentAt: recipientAccounts.lastSentAt,
      })
      .from(recipientAccounts)
      .where(
        and(
          eq(recipientAccounts.orgId, orgId),
          ilike(recipientAccounts.email, likePattern(search.toLowerCase())),
          options.after ? gt(recipientAccounts.email, options.after) : undefined,
        ),
      )
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
      .orderBy(asc(candidates.email))
      .limit(options.limit + 1);
    const broad = (found[0]?.total ?? 0) > SEARCH_CANDIDATE_CAP;
    const page = found.slice(0, options.limit).map(({ total: _total, ...row }) => row);
    const last = page[page.length - 1];
    return { rows: page, next: !broad && found.length > options.limit && last ? last.email : null, broad };
  }
  const where: SQL[] = [eq(recipientAccounts.orgId, orgId)];
  if (options.after) where.push(gt(recipientAccounts.email, options.after));
  const rows = await db
    .select({
      id: recipientAccounts.id,
      email: recipientAccounts.email,
      phone: recipientAccounts.phone,
      firstSentAt: recipientAccounts.firstSentAt,
      lastSentAt: recipientAccounts.lastSentAt,
    })
    .from(recipientAccounts)
    .where(and(...where))
    .orderBy(asc(recipientAccounts.email))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > options.limit && last ? last.email : null, broad: false };
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
  await getDb().transaction(async (tx) => {
    const current = await lockRecipient(tx, actor.orgId, input.id);
    await tx.delete(recipientAccounts).where(and(eq(recipientAccounts.id, input.id), eq(recipientAccounts.orgId, actor.orgId)));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'recipients.deleted',
      summary: `${current.email} deleted${current.phone ? ` with its phone number ${maskPhone(current.phone)}` : ''}; it returns the next time mail is sent to it`,
      target: { type: 'recipient_account', id: input.id, label: current.email },
      clientAddress: actor.clientAddress,
      now,
    });
  });
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
