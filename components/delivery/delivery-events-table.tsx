import type { ReactNode } from 'react';
import { createColumnHelper } from '@tanstack/table-core';
import { DataTable, type ServerFeatures } from '@/components/data-table/data-table';
import { DetailToggle } from '@/components/data-table/detail-toggle';
import type { SortLinks } from '@/components/data-table/meta';
import { FittedText } from '@/components/data-table/table-view';
import { Badge, type BadgeProps } from '@/components/ui/badge';
import { deliverySearchToParams, withQuery, type DeliverySearchParams, type DeliverySort } from '@/lib/delivery/search-params';
import { None } from '@/components/data-table/none';

/** A delivery event as the table shows it: plain values, formatted on the server. */
export type DeliveryEventView = {
  id: number;
  occurredAtIso: string;
  occurredAtText: string;
  messageId: string;
  sender: string;
  recipient: string;
  event: string;
  method: string;
  /** The delivery route in words ("TLS, certificate verified"); '' for what was never sent. */
  route: string;
  /** "TLSv1.3, certificate verified"; '' without TLS facts. */
  tls: string;
  remoteServer: string;
  smtpCode: number | null;
  enhancedCode: string;
  diagnostic: string;
  bounceClass: 'hard' | 'soft' | null;
  /** The sender's class when it differs from Sealpost's. */
  reportedClass: 'hard' | 'soft' | null;
  reasonLabel: string;
  /** Plain words: what happened, whose side, whether it is retried, what to do. */
  happened: string;
  side: string;
  retry: string;
  todo: string;
  /** The enhanced code's meaning (RFC 3463). */
  explanation: string;
  dsnAction: string;
  source: string;
};

const tones: Record<string, BadgeProps['variant']> = {
  delivered: 'success',
  bounced: 'danger',
  rejected: 'danger',
  dropped: 'danger',
  deferred: 'warning',
  opened: 'brand',
  complained: 'danger',
  unparsed: 'warning',
};

const SOURCES: Record<string, string> = { provider: 'Email provider', ingest: 'Ingest API', gateway: 'Sealpost gateway' };

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

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid gap-0.5">
      <dt className="text-xs font-medium uppercase tracking-wide text-muted">{label}</dt>
      <dd className="[overflow-wrap:anywhere]">{children}</dd>
    </div>
  );
}

const detailId = (rowId: string) => `delivery-event-${rowId}`;
const codeOf = (row: DeliveryEventView) => [row.smtpCode, row.enhancedCode].filter((part) => part !== null && part !== '').join(' ');

const column = createColumnHelper<ServerFeatures, DeliveryEventView>();
/** Built once per process (TanStack column definitions), rendered on the server. */
const columns = column.columns([
  column.display({
    id: 'details',
    header: () => <span className="sr-only">Details</span>,
    meta: { control: true },
    cell: ({ row }) => (
      <DetailToggle controls={detailId(row.id)} label={`Details for ${row.original.messageId} to ${row.original.recipient}`} initiallyOpen={row.getIsExpanded()} />
    ),
  }),
  column.accessor('occurredAtText', {
    id: 'time',
    header: 'Time (UTC)',
    meta: { primary: true, nowrap: true, sort: 'time' },
    cell: ({ row }) => (
      <time dateTime={row.original.occurredAtIso} className="font-normal text-muted">
        {row.original.occurredAtText}
      </time>
    ),
  }),
  // Ids and addresses: cut to their column with the full text on hover and focus, and a copy button.
  column.accessor('messageId', { id: 'message', header: 'Message ID', meta: { copy: true, sort: 'message' } }),
  column.accessor('sender', { header: 'Sender', meta: { copy: true, sort: 'sender' } }),
  column.accessor('recipient', { header: 'Recipient', meta: { copy: true, sort: 'recipient' } }),
  column.accessor('event', { header: 'Event', meta: { sort: 'event' }, cell: ({ row }) => <Badge variant={tones[row.original.event] ?? 'neutral'}>{row.original.event}</Badge> }),
  column.accessor('method', { header: 'Method', meta: { nowrap: true, sort: 'method' } }),
  column.accessor('route', { header: 'Route', meta: { nowrap: true, sort: 'route' }, cell: ({ row }) => row.original.route || <None /> }),
  column.accessor('remoteServer', {
    id: 'server',
    header: 'Remote server',
    meta: { truncate: true, sort: 'server' },
    cell: ({ row }) => (row.original.remoteServer ? <FittedText text={row.original.remoteServer} /> : <None />),
  }),
  column.accessor(codeOf, { id: 'code', header: 'SMTP code', meta: { nowrap: true, sort: 'code' }, cell: ({ row }) => <span className="font-mono text-xs">{codeOf(row.original) || <None />}</span> }),
  column.accessor('reasonLabel', {
    id: 'reason',
    header: 'Reason',
    meta: { nowrap: true, sort: 'reason' },
    cell: ({ row }) =>
      row.original.reasonLabel ? (
        <span className="inline-flex items-center gap-1">
          {row.original.reasonLabel}
          {row.original.bounceClass && <Badge variant={row.original.bounceClass === 'hard' ? 'danger' : 'warning'}>{row.original.bounceClass}</Badge>}
        </span>
      ) : (
        <None />
      ),
  }),
]);

/** Everything about one event, under its row: where it went, how, and the bounce in plain words. */
function EventDetail({ row }: { row: DeliveryEventView }) {
  return (
    <>
      <dl className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Field label="Time (UTC)">{row.occurredAtText}</Field>
        <Field label="Message ID">
          <span className="font-mono text-xs">{row.messageId}</span>
        </Field>
        <Field label="Sender">{row.sender}</Field>
        <Field label="Recipient">{row.recipient}</Field>
        <Field label="Event">{row.event}</Field>
        <Field label="Delivery method">{row.method}</Field>
        <Field label="Route">{row.route || <None />}</Field>
        <Field label="TLS">{row.tls || <None />}</Field>
        <Field label="Remote server">{row.remoteServer || <None />}</Field>
        <Field label="Source">{SOURCES[row.source] ?? row.source}</Field>
      </dl>
      <section aria-label={`Bounce diagnostics for ${row.recipient}`} className="mt-4 border-t border-line pt-4">
        <h2 className="mb-2 text-sm font-semibold text-ink">Bounce diagnostics</h2>
        {row.happened && (
          <dl className="mb-4 grid gap-3 sm:grid-cols-2">
            <Field label="What happened">{row.happened}</Field>
            {row.side && <Field label="Whose side">{row.side}</Field>}
            <Field label="Will it be retried?">{row.retry}</Field>
            {row.todo && <Field label="What to do">{row.todo}</Field>}
          </dl>
        )}
        <dl className="grid gap-3 sm:grid-cols-4">
          <Field label="Reason">{row.reasonLabel || <None />}</Field>
          <Field label="Bounce class">
            {row.bounceClass ?? <None />}
            {row.reportedClass && <span className="text-muted"> (the sender said {row.reportedClass})</span>}
          </Field>
          <Field label="SMTP code">{row.smtpCode ?? <None />}</Field>
          <Field label="Enhanced status code">{row.enhancedCode || <None />}</Field>
          {row.dsnAction && <Field label="Report action">{row.dsnAction}</Field>}
        </dl>
        {row.explanation && <p className="mt-3 text-sm text-muted">Status code: {row.explanation}</p>}
        <div className="mt-2">
          <p className="text-xs font-medium uppercase tracking-wide text-muted">The remote server said</p>
          <pre className="mt-1 whitespace-pre-wrap rounded bg-surface p-2 font-mono text-xs [overflow-wrap:anywhere]">{row.diagnostic || '(nothing)'}</pre>
        </div>
      </section>
    </>
  );
}

/** Each column's header link: click again to reverse; a new column starts ascending; a new sort starts at page one. */
function sortLinks(params: DeliverySearchParams): SortLinks {
  return Object.fromEntries(
    (Object.keys(SORT_LABELS) as DeliverySort[]).map((sort) => {
      const active = params.sort === sort;
      const dir = active && params.dir === 'asc' ? 'desc' : 'asc';
      return [sort, { href: withQuery('/delivery-events', deliverySearchToParams({ ...params, sort, dir })), active: active ? params.dir : undefined }];
    }),
  );
}

/**
 * The delivery log's rows on the one data table (components/data-table), rendered on the server;
 * only each row's caret runs in the browser. A row's detail (the diagnostics) is a row under it,
 * open when the URL names it (`open`) or its caret is pressed.
 */
export function DeliveryEventsTable({ rows, params }: { rows: DeliveryEventView[]; params: DeliverySearchParams }) {
  const label = `Delivery events, by ${SORT_LABELS[params.sort]}, ${params.dir === 'asc' ? 'ascending' : 'descending'}`;
  return (
    <DataTable
      label={label}
      columns={columns}
      rows={rows}
      rowId={(row) => String(row.id)}
      sortLinks={sortLinks(params)}
      expanded={params.open !== undefined ? [String(params.open)] : []}
      detail={{ id: detailId, render: (row) => <EventDetail row={row} /> }}
    />
  );
}
