'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import { useForm } from 'react-hook-form';
import { createColumnHelper } from '@tanstack/react-table';
import { removeLicensedEmailAction, removeLicensedEmailsAction, renameLicensedEmailAction } from '@/app/(admin)/licensed-emails/actions';
import { ColumnChooser } from '@/components/data-table/column-chooser';
import type { SortLinks } from '@/components/data-table/meta';
import { selectionColumn, SelectableTableView, SelectionBar, useSelectableTable, type SelectableFeatures } from '@/components/data-table/selectable';
import { applyActionError } from '@/components/forms/action-errors';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { Download } from '@/components/ui/icons';
import { toast } from '@/components/ui/toast';
import { renameLicensedEmailSchema } from '@/lib/licensing/schemas';
import { BULK_CAP, type BulkSelection } from '@/lib/lists/bulk-selection';
import { toastBulkOutcome } from '@/components/data-table/bulk-toast';
import { plural } from '@/lib/format';
import { DomainSelect, LOCAL_PART_CLASS } from './domain-select';

export type LicensedEmailRow = { id: string; email: string; added: string };

type RenameValues = { id: string; local: string; domain: string };
type Target = { row: LicensedEmailRow; action: 'edit' | 'remove' } | { action: 'bulk-remove'; selection: BulkSelection; count: number };
type Meta = { canManage: boolean; canRename: boolean; show: (row: LicensedEmailRow, action: 'edit' | 'remove', button: HTMLElement) => void };

const NOUN = { one: 'address', many: 'addresses' };
const helper = createColumnHelper<SelectableFeatures, LicensedEmailRow>();
/** Built once: TanStack recomputes its models when `columns` changes identity. */
const columns = helper.columns([
  selectionColumn<LicensedEmailRow>((row) => row.email),
  helper.accessor('email', { header: 'Email address', meta: { primary: true, copy: true, sort: 'email' } }),
  helper.accessor('added', { header: 'Date added', meta: { nowrap: true, sort: 'added' } }),
  helper.display({
    id: 'actions',
    header: () => <span className="sr-only">Actions</span>,
    meta: { control: true },
    cell: ({ row, table }) => {
      const meta = table.options.meta as Meta;
      const { email } = row.original;
      return (
        <div className="flex justify-end gap-1">
          {meta.canRename && (
            <Button variant="ghost" size="sm" aria-label={`Edit ${email}`} aria-haspopup="dialog" onClick={(e) => meta.show(row.original, 'edit', e.currentTarget)}>
              Edit
            </Button>
          )}
          <Button variant="danger-ghost" size="sm" aria-label={`Remove ${email}`} aria-haspopup="dialog" onClick={(e) => meta.show(row.original, 'remove', e.currentTarget)}>
            Remove
          </Button>
        </div>
      );
    },
  }),
]);

/**
 * One page of licensed addresses: a selection box per row for the bulk actions (Remove, Export
 * selected), Edit and Remove on each row, the columns the administrator chose. The rows are plain
 * data and there is one Edit dialog and one Remove dialog for the whole page, opened for the row
 * whose button was pressed: a dialog and a form per row made every render of the page (and its
 * hydration) several times more expensive than the table itself.
 */
export function LicensedEmailsTable({
  rows,
  sortLinks,
  hidden,
  total,
  totalLabel,
  q,
  domains,
  canManage,
  canRename = canManage,
}: {
  rows: LicensedEmailRow[];
  /** The header links (sort), computed on the server. */
  sortLinks: SortLinks;
  /** Columns the administrator hides. */
  hidden: string[];
  /** Addresses matching the search (an estimate when large), and as shown. */
  total: number;
  totalLabel: string;
  q: string;
  domains: string[];
  canManage: boolean;
  /** False while the subscription is disabled: a rename hands the license on; removing still works. */
  canRename?: boolean;
}) {
  const router = useRouter();
  const [target, setTarget] = useState<Target | null>(null);
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLElement | null>(null);
  const returnFocus = () => opener.current;

  const show = (row: LicensedEmailRow, action: 'edit' | 'remove', button: HTMLElement) => {
    opener.current = button;
    setTarget({ row, action });
    setOpen(true);
  };
  const { table, selectedIds, clearSelection, setHidden } = useSelectableTable({
    columns: manageColumns(canManage),
    rows,
    rowId: (row) => row.id,
    hidden,
    canSelect: true,
    meta: { canManage, canRename, show } satisfies Meta,
  });

  return (
    <>
      <div className="flex justify-end border-b border-line px-4 py-2">
        <ColumnChooser list="/licensed-emails" columns={[{ id: 'added', label: 'Date added' }]} hidden={hidden} onHiddenChange={setHidden} />
      </div>
      <SelectionBar
        selectedIds={selectedIds}
        pageCount={rows.length}
        total={total}
        totalLabel={totalLabel}
        matching={{ q }}
        noun={NOUN}
        onClear={clearSelection}
        actions={(selection, count) => (
          <>
            <Button asChild variant="outline" size="sm">
              <a href={selection.mode === 'ids' ? `/licensed-emails/export?ids=${selection.ids.join(',')}` : `/licensed-emails/export${q ? `?q=${encodeURIComponent(q)}` : ''}`} download>
                <Download aria-hidden /> Export selected
              </a>
            </Button>
            {canManage && (
              <Button
                variant="danger"
                size="sm"
                aria-haspopup="dialog"
                onClick={(e) => {
                  opener.current = e.currentTarget;
                  setTarget({ action: 'bulk-remove', selection, count });
                  setOpen(true);
                }}
              >
                Remove selected
              </Button>
            )}
          </>
        )}
      />
      <SelectableTableView table={table} label="Licensed email addresses" sortLinks={sortLinks} />
      {canRename && target?.action === 'edit' && (
        <Dialog open={open} onOpenChange={setOpen}>
          <DialogContent
            onCloseAutoFocus={(event) => {
              event.preventDefault();
              returnFocus()?.focus();
            }}
          >
            <DialogHeader>
              <DialogTitle>Edit {target.row.email}</DialogTitle>
              <DialogDescription>Rename the address; it keeps its license.</DialogDescription>
            </DialogHeader>
            <RenameForm
              key={target.row.id}
              row={target.row}
              domains={domains}
              onCancel={() => setOpen(false)}
              onDone={() => {
                toast({ title: 'Address renamed', description: 'It keeps its license.', variant: 'success' });
                setOpen(false);
                router.refresh();
              }}
            />
          </DialogContent>
        </Dialog>
      )}
      {canManage && target?.action === 'remove' && (
        <ConfirmDialog
          key={target.row.id}
          open={open}
          onOpenChange={setOpen}
          returnFocusTo={returnFocus}
          title={`Remove ${target.row.email}?`}
          description="The address loses its license, which becomes free for another address, and can no longer sign in to secure messages (its messages are kept). The number of licenses you purchased does not change."
          confirmLabel="Remove"
          destructive
          onConfirm={async () => {
            const { id, email } = target.row;
            const result = await removeLicensedEmailAction({ id });
            if (!result.ok) throw new Error(result.error.message);
            toast({ title: `${email} removed`, description: 'Its license is free for reuse.', variant: 'success' });
            router.refresh();
          }}
        />
      )}
      {canManage && target?.action === 'bulk-remove' && (
        <ConfirmDialog
          open={open}
          onOpenChange={setOpen}
          returnFocusTo={returnFocus}
          title={`Remove ${plural(target.count, 'address', 'addresses')}?`}
          description={`Each address loses its license, which becomes free for another address, and can no longer sign in to secure messages (its messages are kept). The number of licenses you purchased does not change.${target.selection.mode === 'matching' && total > BULK_CAP ? ` Only the first ${BULK_CAP.toLocaleString('en-US')} matching addresses are removed.` : ''}`}
          confirmLabel={`Remove ${plural(target.count, 'address', 'addresses')}`}
          destructive
          onConfirm={async () => {
            const result = await removeLicensedEmailsAction(target.selection);
            if (!result.ok) throw new Error(result.error.message);
            const outcome = result.data;
            toastBulkOutcome(outcome, NOUN, 'removed');
            clearSelection();
            router.refresh();
          }}
        />
      )}
    </>
  );
}

/** Without the right to change addresses, no Edit/Remove column (and no selection for removing, but export stays). */
function manageColumns(canManage: boolean) {
  return canManage ? columns : readOnlyColumns;
}
const readOnlyColumns = columns.filter((c) => c.id !== 'actions');

function RenameForm({ row, domains, onCancel, onDone }: { row: LicensedEmailRow; domains: string[]; onCancel: () => void; onDone: () => void }) {
  const { id, email } = row;
  const at = email.lastIndexOf('@');
  const [local, domain] = [email.slice(0, at), email.slice(at + 1)];
  const form = useForm<RenameValues>({
    resolver: zodResolver(renameLicensedEmailSchema),
    defaultValues: { id, local, domain: domains.includes(domain) ? domain : (domains[0] ?? domain) },
  });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    const result = await renameLicensedEmailAction(values);
    if (!result.ok) {
      applyActionError(form, result.error);
      return;
    }
    onDone();
  });

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
      <div className="flex flex-wrap items-center gap-2">
        <label htmlFor={`rename-${id}`} className="sr-only">
          The part before the @
        </label>
        <Input
          id={`rename-${id}`}
          className={LOCAL_PART_CLASS}
          autoComplete="off"
          aria-invalid={errors.local ? true : undefined}
          aria-describedby={errors.local ? `rename-${id}-error` : undefined}
          {...form.register('local')}
        />
        <DomainSelect domains={domains} aria-label="Domain" {...form.register('domain')} />
      </div>
      {errors.local && (
        <p id={`rename-${id}-error`} className="text-sm font-medium text-danger-600">
          {errors.local.message}
        </p>
      )}
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" loading={isSubmitting}>
          Save
        </Button>
      </DialogFooter>
    </form>
  );
}
