import { MailCheck, SearchX } from '@/components/ui/icons';
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { DeliveryEventsTable, type DeliveryEventView } from '@/components/delivery/delivery-events-table';
import { DeliverySearchForm } from '@/components/delivery/delivery-search-form';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ExportCsvButton } from '@/components/ui/export-csv-button';
import { Card, CardContent } from '@/components/ui/card';
import { CopyButtons } from '@/components/data-table/copy-buttons';
import { Pager } from '@/components/data-table/pager';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { explainBounce } from '@/lib/delivery/bounces';
import { describeBounce } from '@/lib/delivery/describe-bounce';
import { describeQuery } from '@/lib/delivery/query-language';
import { ROUTE_LABELS } from '@/lib/delivery/routes';
import { countDeliveryEvents, formatDeliveryCount, searchDeliveryEvents, type DeliveryEventRow } from '@/lib/delivery/search';
import { deliverySearchToParams, parseDeliverySearchParams, withQuery } from '@/lib/delivery/search-params';
import { isAppError } from '@/lib/errors/app-error';
import { formatDateTime } from '@/lib/format';

export const metadata: Metadata = { title: 'Delivery events · Sealpost' };

const PAGE_SIZE = 50;

const METHOD_LABELS: Record<DeliveryEventRow['method'], string> = {
  tls: 'TLS',
  secure_portal: 'Secure portal',
  sms_two_factor: 'SMS two-factor',
  plain: 'Plain SMTP',
};

/** The TLS facts in words: version and certificate check, as far as they are known. */
function tlsText(row: DeliveryEventRow): string {
  if (row.method !== 'tls') return '';
  const check = row.tlsVerified === true ? 'certificate verified' : row.tlsVerified === false ? 'certificate not verified' : 'certificate check not reported';
  return `${row.tlsVersion || 'Version not reported'}, ${check}`;
}

function toView(row: DeliveryEventRow): DeliveryEventView {
  const described = describeBounce(row);
  const coded = row.smtpCode !== null || row.enhancedCode !== '';
  return {
    id: row.id,
    occurredAtIso: row.occurredAt.toISOString(),
    occurredAtText: formatDateTime(row.occurredAt),
    messageId: row.messageId,
    sender: row.sender,
    recipient: row.recipient,
    event: row.event,
    method: METHOD_LABELS[row.method],
    route: row.route ? ROUTE_LABELS[row.route] : '',
    tls: tlsText(row),
    remoteServer: row.remoteServer,
    smtpCode: row.smtpCode,
    enhancedCode: row.enhancedCode,
    diagnostic: row.diagnostic,
    bounceClass: described.bounceClass ?? row.bounceClass,
    reportedClass: described.reportedClass,
    reasonLabel: described.reasonLabel,
    happened: described.happened,
    side: described.sideText,
    retry: described.retry,
    todo: described.todo,
    // The code's RFC 3463 meaning only: whether it is retried comes from the event (describeBounce).
    explanation: coded ? explainBounce({ ...row, bounceClass: null }).replace(/^(Permanent|Temporary) failure[^.]*\. /, '') : '',
    dsnAction: row.dsnAction,
    source: row.source,
  };
}

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function DeliveryEventsPage({ searchParams }: Props) {
  await connection();
  const admin = await requireAdminPage('delivery_events.view');
  const { params, errors } = parseDeliverySearchParams(await searchParams);
  const db = getDb();
  const shared = deliverySearchToParams(params);

  let result: { rows: DeliveryEventView[]; next: string | null; total: string; range: string } | null = null;
  let failure: string | null = null;
  if (!params.queryError) {
    try {
      const [page, total] = await Promise.all([
        searchDeliveryEvents(db, admin.orgId, { ...params, limit: PAGE_SIZE }),
        countDeliveryEvents(db, admin.orgId, params),
      ]);
      const end = page.start + page.rows.length - 1;
      const range = page.rows.length > 0 ? `${page.start.toLocaleString('en-US')}–${end.toLocaleString('en-US')} of ${total.count.toLocaleString('en-US')}${total.capped ? '+' : ''}` : '';
      result = { rows: page.rows.map(toView), next: page.next, total: formatDeliveryCount(total), range };
    } catch (e) {
      if (!isAppError(e)) throw e;
      failure = e.message;
    }
  }

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Delivery events"
        description="Every delivery attempt of your organisation’s mail, with bounce diagnostics. Times and dates are in UTC."
        actions={
          // The export follows the search: a search that cannot run has nothing to export.
          <ExportCsvButton href={withQuery('/delivery-events/export', shared)} unavailable={params.queryError || failure ? 'Correct the search to export its events.' : null} />
        }
      />

      <Card>
        <CardContent>
          <DeliverySearchForm params={params} />
        </CardContent>
      </Card>

      {errors.length > 0 && (
        <Alert variant="warning" title="Some search settings could not be used">
          <ul className="list-disc pl-5">
            {errors.map((error) => (
              <li key={error.field + error.message}>{error.message}</li>
            ))}
          </ul>
        </Alert>
      )}
      {params.queryError && (
        <Alert variant="danger" title="The search query could not be read">
          {params.queryError.message} (at character {params.queryError.position + 1}). Fix the query and search again.
        </Alert>
      )}
      {failure && <Alert variant="danger" title="The search did not finish">{failure}</Alert>}

      <CopyButtons />
      {result && (
        <Card>
          {result.rows.length === 0 ? (
            params.q.trim() !== '' || params.route || params.after ? (
              <EmptyState
                icon={SearchX}
                title="No delivery events match this search"
                description="Try another query or a wider date range."
                action={
                  <Button asChild variant="outline">
                    <Link href="/delivery-events">Clear search</Link>
                  </Button>
                }
              />
            ) : (
              <EmptyState
                icon={MailCheck}
                title="No delivery events in this date range"
                description="Delivery attempts appear here as your mail is sent. Try a wider date range."
              />
            )
          ) : (
            <>
              <p data-result-summary="" className="border-b border-line px-4 py-3 text-sm">
                <span className="font-medium text-ink">{result.total}</span>
                {/* How the query was read, with its grouping made visible: AND binds tighter than OR. */}
                {params.query && <span className="text-muted"> where {describeQuery(params.query)}</span>}
                {params.route && (
                  <span className="text-muted">
                    {params.query ? ',' : ''} route {ROUTE_LABELS[params.route].charAt(0).toLowerCase()}
                    {ROUTE_LABELS[params.route].slice(1)}
                  </span>
                )}
              </p>
              <DeliveryEventsTable rows={result.rows} params={params} />
            </>
          )}
          <Pager
            label="Pages of delivery events"
            range={result.range || undefined}
            links={{
              first: params.after ? withQuery('/delivery-events', shared) : null,
              next: result.next ? withQuery('/delivery-events', deliverySearchToParams({ ...params, after: result.next }, { withCursor: true })) : null,
            }}
          />
        </Card>
      )}
    </div>
  );
}
