'use client';

import { createColumnHelper, rowSelectionFeature, tableFeatures, useTable, type RowSelectionState } from '@tanstack/react-table';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { deleteMessagesAction, markMessagesAction } from '@/app/secure/(portal)/actions';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { EmptyState } from '@/components/ui/empty-state';
import { Mail } from '@/components/ui/icons';
import { toast } from '@/components/ui/toast';
import type { PortalPreferences } from '@/db/schema';
import { plural } from '@/lib/format';
import type { BulkOutcome } from '@/lib/lists/bulk-selection';
import { MailboxRowLink, type MailboxRow } from './mailbox-list';

/** Selection only: the Inbox is a list, and TanStack Table is its row and selection model. */
const features = tableFeatures({ rowSelectionFeature });
const helper = createColumnHelper<typeof features, MailboxRow>();
const columns = helper.columns([helper.accessor('subject', {})]);

/**
 * The Inbox with a box on each message to mark several read or unread, or delete them, at once.
 * One client component for the whole list; the rows are the server's page.
 */
export function InboxList({ rows, preferences, now, emptyTitle }: { rows: MailboxRow[]; preferences: PortalPreferences; now: Date; emptyTitle: string }) {
  const router = useRouter();
  const [rowSelection, setRowSelection] = useState<RowSelectionState>({});
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  // A new page (or a refresh after a change) drops the selection: it was of the rows shown.
  const [rowsShown, setRowsShown] = useState(rows);
  if (rowsShown !== rows) {
    setRowsShown(rows);
    setRowSelection({});
  }
  const table = useTable({
    features,
    columns,
    data: rows,
    getRowId: (row) => row.id,
    enableRowSelection: true,
    state: { rowSelection },
    onRowSelectionChange: setRowSelection,
  });
  const ids = Object.keys(rowSelection).filter((id) => rowSelection[id]);
  const subjectOf = new Map(rows.map((r) => [r.id, r.locked ? 'a locked message' : r.subject || '(no subject)']));

  const report = (outcome: BulkOutcome, done: string) => {
    const refused = outcome.refused.map((r) => `${subjectOf.get(r.id) ?? r.id} — ${r.reason}`).join('; ');
    toast({
      title: `${plural(outcome.done, 'message')} ${done}`,
      description: refused ? `Not ${done}: ${refused}` : undefined,
      variant: refused ? 'error' : 'success',
      persist: refused !== '',
    });
    setRowSelection({});
    router.refresh();
  };
  const mark = async (read: boolean) => {
    setPending(true);
    const result = await markMessagesAction({ ids, read });
    setPending(false);
    if (!result.ok) {
      toast({ title: 'Nothing was changed', description: result.error.message, variant: 'error' });
      return;
    }
    report(result.data, read ? 'marked as read' : 'marked as unread');
  };

  if (rows.length === 0) {
    return (
      <Card className="p-6">
        <EmptyState icon={Mail} title={emptyTitle} />
      </Card>
    );
  }
  return (
    <Card className="overflow-hidden">
      <div role="region" aria-label="Selection" className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-line px-4 py-2 text-sm">
        <label className="flex items-center gap-2">
          <input
            type="checkbox"
            className="size-4 accent-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
            checked={table.getIsAllRowsSelected()}
            ref={(el) => {
              if (el) el.indeterminate = !table.getIsAllRowsSelected() && table.getIsSomeRowsSelected();
            }}
            onChange={table.getToggleAllRowsSelectedHandler()}
          />
          Select all on this page
        </label>
        {ids.length > 0 && (
          <>
            <span aria-live="polite" className="font-medium">
              {plural(ids.length, 'message')} selected
            </span>
            <span className="flex flex-wrap gap-2 sm:ml-auto">
              <Button variant="outline" size="sm" disabled={pending} onClick={() => mark(true)}>
                Mark as read
              </Button>
              <Button variant="outline" size="sm" disabled={pending} onClick={() => mark(false)}>
                Mark as unread
              </Button>
              <Button variant="danger" size="sm" disabled={pending} aria-haspopup="dialog" onClick={() => setConfirming(true)}>
                Delete
              </Button>
            </span>
          </>
        )}
      </div>
      <ul aria-label="Inbox" className="divide-y divide-line">
        {table.getRowModel().rows.map((row) => (
          <li key={row.id} className={`flex items-center ${row.getIsSelected() ? 'bg-brand-50' : ''}`}>
            <span className="pl-4">
              <input
                type="checkbox"
                aria-label={`Select ${row.original.locked ? `the locked message from ${row.original.counterpart}` : `"${row.original.subject}" from ${row.original.counterpart}`}`}
                className="size-4 accent-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
                checked={row.getIsSelected()}
                onChange={row.getToggleSelectedHandler()}
              />
            </span>
            <MailboxRowLink row={row.original} unreadMatters preferences={preferences} now={now} />
          </li>
        ))}
      </ul>
      {confirming && (
        <ConfirmDialog
          open
          onOpenChange={(open) => !open && setConfirming(false)}
          title={`Delete ${plural(ids.length, 'message')}?`}
          description="They leave your inbox. Once everyone has deleted a message it is destroyed for good."
          confirmLabel={`Delete ${plural(ids.length, 'message')}`}
          destructive
          onConfirm={async () => {
            const result = await deleteMessagesAction({ ids });
            if (!result.ok) throw new Error(result.error.message);
            report(result.data, 'deleted');
          }}
        />
      )}
    </Card>
  );
}
