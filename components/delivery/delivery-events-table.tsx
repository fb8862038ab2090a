import { ariaSort, SortableHeader } from '@/components/data-table/sortable-header';
import { Table, TableBody, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { deliverySearchToParams, withQuery, type DeliverySearchParams, type DeliverySort } from '@/lib/delivery/search-params';
import { DeliveryEventRows, type DeliveryEventView } from './delivery-event-rows';

const COLUMNS: { sort: DeliverySort | null; label: string }[] = [
  { sort: 'time', label: 'Time (UTC)' },
  { sort: 'message', label: 'Message ID' },
  { sort: 'sender', label: 'Sender' },
  { sort: 'recipient', label: 'Recipient' },
  { sort: 'event', label: 'Event' },
  { sort: 'method', label: 'Method' },
  { sort: 'route', label: 'Route' },
  { sort: 'server', label: 'Remote server' },
  { sort: 'code', label: 'SMTP code' },
  { sort: 'reason', label: 'Reason' },
];

const SORT_LABELS: Record<DeliverySort, string> = {
  time: 'time',
  message: 'message ID',
  sender: 'sender',
  recipient: 'recipient',
  event: 'event',
  method: 'method',
  route: 'route',
  server: 'remote server',
  code: 'SMTP code',
  reason: 'reason',
};

export function DeliveryEventsTable({ rows, params }: { rows: DeliveryEventView[]; params: DeliverySearchParams }) {
  const caption = `Delivery events, by ${SORT_LABELS[params.sort]}, ${params.dir === 'asc' ? 'ascending' : 'descending'}`;
  return (
    <Table aria-label={caption}>
      <TableHeader>
        <TableRow>
          <TableHead>
            <span className="sr-only">Details</span>
          </TableHead>
          {COLUMNS.map((column) => {
            if (!column.sort) return <TableHead key={column.label}>{column.label}</TableHead>;
            const active = params.sort === column.sort;
            // Click again to reverse; a new column starts ascending. A new sort starts at page one.
            const dir = active && params.dir === 'asc' ? 'desc' : 'asc';
            const href = withQuery('/delivery-events', deliverySearchToParams({ ...params, sort: column.sort, dir }));
            return (
              <TableHead key={column.label} aria-sort={ariaSort(active ? params.dir : undefined)}>
                <SortableHeader label={column.label} href={href} active={active ? params.dir : undefined} />
              </TableHead>
            );
          })}
        </TableRow>
      </TableHeader>
      <TableBody>
        <DeliveryEventRows rows={rows} open={params.open} />
      </TableBody>
    </Table>
  );
}
