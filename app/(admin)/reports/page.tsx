import type { Metadata } from 'next';
import { connection } from 'next/server';
import { describeTotals, MessagesChart, UNIT_NOUN } from '@/components/reports/messages-chart';
import { ReportRangeForm } from '@/components/reports/report-range-form';
import { Alert } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { ExportCsvButton } from '@/components/ui/export-csv-button';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { formatDay } from '@/lib/format';
import { MAX_DAILY_DAYS, MAX_REPORT_DAYS, messagesReport, parseReportRange, parseReportUnit } from '@/lib/messaging/reports';

export const metadata: Metadata = { title: 'Reports · Sealpost' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function ReportsPage({ searchParams }: Props) {
  await connection();
  const admin = await requireAdminPage('reports.view');
  const params = await searchParams;
  const now = new Date();
  const { range, error } = parseReportRange(params, now);
  const { unit, chosen, error: unitError } = parseReportUnit(params, range);
  const report = await messagesReport(getDb(), admin.orgId, range, unit);
  const exportQuery = new URLSearchParams({ from: range.from, to: range.to, by: unit });
  const problems = [error, unitError].filter((p): p is string => Boolean(p));

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Reports"
        description={`Secure messages sent (outbound) and received (inbound) by your organisation. Days are UTC; a range covers at most ${MAX_REPORT_DAYS} days, in daily bars up to ${MAX_DAILY_DAYS} days and weekly or monthly bars beyond.`}
        actions={<ExportCsvButton href={`/reports/export?${exportQuery.toString()}`} />}
      />

      <Card>
        <CardContent>
          <ReportRangeForm range={range} chosenUnit={chosen} now={now} />
        </CardContent>
      </Card>

      {problems.length > 0 && (
        <Alert variant="warning" title="That report could not be shown as asked">
          {problems.join(' ')}
        </Alert>
      )}

      <Card>
        <CardHeader>
          <CardTitle>Secure messages per {UNIT_NOUN[unit]}</CardTitle>
          <CardDescription>
            {formatDay(range.from)} – {formatDay(range.to)}
          </CardDescription>
          <p className="mt-2 text-2xl font-semibold tracking-tight text-ink" data-testid="report-total">
            {describeTotals(report.totals)}
          </p>
        </CardHeader>
        <CardContent>
          <MessagesChart report={report} />
        </CardContent>
      </Card>
    </div>
  );
}
