import type { Metadata } from 'next';
import { connection } from 'next/server';
import { describeTotals, MessagesChart } from '@/components/reports/messages-chart';
import { ReportRangeForm } from '@/components/reports/report-range-form';
import { Alert } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { formatDay } from '@/lib/format';
import { MAX_REPORT_DAYS, messagesPerDay, parseReportRange } from '@/lib/messaging/reports';

export const metadata: Metadata = { title: 'Reports · Sealpost' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function ReportsPage({ searchParams }: Props) {
  await connection();
  const admin = await requireAdminPage('reports.view');
  const { range, error } = parseReportRange(await searchParams, new Date());
  const report = await messagesPerDay(getDb(), admin.orgId, range);

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Reports"
        description={`Secure messages per day, sent (outbound) and received (inbound) by your organisation. Days are UTC; a range covers at most ${MAX_REPORT_DAYS} days.`}
      />

      <Card>
        <CardContent>
          <ReportRangeForm range={range} />
        </CardContent>
      </Card>

      {error && (
        <Alert variant="warning" title="That range could not be used">
          {error}
        </Alert>
      )}

      <Card>
        <CardHeader>
          <CardTitle>Secure messages per day</CardTitle>
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
