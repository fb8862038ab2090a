import Link from 'next/link';
import { Badge, type BadgeProps } from '@/components/ui/badge';
import { createColumnHelper } from '@tanstack/table-core';
import { DataTable, type ServerFeatures } from '@/components/data-table/data-table';
import { auditLabel, type AuditAction } from '@/lib/audit/catalog';
import { auditActorLabel, type AuditEventRow } from '@/lib/audit/queries';
import { formatDateTime } from '@/lib/format';
import { None } from '@/components/data-table/none';

const tones: Partial<Record<AuditAction, BadgeProps['variant']>> = {
  'auth.sign_in_failed': 'danger',
  'administrators.deactivated': 'warning',
  'events.exported': 'brand',
};

const column = createColumnHelper<ServerFeatures, AuditEventRow>();
/** Built once per process (TanStack column definitions), rendered on the server. */
const columns = column.columns([
  column.accessor('occurredAt', {
    header: 'Time (UTC)',
    meta: { nowrap: true },
    // The row's way to its detail page, by keyboard too: the time names the event.
    cell: ({ row }) => (
      <Link href={`/events/${row.original.id}`} className="font-medium text-brand-700 underline-offset-2 hover:underline">
        <time dateTime={row.original.occurredAt.toISOString()}>{formatDateTime(row.original.occurredAt)}</time>
        <span className="sr-only">, {auditLabel(row.original.action)}: details</span>
      </Link>
    ),
  }),
  column.display({ id: 'actor', header: 'Actor', meta: { nowrap: true }, cell: ({ row }) => auditActorLabel(row.original) || <None /> }),
  column.accessor('action', {
    header: 'Action',
    cell: ({ row }) => <Badge variant={tones[row.original.action as AuditAction] ?? 'neutral'}>{auditLabel(row.original.action)}</Badge>,
  }),
  column.accessor('targetLabel', {
    header: 'Target',
    cell: ({ row }) => <span className="block max-w-72 min-w-56 [overflow-wrap:anywhere]">{row.original.targetLabel || <None />}</span>,
  }),
  column.accessor('summary', { header: 'Summary', cell: ({ row }) => <span className="block min-w-64">{row.original.summary}</span> }),
  column.accessor('clientAddress', {
    header: 'Client address',
    meta: { nowrap: true },
    cell: ({ row }) => <span className="font-mono text-xs">{row.original.clientAddress || <None />}</span>,
  }),
]);

export function EventsTable({ rows }: { rows: AuditEventRow[] }) {
  return <DataTable label="Events, newest first" columns={columns} rows={rows} rowId={(row) => String(row.id)} />;
}
