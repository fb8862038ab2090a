import { History, SearchX } from '@/components/ui/icons';
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { EventFilters } from '@/components/events/event-filters';
import { EventsTable } from '@/components/events/events-table';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ExportCsvButton } from '@/components/ui/export-csv-button';
import { Card, CardContent } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { Pager } from '@/components/data-table/pager';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { auditFiltersToSearchParams, hasAuditFilters, parseAuditFilters, withQuery } from '@/lib/audit/filters';
import { countAuditEvents, distinctActors, formatEventCount, listAuditEvents } from '@/lib/audit/queries';
import { can } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';

export const metadata: Metadata = { title: 'Events · Sealpost' };

const PAGE_SIZE = 50;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function EventsPage({ searchParams }: Props) {
  await connection();
  const admin = await requireAdminPage('events.view');
  const { filters, errors } = parseAuditFilters(await searchParams);
  const db = getDb();
  const [page, total, actors] = await Promise.all([
    listAuditEvents(db, admin.orgId, filters, { limit: PAGE_SIZE }),
    countAuditEvents(db, admin.orgId, filters),
    distinctActors(db, admin.orgId),
  ]);
  const query = auditFiltersToSearchParams(filters);
  const filtered = hasAuditFilters(filters);

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Events"
        description="Sign-ins, password changes, administrator changes and exports in your organisation. Times are in UTC."
        actions={
          can(admin.level, 'events.export') && (
            <ExportCsvButton href={withQuery('/events/export', query)} />
          )
        }
      />

      <Card>
        <CardContent>
          <EventFilters filters={filters} actors={actors} />
        </CardContent>
      </Card>

      {errors.length > 0 && (
        <Alert variant="warning" title="Some filters could not be applied">
          <ul className="list-disc pl-5">
            {errors.map((error) => (
              <li key={error.field + error.message}>{error.message}</li>
            ))}
          </ul>
        </Alert>
      )}

      <Card>
        {page.rows.length === 0 ? (
          filtered ? (
            <EmptyState
              icon={SearchX}
              title="No events match these filters"
              description="Try other words, another type, actor or period."
              action={
                <Button asChild variant="outline">
                  <Link href="/events">Clear filters</Link>
                </Button>
              }
            />
          ) : (
            <EmptyState icon={History} title="No events yet" description="Sign-ins and changes will appear here as they happen." />
          )
        ) : (
          <>
            <p data-result-summary="" className="border-b border-line px-4 py-3 text-sm font-medium text-ink">
              {formatEventCount(total)}
            </p>
            <EventsTable rows={page.rows} />
          </>
        )}
        <Pager
          label="Pages of events"
          links={{
            first: page.newerCursor || (filters.cursor !== undefined && page.rows.length === 0) ? withQuery('/events', query) : null,
            previous: page.newerCursor && withQuery('/events', auditFiltersToSearchParams({ ...filters, cursor: page.newerCursor }, { withCursor: true })),
            next: page.nextCursor && withQuery('/events', auditFiltersToSearchParams({ ...filters, cursor: page.nextCursor }, { withCursor: true })),
          }}
        />
      </Card>
    </div>
  );
}
