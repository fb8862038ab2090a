import Link from 'next/link';
import { Badge, type BadgeProps } from '@/components/ui/badge';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { auditLabel, type AuditAction } from '@/lib/audit/catalog';
import { auditActorLabel, type AuditEventRow } from '@/lib/audit/queries';
import { formatDateTime } from '@/lib/format';

const tones: Partial<Record<AuditAction, BadgeProps['variant']>> = {
  'auth.sign_in_failed': 'danger',
  'administrators.deactivated': 'warning',
  'events.exported': 'brand',
};

function None() {
  return (
    <>
      <span aria-hidden className="text-muted">
        —
      </span>
      <span className="sr-only">None</span>
    </>
  );
}

export function EventsTable({ rows }: { rows: AuditEventRow[] }) {
  return (
    <Table aria-label="Events, newest first">
      <TableHeader>
        <TableRow>
          <TableHead>Time (UTC)</TableHead>
          <TableHead>Actor</TableHead>
          <TableHead>Action</TableHead>
          <TableHead>Target</TableHead>
          <TableHead>Summary</TableHead>
          <TableHead>Client address</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.id}>
            <TableCell className="whitespace-nowrap">
              {/* The row's way to its detail page, by keyboard too: the time names the event. */}
              <Link href={`/events/${row.id}`} className="font-medium text-brand-700 underline-offset-2 hover:underline">
                <time dateTime={row.occurredAt.toISOString()}>{formatDateTime(row.occurredAt)}</time>
                <span className="sr-only">, {auditLabel(row.action)}: details</span>
              </Link>
            </TableCell>
            <TableCell className="whitespace-nowrap">{auditActorLabel(row) || <None />}</TableCell>
            <TableCell>
              <Badge variant={tones[row.action as AuditAction] ?? 'neutral'}>{auditLabel(row.action)}</Badge>
            </TableCell>
            <TableCell className="max-w-72 min-w-56 [overflow-wrap:anywhere]">{row.targetLabel || <None />}</TableCell>
            <TableCell className="min-w-64">{row.summary}</TableCell>
            <TableCell className="whitespace-nowrap font-mono text-xs">{row.clientAddress || <None />}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
