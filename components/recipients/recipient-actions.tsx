'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { deleteRecipientAction, updateRecipientPhoneAction } from '@/app/(admin)/recipients/actions';
import { applyActionError } from '@/components/forms/action-errors';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { toast } from '@/components/ui/toast';

type PhoneValues = { id: string; phone: string };

const PHONE_HINT = 'Include the country code, e.g. +44 20 7946 0321; US numbers may omit +1. Leave empty to remove the number.';

/** Edit (the phone number) and Delete for one recipient; shown to levels 1–2 only. */
export function RecipientActions({ id, email, phone }: { id: string; email: string; phone: string | null }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const defaults = { id, phone: phone ?? '' };
  const form = useForm<PhoneValues>({ defaultValues: defaults });
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
            <DialogDescription>The phone number receives the one-time code when SMS two-factor sign-in applies to this recipient.</DialogDescription>
          </DialogHeader>
          <form onSubmit={onSubmit} noValidate className="grid gap-4">
            {errors.root?.server && <Alert variant="danger">{errors.root.server.message}</Alert>}
            <FormField id={fieldId} label="Phone number" hint={PHONE_HINT} error={errors.phone?.message}>
              <Input
                type="tel"
                autoComplete="off"
                inputMode="tel"
                {...fieldA11y(fieldId, { hint: PHONE_HINT, error: errors.phone?.message })}
                {...form.register('phone')}
              />
            </FormField>
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
          <Button variant="danger-ghost" size="sm" aria-label={`Delete ${email}`}>
            Delete
          </Button>
        }
        title={`Delete ${email}?`}
        description={
          phone
            ? 'Its phone number is deleted too. The address comes back automatically, without a phone number, the next time mail is sent to it.'
            : 'The address comes back automatically the next time mail is sent to it.'
        }
        confirmLabel="Delete"
        destructive
        onConfirm={async () => {
          const result = await deleteRecipientAction({ id });
          if (!result.ok) throw new Error(result.error.message);
          toast({ title: `${email} deleted`, description: 'It returns the next time mail is sent to it.', variant: 'success' });
          router.refresh();
        }}
      />
    </div>
  );
}
