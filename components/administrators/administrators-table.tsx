'use client';

import { createColumnHelper } from '@tanstack/react-table';
import { useRouter } from 'next/navigation';
import { useRef, useState, type ReactNode } from 'react';
import { deactivateAdministratorsAction } from '@/app/(admin)/administrators/actions';
import { withStepUp } from '@/components/auth/step-up';
import { ColumnChooser } from '@/components/data-table/column-chooser';
import { selectionColumn, SelectableTableView, SelectionBar, useSelectableTable, type SelectableFeatures } from '@/components/data-table/selectable';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { toastBulkOutcome } from '@/components/data-table/bulk-toast';
import { plural } from '@/lib/format';

/**
 * A row of the administrators list. The cells with their own controls (name and badges, email
 * with a pending change, the row's actions) are rendered on the server and passed as nodes; the
 * list is one organisation's administrators, never long.
 */
export type AdministratorRow = {
  id: string;
  name: string;
  phone: string;
  level: string;
  status: string;
  lastSignIn: string;
  /** Active and not you: can be deactivated. */
  selectable: boolean;
  nameCell: ReactNode;
  emailCell: ReactNode;
  statusCell: ReactNode;
  actions: ReactNode;
};

const NOUN = { one: 'administrator', many: 'administrators' };
const helper = createColumnHelper<SelectableFeatures, AdministratorRow>();
const columns = helper.columns([
  selectionColumn<AdministratorRow>((row) => row.name),
  helper.accessor('name', { header: 'Name', meta: { primary: true }, cell: ({ row }) => row.original.nameCell }),
  helper.display({ id: 'email', header: 'Email', meta: { label: 'Email' }, cell: ({ row }) => row.original.emailCell }),
  helper.accessor('phone', { header: 'Phone', meta: { nowrap: true } }),
  helper.accessor('level', { header: 'Level', meta: { nowrap: true } }),
  helper.display({ id: 'status', header: 'Status', meta: { label: 'Status' }, cell: ({ row }) => row.original.statusCell }),
  helper.accessor('lastSignIn', { header: 'Last sign-in', meta: { nowrap: true } }),
  helper.display({ id: 'actions', header: () => <span className="sr-only">Actions</span>, meta: { control: true }, cell: ({ row }) => row.original.actions }),
]);
const readOnlyColumns = columns.filter((c) => c.id !== 'actions' && c.id !== 'select');

export const ADMINISTRATOR_COLUMN_CHOICES = [
  { id: 'phone', label: 'Phone' },
  { id: 'level', label: 'Level' },
  { id: 'lastSignIn', label: 'Last sign-in' },
];

/** The administrators, with "Deactivate selected" for those who can manage them. */
export function AdministratorsTable({ rows, hidden, canManage }: { rows: AdministratorRow[]; hidden: string[]; canManage: boolean }) {
  const router = useRouter();
  const [pending, setPending] = useState<string[] | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const { table, selectedIds, clearSelection, setHidden } = useSelectableTable({
    columns: canManage ? columns : readOnlyColumns,
    rows,
    rowId: (row) => row.id,
    hidden,
    canSelect: canManage ? (row) => row.selectable : false,
  });

  return (
    <>
      <div className="flex justify-end border-b border-line px-4 py-2">
        <ColumnChooser list="/administrators" columns={ADMINISTRATOR_COLUMN_CHOICES} hidden={hidden} onHiddenChange={setHidden} />
      </div>
      <SelectionBar
        selectedIds={selectedIds}
        pageCount={rows.length}
        total={rows.length}
        totalLabel={rows.length.toLocaleString('en-US')}
        noun={NOUN}
        onClear={clearSelection}
        actions={(selection) => (
          <Button
            variant="danger"
            size="sm"
            aria-haspopup="dialog"
            onClick={(e) => {
              opener.current = e.currentTarget;
              setPending(selection.mode === 'ids' ? selection.ids : []);
            }}
          >
            Deactivate selected
          </Button>
        )}
      />
      <SelectableTableView table={table} label="Administrators" />
      {pending && (
        <ConfirmDialog
          open
          onOpenChange={(open) => !open && setPending(null)}
          returnFocusTo={() => opener.current}
          title={`Deactivate ${plural(pending.length, 'administrator')}?`}
          description="They can no longer sign in and are signed out at once. Their records and history stay, and a level 1 administrator can reactivate them."
          confirmLabel={`Deactivate ${plural(pending.length, 'administrator')}`}
          destructive
          onConfirm={async () => {
            const result = await withStepUp(deactivateAdministratorsAction)({ ids: pending });
            if (!result.ok) throw new Error(result.error.message);
            const outcome = result.data;
            toastBulkOutcome(outcome, NOUN, 'deactivated');
            clearSelection();
            router.refresh();
          }}
        />
      )}
    </>
  );
}
