'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { useForm, type Resolver } from 'react-hook-form';
import { applyActionError } from '@/components/forms/action-errors';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { Select } from '@/components/ui/select';
import { toast } from '@/components/ui/toast';
import { addAdministratorAction, updateAdministratorAction } from '@/app/(admin)/administrators/actions';
import { addAdministratorSchema, updateAdministratorSchema, type AdministratorDetails } from '@/lib/administrators/schemas';
import { levelOptions } from './level-names';
import { withStepUp } from '@/components/auth/step-up';

const EMAIL_HINT = 'A new address changes only when the link we send to it is opened.';

type FormValues = AdministratorDetails & { id?: string };

const empty: AdministratorDetails = {
  name: '',
  email: '',
  phone: '',
  addressLine1: '',
  addressLine2: '',
  city: '',
  region: '',
  postalCode: '',
  country: '',
  level: 2,
};

type Props =
  | { mode: 'add'; trigger: ReactNode; maxLevel: number }
  | { mode: 'edit'; trigger: ReactNode; maxLevel: number; administrator: AdministratorDetails & { id: string }; /** Editing one's own account. */ self?: boolean };

/** Add (invite by email) or edit an administrator: contact details and level. */
export function AdministratorFormDialog(props: Props) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const adding = props.mode === 'add';
  const defaults: FormValues = adding ? { ...empty } : { ...props.administrator };
  const form = useForm<FormValues>({
    resolver: zodResolver(adding ? addAdministratorSchema : updateAdministratorSchema) as unknown as Resolver<FormValues>,
    defaultValues: defaults,
  });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    const result = adding
      ? await withStepUp(addAdministratorAction)(values)
      : await withStepUp(updateAdministratorAction)({ ...values, id: props.administrator.id });
    if (!result.ok) {
      applyActionError(form, result.error);
      return;
    }
    // A new email address is only asked for: it changes once confirmed from that address.
    const pendingEmail = !adding && result.data && 'pendingEmail' in result.data ? result.data.pendingEmail : null;
    toast({
      title: adding ? 'Invitation sent' : 'Changes saved',
      description: adding
        ? `We emailed ${values.email} a link to choose a password. It works once and expires in 7 days.`
        : pendingEmail
          ? `We sent a confirmation link to ${pendingEmail}. The email address changes when it is opened.`
          : undefined,
      variant: 'success',
    });
    setOpen(false);
    form.reset(adding ? defaults : { ...values, email: props.administrator.email });
    router.refresh();
  });

  const field = (name: keyof AdministratorDetails, label: string, input: ReactNode, hint?: string) => (
    <FormField id={`${props.mode}-${name}`} label={label} hint={hint} error={errors[name]?.message}>
      {input}
    </FormField>
  );
  const a11y = (name: keyof FormValues, hint?: string) => fieldA11y(`${props.mode}-${name}`, { hint, error: errors[name]?.message });

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) form.reset(defaults);
      }}
    >
      <DialogTrigger asChild>{props.trigger}</DialogTrigger>
      <DialogContent className="max-w-2xl">
        <DialogHeader>
          <DialogTitle>{adding ? 'Add administrator' : `Edit ${props.mode === 'edit' ? props.administrator.name : ''}`}</DialogTitle>
          <DialogDescription>
            {adding
              ? 'We email them an invitation: a single-use link, valid 7 days, where they choose their own password and then sign in with this address.'
              : props.mode === 'edit' && props.self
                ? 'A level change signs you out; the new level applies from your next sign-in.'
                : 'A level change signs them out; the new level applies from their next sign-in.'}
          </DialogDescription>
        </DialogHeader>
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
          <div className="grid gap-4 sm:grid-cols-2">
            {field('name', 'Name', <Input autoComplete="off" {...a11y('name')} {...form.register('name')} />)}
            {field(
              'email',
              'Email address',
              <Input type="email" autoComplete="off" {...a11y('email', adding ? undefined : EMAIL_HINT)} {...form.register('email')} />,
              adding ? undefined : EMAIL_HINT,
            )}
            {field('phone', 'Phone', <Input type="tel" autoComplete="off" placeholder="+1 617 555 0142" {...a11y('phone')} {...form.register('phone')} />)}
            {field(
              'level',
              'Level',
              <Select {...a11y('level')} {...form.register('level')}>
                {levelOptions.map((option) => (
                  <option key={option.value} value={option.value} disabled={option.value < props.maxLevel}>
                    {option.label}
                  </option>
                ))}
              </Select>,
            )}
            {field('addressLine1', 'Address line 1', <Input autoComplete="off" {...a11y('addressLine1')} {...form.register('addressLine1')} />)}
            {field('addressLine2', 'Address line 2', <Input autoComplete="off" {...a11y('addressLine2')} {...form.register('addressLine2')} />)}
            {field('city', 'City', <Input autoComplete="off" {...a11y('city')} {...form.register('city')} />)}
            {field('region', 'State or region', <Input autoComplete="off" {...a11y('region')} {...form.register('region')} />)}
            {field('postalCode', 'Postal code', <Input autoComplete="off" {...a11y('postalCode')} {...form.register('postalCode')} />)}
            {field('country', 'Country', <Input autoComplete="off" {...a11y('country')} {...form.register('country')} />)}
          </div>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" loading={isSubmitting}>
              {adding ? 'Send invitation' : 'Save changes'}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
