'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useForm } from 'react-hook-form';
import { unlinkDomainIdentityAction } from '@/app/(admin)/settings/identity-provider/actions';
import { applyActionError } from '@/components/forms/action-errors';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { toast } from '@/components/ui/toast';
import { unlinkDomainIdentitySchema } from '@/lib/domain-sign-in/schemas';
import { withStepUp } from '@/components/auth/step-up';

const HINT = 'An administrator or internal user of your organisation. Their next Domain sign-in links them again.';

/** Unlinks one address's accounts from the identity they are bound to at the provider. */
export function UnlinkIdentityForm() {
  const form = useForm<{ email: string }>({ resolver: zodResolver(unlinkDomainIdentitySchema), defaultValues: { email: '' } });
  const { errors, isSubmitting } = form.formState;
  const submit = form.handleSubmit(async ({ email }) => {
    const result = await withStepUp(unlinkDomainIdentityAction)({ email });
    if (!result.ok) return applyActionError(form, result.error);
    toast({ title: `${email} is unlinked`, description: 'Their next Domain sign-in links the identity the provider vouches for then.', variant: 'success' });
    form.reset();
  });
  return (
    <form onSubmit={submit} noValidate className="grid max-w-2xl gap-4">
      <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
      <FormField id="unlink-email" label="Email address to unlink" hint={HINT} error={errors.email?.message}>
        <Input type="email" autoComplete="off" {...fieldA11y('unlink-email', { hint: HINT, error: errors.email?.message })} {...form.register('email')} />
      </FormField>
      <div>
        <Button type="submit" variant="outline" loading={isSubmitting}>
          Unlink
        </Button>
      </div>
    </form>
  );
}
