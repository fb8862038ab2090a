'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { addSuppressionAction, removeSuppressionAction, updateSoftBounceSettingsAction } from '@/app/(admin)/suppressions/actions';
import { applyActionError } from '@/components/forms/action-errors';
import { Alert, LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { Plus } from '@/components/ui/icons';
import { toast } from '@/components/ui/toast';

type AddValues = { address: string; note: string };

/** "Add address": puts an address on the suppression list by hand (levels 1–2). */
export function AddSuppressionButton() {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const defaults = { address: '', note: '' };
  const form = useForm<AddValues>({ defaultValues: defaults });
  const { errors, isSubmitting } = form.formState;
  const NOTE_HINT = 'Optional: why, for whoever reads the list later.';

  const onSubmit = form.handleSubmit(async (values) => {
    const result = await addSuppressionAction(values);
    if (!result.ok) {
      applyActionError(form, result.error);
      return;
    }
    toast({ title: `${result.data.address} suppressed`, description: 'Mail to it is no longer sent.', variant: 'success' });
    setOpen(false);
    form.reset(defaults);
    router.refresh();
  });

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) form.reset(defaults);
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <Plus aria-hidden />
          Add address
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Suppress an address</DialogTitle>
          <DialogDescription>Your organisation&apos;s mail is no longer sent to this address until it is removed from the list.</DialogDescription>
        </DialogHeader>
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
          <FormField id="suppress-address" label="Email address" error={errors.address?.message}>
            <Input type="email" autoComplete="off" {...fieldA11y('suppress-address', { error: errors.address?.message })} {...form.register('address')} />
          </FormField>
          <FormField id="suppress-note" label="Note" hint={NOTE_HINT} error={errors.note?.message}>
            <Input autoComplete="off" {...fieldA11y('suppress-note', { hint: NOTE_HINT, error: errors.note?.message })} {...form.register('note')} />
          </FormField>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" loading={isSubmitting}>
              Suppress
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** "Remove": mail to the address is sent again (levels 1–2). */
export function RemoveSuppressionButton({ id, address }: { id: string; address: string }) {
  const router = useRouter();
  return (
    <div className="flex justify-end">
      <ConfirmDialog
        trigger={
          <Button variant="danger-ghost" size="sm" aria-label={`Remove ${address}`}>
            Remove
          </Button>
        }
        title={`Remove ${address}?`}
        description="Your organisation's mail is sent to this address again. If it bounces for good or complains again, it comes back on the list."
        confirmLabel="Remove"
        destructive
        onConfirm={async () => {
          const result = await removeSuppressionAction({ id });
          if (!result.ok) throw new Error(result.error.message);
          toast({ title: `${address} removed`, description: 'Mail to it is sent again.', variant: 'success' });
          router.refresh();
        }}
      />
    </div>
  );
}

type SettingsValues = { softBounceLimit: string; softBounceDays: string };

/** How many soft bounces in a row within how many days suppress an address. */
export function SoftBounceSettingsForm({ softBounceLimit, softBounceDays }: { softBounceLimit: number; softBounceDays: number }) {
  const router = useRouter();
  const form = useForm<SettingsValues>({ defaultValues: { softBounceLimit: String(softBounceLimit), softBounceDays: String(softBounceDays) } });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    const result = await updateSoftBounceSettingsAction(values);
    if (!result.ok) {
      applyActionError(form, result.error);
      return;
    }
    toast({ title: 'Soft-bounce rule saved', description: `${result.data.softBounceLimit} in a row within ${result.data.softBounceDays} days.`, variant: 'success' });
    form.reset({ softBounceLimit: String(result.data.softBounceLimit), softBounceDays: String(result.data.softBounceDays) });
    router.refresh();
  });

  return (
    <form onSubmit={onSubmit} noValidate className="grid max-w-xl gap-4 sm:grid-cols-[1fr_1fr_auto] sm:items-end">
      {errors.root?.server && (
        <Alert variant="danger" className="sm:col-span-3">
          {errors.root.server.message}
        </Alert>
      )}
      <FormField id="soft-limit" label="Soft bounces in a row" error={errors.softBounceLimit?.message}>
        <Input type="number" min={1} max={100} inputMode="numeric" {...fieldA11y('soft-limit', { error: errors.softBounceLimit?.message })} {...form.register('softBounceLimit')} />
      </FormField>
      <FormField id="soft-days" label="Within days" error={errors.softBounceDays?.message}>
        <Input type="number" min={1} max={365} inputMode="numeric" {...fieldA11y('soft-days', { error: errors.softBounceDays?.message })} {...form.register('softBounceDays')} />
      </FormField>
      <Button type="submit" variant="outline" loading={isSubmitting}>
        Save rule
      </Button>
    </form>
  );
}
