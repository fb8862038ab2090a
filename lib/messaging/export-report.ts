import 'server-only';
import { getDb } from '@/db/client';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { CSV_BOM, csvRow } from '@/lib/csv/csv';
import { AppError } from '@/lib/errors/app-error';
import { plural } from '@/lib/format';
import { messagesReport, REPORT_CSV_HEADER, reportExportFilename, type ReportRange, type ReportUnit } from './reports';

/**
 * The chart of /reports as CSV: one line per bar (at most 366, so built whole), the same numbers
 * the chart shows. The export is an audit event of its own (every export is audited, like every change).
 */
export async function exportMessagesReport(input: { actor: AdminActor; range: ReportRange; unit: ReportUnit; now?: Date }): Promise<{ filename: string; csv: string }> {
  const { actor, range, unit } = input;
  if (!can(actor.level, 'reports.view')) throw new AppError('forbidden', 'Your administrator level does not allow reports.');
  const db = getDb();
  const report = await messagesReport(db, actor.orgId, range, unit);
  const filename = reportExportFilename(range, unit);
  await db.transaction((tx) =>
    recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'reports.exported',
      summary: `Exported the secure-message report from ${range.from} to ${range.to} by ${unit} (${plural(report.periods.length, 'row')})`,
      target: { type: 'export', id: filename, label: filename },
      clientAddress: actor.clientAddress,
      metadata: { range, unit, rows: report.periods.length, total: report.totals.total },
      now: input.now,
    }),
  );
  const lines = report.periods.map((p) => csvRow([p.start, p.end, p.outbound, p.inbound, p.outbound + p.inbound]));
  return { filename, csv: CSV_BOM + csvRow(REPORT_CSV_HEADER) + lines.join('') };
}
