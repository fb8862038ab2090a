'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useRef, useState, type ReactNode } from 'react';
import { useForm } from 'react-hook-form';
import { removeLicensedEmailAction, renameLicensedEmailAction } from '@/app/(admin)/licensed-emails/actions';
import { applyActionError } from '@/components/forms/action-errors';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { Table, TableBody, TableCell, TableHeader, TableRow } from '@/components/ui/table';
import { toast } from '@/components/ui/toast';
import { renameLicensedEmailSchema } from '@/lib/licensing/schemas';
import { DomainSelect, LOCAL_PART_CLASS } from './domain-select';

export type LicensedEmailRow = { id: string; email: string; added: string };

type RenameValues = { id: string; local: string; domain: string };
type Target = { row: LicensedEmailRow; action: 'edit' | 'remove' };

/**
 * One page of licensed addresses with Edit and Remove on each row. The rows are plain data and
 * there is one Edit dialog and one Remove dialog for the whole page, opened for the row whose
 * button was pressed: a dialog and a form per row made every render of the page (and its
 * hydration) several times more expensive than the table itself.
 */
export function LicensedEmailsTable({
  rows,
  header,
  domains,
  canManage,
  canRename = canManage,
}: {
  rows: LicensedEmailRow[];
  /** The header row (sort links), rendered on the server. */
  header: ReactNode;
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

  const show = (row: LicensedEmailRow, action: Target['action'], button: HTMLElement) => {
    opener.current = button;
    setTarget({ row, action });
    setOpen(true);
  };

  return (
    <>
      <Table aria-label="Licensed email addresses">
        <TableHeader>{header}</TableHeader>
        <TableBody>
          {rows.map((row) => (
            <TableRow key={row.id}>
              <TableCell className="font-medium">{row.email}</TableCell>
              <TableCell className="whitespace-nowrap text-muted">{row.added}</TableCell>
              {canManage && (
                <TableCell>
                  <div className="flex justify-end gap-1">
                    {canRename && (
                      <Button variant="ghost" size="sm" aria-label={`Edit ${row.email}`} aria-haspopup="dialog" onClick={(e) => show(row, 'edit', e.currentTarget)}>
                        Edit
                      </Button>
                    )}
                    <Button variant="danger-ghost" size="sm" aria-label={`Remove ${row.email}`} aria-haspopup="dialog" onClick={(e) => show(row, 'remove', e.currentTarget)}>
                      Remove
                    </Button>
                  </div>
                </TableCell>
              )}
            </TableRow>
          ))}
        </TableBody>
      </Table>
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
    </>
  );
}

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
      {errors.root?.server && <Alert variant="danger">{errors.root.server.message}</Alert>}
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
