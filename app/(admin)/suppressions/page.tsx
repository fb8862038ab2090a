import { MailX, SearchX } from '@/components/ui/icons';
import { createColumnHelper } from '@tanstack/table-core';
import type { Metadata } from 'next';
import { connection } from 'next/server';
import { AddSuppressionButton, RemoveSuppressionButton, SoftBounceSettingsForm } from '@/components/suppressions/suppression-actions';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { ExportCsvButton } from '@/components/ui/export-csv-button';
import { PageHeader } from '@/components/ui/page-header';
import { SearchBox } from '@/components/ui/search-box';
import { CopyButtons } from '@/components/data-table/copy-buttons';
import { DataTable, type ServerFeatures } from '@/components/data-table/data-table';
import { Pager } from '@/components/data-table/pager';
import { FittedText } from '@/components/data-table/table-view';
import { getDb } from '@/db/client';
import { can } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';
import { formatDateTime } from '@/lib/format';
import { reasonLabel } from '@/lib/suppressions/labels';
import { rangeLabel } from '@/lib/lists/count';
import { suppressionList } from '@/lib/suppressions/suppression-list';
import { getSoftBounceSettings, listSuppressions, SOURCE_LABELS, type SuppressionRow } from '@/lib/suppressions/suppressions';

export const metadata: Metadata = { title: 'Suppressions · Sealpost' };

type Row = SuppressionRow;
const column = createColumnHelper<ServerFeatures, Row>();
/** Built once per process (TanStack column definitions), rendered on the server. */
const columns = column.columns([
  column.accessor('address', { header: 'Address', meta: { primary: true, copy: true } }),
  column.accessor('source', {
    header: 'Cause',
    meta: { nowrap: true },
    cell: ({ row }) => (
      <Badge variant={row.original.source === 'manual' ? 'neutral' : row.original.source === 'soft_bounces' ? 'warning' : 'danger'}>{SOURCE_LABELS[row.original.source]}</Badge>
    ),
  }),
  column.accessor('reason', {
    header: 'Reason',
    cell: ({ row }) => (
      <>
        <div>{reasonLabel(row.original.reason)}</div>
        {row.original.detail && (
          <div className="text-sm text-muted">
            <FittedText text={row.original.detail} />
          </div>
        )}
      </>
    ),
  }),
  column.accessor('createdAt', {
    header: 'Added',
    meta: { nowrap: true },
    cell: ({ row }) => (
      <span className="text-muted">
        {formatDateTime(row.original.createdAt)}
        <span className="block text-xs">{row.original.createdBy}</span>
      </span>
    ),
  }),
  column.display({
    id: 'actions',
    header: () => <span className="sr-only">Actions</span>,
    meta: { control: true },
    cell: ({ row }) => <RemoveSuppressionButton id={row.original.id} address={row.original.address} />,
  }),
]);
const readOnlyColumns = columns.filter((c) => c.id !== 'actions');

export default async function SuppressionsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const admin = await requireAdminPage('suppressions.view');
  const raw = await searchParams;
  const state = suppressionList.parse(raw);
  const { q } = state;
  const after = state.page !== undefined;
  const db = getDb();
  const [page, settings] = await Promise.all([
    listSuppressions(db, admin.orgId, { search: q || undefined, position: state.page, limit: suppressionList.pageSize }),
    getSoftBounceSettings(db, admin.orgId),
  ]);
  const canManage = can(admin.level, 'suppressions.manage');

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Suppressions"
        description={`Addresses your organisation's mail is no longer sent to. A hard bounce (the address does not exist) or a complaint adds an address at once; soft bounces add it after ${settings.softBounceLimit} in a row within ${settings.softBounceDays} days. Notifications to a suppressed address are skipped and the delivery log says why.`}
        actions={
          <div className="flex flex-wrap gap-2">
            <ExportCsvButton href={`/suppressions/export${q ? `?q=${encodeURIComponent(q)}` : ''}`} unavailable={page.rows.length === 0 && !after ? 'There is nothing to export.' : null} />
            {canManage && <AddSuppressionButton />}
          </div>
        }
      />
      <CopyButtons />
      <Card className="overflow-hidden">
        <div className="border-b border-line p-4">
          <SearchBox label="Search suppressions" placeholder="Search an address, a reason or a diagnostic" resultCount={page.rows.length} moreResults={page.next !== null} />
        </div>
        {page.rows.length === 0 ? (
          <div className="p-6">
            {q ? (
              <EmptyState icon={SearchX} title="No suppressed address matches your search" description="Check the spelling, or search another part of the address." />
            ) : after ? (
              <EmptyState icon={MailX} title="No more suppressed addresses" description="Go back to the first page." />
            ) : (
              <EmptyState icon={MailX} title="No suppressed addresses" description="Addresses appear here when they bounce for good, complain, or keep bouncing." />
            )}
          </div>
        ) : (
          <DataTable
            label="Suppressed addresses"
            columns={canManage ? columns : readOnlyColumns}
            rows={page.rows}
            rowId={(row) => row.id}
          />
        )}
        <Pager range={page.rows.length > 0 ? rangeLabel(page.start, page.rows.length, null) : undefined} links={suppressionList.pagerLinks(state, page)} />
      </Card>
      {canManage && (
        <Card className="p-6">
          <h2 className="text-base font-semibold">Soft bounces</h2>
          <p className="mb-4 text-sm text-muted">A full mailbox or a temporary block is not a dead address: it is suppressed only when it keeps bouncing, with no delivery in between.</p>
          <SoftBounceSettingsForm softBounceLimit={settings.softBounceLimit} softBounceDays={settings.softBounceDays} />
        </Card>
      )}
    </div>
  );
}
