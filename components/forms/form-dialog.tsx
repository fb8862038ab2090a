'use client';

import { useState, type ReactNode } from 'react';
import type { FieldValues, UseFormReturn } from 'react-hook-form';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog';

/**
 * A button that opens a dialog holding one form: its server error above the fields, Cancel and the
 * submit button below. `submit` returns true when it is done (the dialog closes and the form is
 * emptied); closing the dialog any other way empties it too.
 */
export function FormDialog<T extends FieldValues>({
  form,
  defaults,
  trigger,
  title,
  description,
  submitLabel,
  submit,
  children,
}: {
  form: UseFormReturn<T>;
  defaults: T;
  trigger: ReactNode;
  title: string;
  description: ReactNode;
  submitLabel: string;
  submit: (values: T) => Promise<boolean>;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const { errors, isSubmitting } = form.formState;
  const onOpenChange = (next: boolean) => {
    setOpen(next);
    if (!next) form.reset(defaults);
  };
  const onSubmit = form.handleSubmit(async (values) => {
    if (await submit(values)) onOpenChange(false);
  });
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>{trigger}</DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          <DialogDescription>{description}</DialogDescription>
        </DialogHeader>
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
          {children}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" loading={isSubmitting}>
              {submitLabel}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
