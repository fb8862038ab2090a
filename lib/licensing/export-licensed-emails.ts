import 'server-only';
import { and, asc, eq, gt, ilike, inArray, sql } from 'drizzle-orm';
import { getDb, rawRow } from '@/db/client';
import { licensedEmails } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { CSV_BOM, csvRow, EXPORT_BATCH_ROWS } from '@/lib/csv/csv';
import { csvRowSql } from '@/lib/csv/csv-sql';
import { likePattern } from '@/lib/like';
import { isUuid } from '@/lib/ids';
import { toDay } from './term';

/** At most this many ids in an export of selected rows (a page's worth, and then some). */
export const EXPORT_MAX_IDS = 200;

export function licensedEmailsExportFilename(now: Date) {
  return `licensed-emails-${toDay(now)}.csv`;
}

/**
 * The organisation's licensed addresses as CSV in the import format (header `Email`), so the
 * file opens in Excel and can be uploaded again. Streams in keyset batches, each formatted by
 * PostgreSQL and passed on as UTF-8 bytes; the export itself is an audit event.
 */
export async function exportLicensedEmails(input: { actor: AdminActor; search?: string; ids?: string[]; now?: Date; batchSize?: number }): Promise<AsyncIterable<string | Uint8Array>> {
  const { actor } = input;
  const now = input.now ?? new Date();
  const batchSize = input.batchSize ?? EXPORT_BATCH_ROWS;
  const db = getDb();
  // With a search, the addresses the list shows for it (the same match as the list's).
  const search = input.search?.trim().slice(0, 254) || undefined;
  // With ids (the rows ticked on the list), those of them that are this organisation's.
  const ids = input.ids?.filter(isUuid).slice(0, EXPORT_MAX_IDS);
  const scope = and(
    eq(licensedEmails.orgId, actor.orgId),
    search ? ilike(licensedEmails.email, likePattern(search)) : undefined,
    ids ? inArray(licensedEmails.id, ids.length > 0 ? ids : ['00000000-0000-0000-0000-000000000000']) : undefined,
  );
  const total = await db.$count(licensedEmails, scope);
  await db.transaction((tx) =>
    recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'licensed_emails.exported',
      summary: `Exported ${total.toLocaleString('en-US')} licensed email addresses${search ? ` matching "${search}"` : ''}${ids ? ' (selected on the list)' : ''}`,
      target: { type: 'export', id: licensedEmailsExportFilename(now), label: licensedEmailsExportFilename(now) },
      clientAddress: actor.clientAddress,
      now,
    }),
  );
  return (async function* () {
    yield CSV_BOM + csvRow(['Email']);
    // PostgreSQL writes each batch's lines (lib/csv/csv-sql.ts), passed on as bytes: no object per row.
    let after = '';
    for (;;) {
      const batch = db
        .select({ email: licensedEmails.email })
        .from(licensedEmails)
        .where(and(scope, gt(licensedEmails.email, after)))
        .orderBy(asc(licensedEmails.email))
        .limit(batchSize)
        .as('batch');
      const query = db
        .select({
          text: sql<string>`coalesce(string_agg(${csvRowSql([sql`${batch.email}`])}, '' order by ${batch.email}), '')`,
          rows: sql<number>`count(*)::int`,
          last: sql<string | null>`max(${batch.email})`,
        })
        .from(batch)
        .toSQL();
      const [text, rows, last] = await rawRow(db, query);
      const count = rows ? Number(rows.toString()) : 0;
      if (!text || count === 0 || !last) return;
      yield text;
      if (count < batchSize) return;
      after = last.toString();
    }
  })();
}
