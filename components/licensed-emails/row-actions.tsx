'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { removeLicensedEmailAction, renameLicensedEmailAction } from '@/app/(admin)/licensed-emails/actions';
import { applyActionError } from '@/components/forms/action-errors';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { Select } from '@/components/ui/select';
import { toast } from '@/components/ui/toast';
import { renameLicensedEmailSchema } from '@/lib/licensing/schemas';

type RenameValues = { id: string; local: string; domain: string };

export function LicensedEmailActions({ id, email, domains }: { id: string; email: string; domains: string[] }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [local, domain] = [email.slice(0, email.lastIndexOf('@')), email.slice(email.lastIndexOf('@') + 1)];
  const defaults = { id, local, domain: domains.includes(domain) ? domain : (domains[0] ?? domain) };
  const form = useForm<RenameValues>({ resolver: zodResolver(renameLicensedEmailSchema), defaultValues: defaults });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    const result = await renameLicensedEmailAction(values);
    if (!result.ok) {
      applyActionError(form, result.error);
      return;
    }
    toast({ title: 'Address renamed', description: 'It keeps its license.', variant: 'success' });
    setOpen(false);
    router.refresh();
  });

  return (
    <div className="flex justify-end gap-1">
      <Dialog
        open={open}
        onOpenChange={(next) => {
          setOpen(next);
          if (!next) form.reset(defaults);
        }}
      >
        <DialogTrigger asChild>
          <Button variant="ghost" size="sm" aria-label={`Edit ${email}`}>
            Edit
          </Button>
        </DialogTrigger>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Edit {email}</DialogTitle>
            <DialogDescription>Rename the address; it keeps its license.</DialogDescription>
          </DialogHeader>
          <form onSubmit={onSubmit} noValidate className="grid gap-4">
            {errors.root?.server && <Alert variant="danger">{errors.root.server.message}</Alert>}
            <div className="flex items-center gap-2">
              <label htmlFor={`rename-${id}`} className="sr-only">
                The part before the @
              </label>
              <Input
                id={`rename-${id}`}
                autoComplete="off"
                aria-invalid={errors.local ? true : undefined}
                aria-describedby={errors.local ? `rename-${id}-error` : undefined}
                {...form.register('local')}
              />
              <span aria-hidden className="text-muted">
                @
              </span>
              <div className="w-48 shrink-0">
                <Select aria-label="Domain" {...form.register('domain')}>
                  {domains.map((d) => (
                    <option key={d} value={d}>
                      {d}
                    </option>
                  ))}
                </Select>
              </div>
            </div>
            {errors.local && (
              <p id={`rename-${id}-error`} className="text-sm font-medium text-danger-600">
                {errors.local.message}
              </p>
            )}
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" loading={isSubmitting}>
                Save
              </Button>
            </DialogFooter>
          </form>
        </DialogContent>
      </Dialog>
      <ConfirmDialog
        trigger={
          <Button variant="ghost" size="sm" aria-label={`Remove ${email}`} className="text-danger-600 hover:bg-danger-50">
            Remove
          </Button>
        }
        title={`Remove ${email}?`}
        description="The address loses its license, which becomes free for another address. The number of licenses you purchased does not change."
        confirmLabel="Remove"
        destructive
        onConfirm={async () => {
          const result = await removeLicensedEmailAction({ id });
          if (!result.ok) throw new Error(result.error.message);
          toast({ title: `${email} removed`, description: 'Its license is free for reuse.', variant: 'success' });
          router.refresh();
        }}
      />
    </div>
  );
}
