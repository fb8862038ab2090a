'use client';

import { createColumnHelper } from '@tanstack/react-table';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import { extendMessagesAction, recallMessagesAction } from '@/app/(admin)/secure-messages/actions';
import type { SortLinks } from '@/components/data-table/meta';
import { selectionColumn, SelectableTableView, SelectionBar, useSelectableTable, type SelectableFeatures } from '@/components/data-table/selectable';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { Label } from '@/components/ui/label';
import { Textarea } from '@/components/ui/textarea';
import { ROUTE_LABELS } from '@/lib/delivery/routes';
import { BULK_CAP, type BulkSelection } from '@/lib/lists/bulk-selection';
import { toastBulkOutcome } from '@/components/data-table/bulk-toast';
import { plural } from '@/lib/format';
import type { MonitoredMessage } from '@/lib/messaging/monitoring';
import { MessageStateBadges } from './status-badge';
import { None } from '@/components/data-table/none';

/** A row as the browser gets it: the message's summary with its time already written out. */
export type MessageTableRow = Omit<MonitoredMessage, 'sentAt' | 'expiresAt' | 'extendedAt'> & { day: string; time: string; iso: string; logHref: string; selected: boolean };

type Meta = { canManage: boolean };
const NOUN = { one: 'message', many: 'messages' };

/** Long recipient lists stay one line or two; the panel shows them all. */
function Recipients({ emails }: { emails: string[] }) {
  if (emails.length === 0) return <None />;
  const shown = emails.slice(0, 2).join(', ');
  return <>{emails.length > 2 ? `${shown} and ${emails.length - 2} more` : shown}</>;
}

const helper = createColumnHelper<SelectableFeatures, MessageTableRow>();
const columns = helper.columns([
  selectionColumn<MessageTableRow>((row) => `"${row.subject}"`),
  helper.accessor('iso', {
    header: 'Time (UTC)',
    meta: { nowrap: true, label: 'Time (UTC)' },
    // Date over time keeps the column narrow enough for whole email addresses beside it.
    cell: ({ row }) => (
      <time dateTime={row.original.iso} className="grid text-muted">
        <span>{row.original.day}</span>
        <span className="text-xs">{row.original.time}</span>
      </time>
    ),
  }),
  helper.accessor('from', { header: 'From', cell: ({ row }) => <span className="[overflow-wrap:anywhere]">{row.original.from}</span> }),
  helper.accessor('to', { header: 'To', cell: ({ row }) => <span className="[overflow-wrap:anywhere]"><Recipients emails={row.original.to} /></span> }),
  helper.accessor('subject', {
    header: 'Subject',
    meta: { label: 'Subject' },
    cell: ({ row }) => <span className="block max-w-80 min-w-40 [overflow-wrap:anywhere]">{row.original.subject}</span>,
  }),
  helper.display({ id: 'states', header: 'Status', meta: { label: 'Status' }, cell: ({ row }) => <MessageStateBadges message={row.original} /> }),
  helper.accessor('policyName', {
    header: 'Policy',
    cell: ({ row }) => (
      <span className="block min-w-28">
        {row.original.policyName ?? <None />}
        {row.original.connectorName && <span className="block text-xs text-muted">by mail gateway · {row.original.connectorName}</span>}
      </span>
    ),
  }),
  helper.accessor('routes', {
    header: 'Route',
    cell: ({ row }) => {
      const { routes } = row.original;
      if (routes.length === 0) return <None />;
      return (
        <ul className="grid min-w-36 gap-0.5">
          {routes.slice(0, 2).map((r) => (
            <li key={r.email}>
              <span className="sr-only">{r.email}: </span>
              {ROUTE_LABELS[r.route]}
            </li>
          ))}
          {routes.length > 2 && <li className="text-xs text-muted">and {routes.length - 2} more</li>}
        </ul>
      );
    },
  }),
  helper.display({
    id: 'log',
    header: () => <span className="sr-only">Log</span>,
    meta: { control: true },
    cell: ({ row }) => (
      <Button asChild variant="outline" size="sm">
        <Link
          href={row.original.logHref}
          scroll={false}
          data-message-link={row.original.id}
          aria-label={`View log of "${row.original.subject}"`}
          aria-current={row.original.selected ? 'true' : undefined}
          // The link covers its row: a click anywhere on the row opens the log.
          className="after:absolute after:inset-0 after:content-['']"
        >
          View log
        </Link>
      </Button>
    ),
  }),
]);
const readOnlyColumns = columns.filter((c) => c.id !== 'select');

type Bulk = { action: 'recall' | 'extend'; selection: BulkSelection; count: number };

/**
 * The organisation's messages, newest first. "View log" opens the message's log (?message=<id>,
 * loaded by the server, so the URL can be shared); it covers its row, so a click anywhere on the
 * row follows it. Levels 1–2 select messages to recall or extend
 * them together, with a reason that goes into each message's log.
 */
export function MessagesTable({
  rows,
  sortLinks,
  total,
  totalLabel,
  matching,
  canManage,
}: {
  rows: MessageTableRow[];
  sortLinks: SortLinks;
  total: number;
  totalLabel: string;
  matching: { q: string; filters: Record<string, string> };
  canManage: boolean;
}) {
  const router = useRouter();
  const [bulk, setBulk] = useState<Bulk | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const { table, selectedIds, clearSelection } = useSelectableTable({
    columns: canManage ? columns : readOnlyColumns,
    rows,
    rowId: (row) => row.id,
    hidden: [],
    canSelect: canManage,
    meta: { canManage } satisfies Meta,
  });
  const open = (action: Bulk['action'], selection: BulkSelection, count: number, button: HTMLElement) => {
    opener.current = button;
    setBulk({ action, selection, count });
  };

  return (
    <>
      <SelectionBar
        selectedIds={selectedIds}
        pageCount={rows.length}
        total={total}
        totalLabel={totalLabel}
        matching={matching}
        noun={NOUN}
        onClear={clearSelection}
        actions={(selection, count) => (
          <>
            <Button variant="outline" size="sm" aria-haspopup="dialog" onClick={(e) => open('extend', selection, count, e.currentTarget)}>
              Extend selected
            </Button>
            <Button variant="danger" size="sm" aria-haspopup="dialog" onClick={(e) => open('recall', selection, count, e.currentTarget)}>
              Recall selected
            </Button>
          </>
        )}
      />
      <SelectableTableView table={table} label="Secure messages, newest first" sortLinks={sortLinks} />
      {bulk && (
        <BulkDialog
          key={`${bulk.action}-${bulk.count}`}
          bulk={bulk}
          capped={bulk.selection.mode === 'matching' && total > BULK_CAP}
          onClose={() => {
            setBulk(null);
            opener.current?.focus();
          }}
          onDone={() => {
            setBulk(null);
            clearSelection();
            router.refresh();
          }}
        />
      )}
    </>
  );
}

/** The confirmation of a bulk recall or extension: names the count, asks for the reason (and the days). */
function BulkDialog({ bulk, capped, onClose, onDone }: { bulk: Bulk; capped: boolean; onClose: () => void; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [days, setDays] = useState<1 | 7 | 30>(7);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const count = plural(bulk.count, 'message');
  const recall = bulk.action === 'recall';

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (reason.trim().length < 3) {
      setError('Say why, in a few words (at least 3 characters).');
      return;
    }
    setPending(true);
    setError(null);
    const result = recall
      ? await recallMessagesAction({ selection: bulk.selection, reason })
      : await extendMessagesAction({ selection: bulk.selection, reason, days });
    setPending(false);
    if (!result.ok) {
      setError(result.error.fieldErrors?.reason?.[0] ?? result.error.message);
      return;
    }
    const outcome = result.data;
    toastBulkOutcome(outcome, NOUN, recall ? 'recalled' : 'extended');
    onDone();
  };

  return (
    <Dialog open onOpenChange={(next) => !next && onClose()}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{recall ? `Recall ${count}?` : `Extend ${count}?`}</DialogTitle>
          <DialogDescription>
            {recall
              ? 'Their recipients can no longer open them, and their content is destroyed. This cannot be undone.'
              : 'Each expiry moves back from the later of now and its current expiry. Messages every recipient has read, recalled ones and ones that never expire are left as they are, and listed.'}
            {capped && ` Only the first ${BULK_CAP.toLocaleString('en-US')} matching are taken.`}
          </DialogDescription>
        </DialogHeader>
        <form onSubmit={submit} noValidate className="grid gap-4">
          <LiveAlert show={error} variant="danger">{error}</LiveAlert>
          {!recall && (
            <fieldset className="grid gap-2">
              <legend className="mb-1 text-sm font-medium">Extend by</legend>
              <div className="flex gap-4">
                {([1, 7, 30] as const).map((d) => (
                  <label key={d} className="flex items-center gap-2 text-sm">
                    <input type="radio" name="days" value={d} checked={days === d} onChange={() => setDays(d)} className="accent-brand-600" />
                    {d === 1 ? '1 day' : `${d} days`}
                  </label>
                ))}
              </div>
            </fieldset>
          )}
          <div className="grid gap-1.5">
            <Label htmlFor="bulk-reason">Reason</Label>
            <Textarea
              id="bulk-reason"
              required
              maxLength={500}
              aria-invalid={error ? true : undefined}
              aria-describedby="bulk-reason-hint"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
            <p id="bulk-reason-hint" className="text-xs text-muted">
              Written to each message&apos;s log and to the audit log.
            </p>
          </div>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" variant={recall ? 'danger' : 'primary'} loading={pending}>
              {recall ? `Recall ${count}` : `Extend ${count}`}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
