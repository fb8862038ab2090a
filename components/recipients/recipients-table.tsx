'use client';

import { createColumnHelper } from '@tanstack/react-table';
import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import { useForm } from 'react-hook-form';
import { deleteRecipientAction, deleteRecipientsAction, updateRecipientPhoneAction } from '@/app/(admin)/recipients/actions';
import { applyActionError } from '@/components/forms/action-errors';
import { ColumnChooser } from '@/components/data-table/column-chooser';
import type { SortLinks } from '@/components/data-table/meta';
import { selectionColumn, SelectableTableView, SelectionBar, useSelectableTable, type SelectableFeatures } from '@/components/data-table/selectable';
import { LiveAlert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { toast } from '@/components/ui/toast';
import { BULK_CAP, type BulkSelection } from '@/lib/lists/bulk-selection';
import { toastBulkOutcome } from '@/components/data-table/bulk-toast';
import { plural } from '@/lib/format';

export type RecipientTableRow = { id: string; email: string; phone: string | null; first: string; last: string };

type Target = { row: RecipientTableRow; action: 'edit' | 'delete' } | { action: 'bulk-delete'; selection: BulkSelection; count: number };
type Meta = { smsPolicy: boolean; show: (row: RecipientTableRow, action: 'edit' | 'delete', button: HTMLElement) => void };

const NOUN = { one: 'recipient', many: 'recipients' };
const PHONE_HINT = 'Include the country code, e.g. +44 20 7946 0321; US numbers may omit +1. Leave empty to remove the number.';

const helper = createColumnHelper<SelectableFeatures, RecipientTableRow>();
const columns = helper.columns([
  selectionColumn<RecipientTableRow>((row) => row.email),
  helper.accessor('email', { header: 'Email', meta: { primary: true, copy: true, sort: 'email' } }),
  helper.accessor('phone', {
    header: 'Phone',
    meta: { nowrap: true },
    cell: ({ row, table }) => {
      if (row.original.phone) return row.original.phone;
      // Under the SMS two-factor policy a recipient without a number opens messages with the password alone.
      const { smsPolicy } = table.options.meta as Meta;
      return (
        <Badge variant={smsPolicy ? 'warning' : 'neutral'} title={smsPolicy ? 'Opens your messages without an SMS code' : undefined}>
          Missing phone
        </Badge>
      );
    },
  }),
  helper.accessor('first', { header: 'First written to', meta: { nowrap: true } }),
  helper.accessor('last', { header: 'Last written to', meta: { nowrap: true } }),
  helper.display({
    id: 'actions',
    header: () => <span className="sr-only">Actions</span>,
    meta: { control: true },
    cell: ({ row, table }) => {
      const { show } = table.options.meta as Meta;
      const { email } = row.original;
      return (
        <div className="flex justify-end gap-1">
          <Button variant="ghost" size="sm" aria-label={`Edit ${email}`} aria-haspopup="dialog" onClick={(e) => show(row.original, 'edit', e.currentTarget)}>
            Edit
          </Button>
          <Button variant="danger-ghost" size="sm" aria-label={`Delete ${email}`} aria-haspopup="dialog" onClick={(e) => show(row.original, 'delete', e.currentTarget)}>
            Delete
          </Button>
        </div>
      );
    },
  }),
]);
const readOnlyColumns = columns.filter((c) => c.id !== 'actions' && c.id !== 'select');

export const RECIPIENT_COLUMN_CHOICES = [
  { id: 'phone', label: 'Phone' },
  { id: 'first', label: 'First written to' },
  { id: 'last', label: 'Last written to' },
];

/**
 * One page of recipients: selection for "Delete selected" (levels 1–2), Edit (the phone number)
 * and Delete on each row with one dialog of each for the page, the columns the administrator chose.
 */
export function RecipientsTable({
  rows,
  sortLinks,
  hidden,
  total,
  totalLabel,
  q,
  missingPhone,
  smsPolicy,
  canManage,
}: {
  rows: RecipientTableRow[];
  sortLinks: SortLinks;
  hidden: string[];
  /** Recipients matching (null when not known: a broad search). */
  total: number | null;
  totalLabel: string;
  q: string;
  missingPhone: boolean;
  smsPolicy: boolean;
  canManage: boolean;
}) {
  const router = useRouter();
  const [target, setTarget] = useState<Target | null>(null);
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLElement | null>(null);
  const show = (row: RecipientTableRow, action: 'edit' | 'delete', button: HTMLElement) => {
    opener.current = button;
    setTarget({ row, action });
    setOpen(true);
  };
  const { table, selectedIds, clearSelection, setHidden } = useSelectableTable({
    columns: canManage ? columns : readOnlyColumns,
    rows,
    rowId: (row) => row.id,
    hidden,
    canSelect: canManage,
    meta: { smsPolicy, show } satisfies Meta,
  });

  return (
    <>
      <div className="flex justify-end border-b border-line px-4 py-2">
        <ColumnChooser list="/recipients" columns={RECIPIENT_COLUMN_CHOICES} hidden={hidden} onHiddenChange={setHidden} />
      </div>
      <SelectionBar
        selectedIds={selectedIds}
        pageCount={rows.length}
        total={total ?? rows.length}
        totalLabel={totalLabel}
        matching={total === null ? undefined : { q, filters: missingPhone ? { phone: 'missing' } : {} }}
        noun={NOUN}
        onClear={clearSelection}
        actions={(selection, count) => (
          <Button
            variant="danger"
            size="sm"
            aria-haspopup="dialog"
            onClick={(e) => {
              opener.current = e.currentTarget;
              setTarget({ action: 'bulk-delete', selection, count });
              setOpen(true);
            }}
          >
            Delete selected
          </Button>
        )}
      />
      <SelectableTableView table={table} label="Recipients" sortLinks={sortLinks} />
      {canManage && target?.action === 'edit' && (
        <Dialog open={open} onOpenChange={setOpen}>
          <DialogContent
            onCloseAutoFocus={(event) => {
              event.preventDefault();
              opener.current?.focus();
            }}
          >
            <DialogHeader>
              <DialogTitle>Edit {target.row.email}</DialogTitle>
              <DialogDescription>The phone number receives the one-time code when SMS two-factor sign-in applies to this recipient.</DialogDescription>
            </DialogHeader>
            <PhoneForm
              key={target.row.id}
              row={target.row}
              onCancel={() => setOpen(false)}
              onDone={() => {
                setOpen(false);
                router.refresh();
              }}
            />
          </DialogContent>
        </Dialog>
      )}
      {canManage && target?.action === 'delete' && (
        <ConfirmDialog
          key={target.row.id}
          open={open}
          onOpenChange={setOpen}
          returnFocusTo={() => opener.current}
          title={`Delete ${target.row.email}?`}
          description={
            target.row.phone
              ? 'Its phone number is deleted too. The address comes back automatically, without a phone number, the next time mail is sent to it.'
              : 'The address comes back automatically the next time mail is sent to it.'
          }
          confirmLabel="Delete"
          destructive
          onConfirm={async () => {
            const { id, email } = target.row;
            const result = await deleteRecipientAction({ id });
            if (!result.ok) throw new Error(result.error.message);
            toast({ title: `${email} deleted`, description: 'It returns the next time mail is sent to it.', variant: 'success' });
            router.refresh();
          }}
        />
      )}
      {canManage && target?.action === 'bulk-delete' && (
        <ConfirmDialog
          open={open}
          onOpenChange={setOpen}
          returnFocusTo={() => opener.current}
          title={`Delete ${plural(target.count, 'recipient')}?`}
          description={`Their phone numbers are deleted too. Each address comes back automatically, without a phone number, the next time mail is sent to it.${
            target.selection.mode === 'matching' && (total ?? 0) > BULK_CAP ? ` Only the first ${BULK_CAP.toLocaleString('en-US')} matching are deleted.` : ''
          }`}
          confirmLabel={`Delete ${plural(target.count, 'recipient')}`}
          destructive
          onConfirm={async () => {
            const result = await deleteRecipientsAction(target.selection);
            if (!result.ok) throw new Error(result.error.message);
            const outcome = result.data;
            toastBulkOutcome(outcome, NOUN, 'deleted');
            clearSelection();
            router.refresh();
          }}
        />
      )}
    </>
  );
}

function PhoneForm({ row, onCancel, onDone }: { row: RecipientTableRow; onCancel: () => void; onDone: () => void }) {
  const { id, email } = row;
  const form = useForm<{ id: string; phone: string }>({ defaultValues: { id, phone: row.phone ?? '' } });
  const { errors, isSubmitting } = form.formState;
  const fieldId = `phone-${id}`;
  const onSubmit = form.handleSubmit(async (values) => {
    const result = await updateRecipientPhoneAction(values);
    if (!result.ok) {
      applyActionError(form, result.error);
      return;
    }
    toast({
      title: result.data.phone ? 'Phone number saved' : 'Phone number removed',
      description: result.data.phone ? `${email}: ${result.data.phone}` : email,
      variant: 'success',
    });
    onDone();
  });
  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
      <FormField id={fieldId} label="Phone number" hint={PHONE_HINT} error={errors.phone?.message}>
        <Input type="tel" autoComplete="off" inputMode="tel" {...fieldA11y(fieldId, { hint: PHONE_HINT, error: errors.phone?.message })} {...form.register('phone')} />
      </FormField>
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
