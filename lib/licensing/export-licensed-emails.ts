import { and, asc, eq, gt } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { licensedEmails } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { CSV_BOM, csvRow } from '@/lib/csv/csv';
import { toDay } from './term';

export function licensedEmailsExportFilename(now: Date) {
  return `licensed-emails-${toDay(now)}.csv`;
}

/**
 * The organisation's licensed addresses as CSV in the import format (header `Email`), so the
 * file opens in Excel and can be uploaded again. Streams in keyset batches; the export itself
 * is an audit event.
 */
export async function exportLicensedEmails(input: { actor: AdminActor; now?: Date; batchSize?: number }): Promise<AsyncIterable<string>> {
  const { actor } = input;
  const now = input.now ?? new Date();
  const batchSize = input.batchSize ?? 5000;
  const db = getDb();
  const total = await db.$count(licensedEmails, eq(licensedEmails.orgId, actor.orgId));
  await db.transaction((tx) =>
    recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'licensed_emails.exported',
      summary: `Exported ${total.toLocaleString('en-US')} licensed email addresses`,
      target: { type: 'licensed_emails', id: '', label: String(total) },
      clientAddress: actor.clientAddress,
      now,
    }),
  );
  return (async function* () {
    yield CSV_BOM + csvRow(['Email']);
    let after = '';
    for (;;) {
      const rows = await db
        .select({ email: licensedEmails.email })
        .from(licensedEmails)
        .where(and(eq(licensedEmails.orgId, actor.orgId), gt(licensedEmails.email, after)))
        .orderBy(asc(licensedEmails.email))
        .limit(batchSize);
      if (rows.length === 0) return;
      yield rows.map((r) => csvRow([r.email])).join('');
      after = rows[rows.length - 1].email;
      if (rows.length < batchSize) return;
    }
  })();
}
