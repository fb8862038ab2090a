import { MailX, SearchX } from '@/components/ui/icons';
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { AddSuppressionButton, RemoveSuppressionButton, SoftBounceSettingsForm } from '@/components/suppressions/suppression-actions';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { ExportCsvButton } from '@/components/ui/export-csv-button';
import { PageHeader } from '@/components/ui/page-header';
import { SearchBox } from '@/components/ui/search-box';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { getDb } from '@/db/client';
import { can } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';
import { formatDateTime } from '@/lib/format';
import { reasonLabel } from '@/lib/suppressions/labels';
import { decodeCursor, getSoftBounceSettings, listSuppressions, SOURCE_LABELS } from '@/lib/suppressions/suppressions';

export const metadata: Metadata = { title: 'Suppressions · Sealpost' };

const PAGE_SIZE = 50;

function param(raw: Record<string, string | string[] | undefined>, key: string, max: number): string {
  const value = raw[key];
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

function href(q: string, after?: string): string {
  const search = new URLSearchParams();
  if (q) search.set('q', q);
  if (after) search.set('after', after);
  const query = search.toString();
  return `/suppressions${query ? `?${query}` : ''}`;
}

export default async function SuppressionsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const admin = await requireAdminPage('suppressions.view');
  const raw = await searchParams;
  const q = param(raw, 'q', 254);
  const afterText = param(raw, 'after', 100);
  const after = afterText ? decodeCursor(afterText) : null;
  const db = getDb();
  const [page, settings] = await Promise.all([listSuppressions(db, admin.orgId, { search: q || undefined, after, limit: PAGE_SIZE }), getSoftBounceSettings(db, admin.orgId)]);
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
      <Card className="overflow-hidden">
        <div className="border-b border-line p-4">
          <SearchBox label="Search suppressions" placeholder="Search an address, a reason or a diagnostic" />
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
          <Table aria-label="Suppressed addresses">
            <TableHeader>
              <TableRow>
                <TableHead>Address</TableHead>
                <TableHead>Cause</TableHead>
                <TableHead>Reason</TableHead>
                <TableHead>Added</TableHead>
                {canManage && (
                  <TableHead>
                    <span className="sr-only">Actions</span>
                  </TableHead>
                )}
              </TableRow>
            </TableHeader>
            <TableBody>
              {page.rows.map((row) => (
                <TableRow key={row.id}>
                  <TableCell className="font-medium">{row.address}</TableCell>
                  <TableCell className="whitespace-nowrap">
                    <Badge variant={row.source === 'manual' ? 'neutral' : row.source === 'soft_bounces' ? 'warning' : 'danger'}>{SOURCE_LABELS[row.source]}</Badge>
                  </TableCell>
                  <TableCell>
                    <div>{reasonLabel(row.reason)}</div>
                    {row.detail && <div className="max-w-md truncate text-sm text-muted" title={row.detail}>{row.detail}</div>}
                  </TableCell>
                  <TableCell className="whitespace-nowrap text-muted">
                    {formatDateTime(row.createdAt)}
                    <div className="text-xs">{row.createdBy}</div>
                  </TableCell>
                  {canManage && (
                    <TableCell>
                      <RemoveSuppressionButton id={row.id} address={row.address} />
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        {(after || page.next) && (
          <nav aria-label="Pages" className="flex items-center justify-between gap-2 border-t border-line p-4 text-sm">
            {after ? (
              <Link href={href(q)} className="font-medium text-brand-600 hover:underline">
                First page
              </Link>
            ) : (
              <span />
            )}
            {page.next && (
              <Link href={href(q, page.next)} className="font-medium text-brand-600 hover:underline">
                Next page
              </Link>
            )}
          </nav>
        )}
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
