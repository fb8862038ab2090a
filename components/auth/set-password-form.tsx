'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import Link from 'next/link';
import { useForm, useWatch } from 'react-hook-form';
import { NewPasswordFields } from '@/components/auth/new-password-fields';
import { applyActionError } from '@/components/forms/action-errors';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { useHydrated } from '@/components/ui/use-hydrated';
import { resetPasswordSchema, type ResetPasswordInput } from '@/lib/auth/schemas';
import type { ActionResult } from '@/lib/actions/result';

export function SetPasswordForm({
  token,
  email,
  action,
  requestHref,
  submitLabel = 'Set new password',
}: {
  token: string;
  email: string;
  action: (input: ResetPasswordInput) => Promise<ActionResult<never>>;
  /** Where to ask for a new link (none for an invitation: only an administrator can send one). */
  requestHref?: string;
  submitLabel?: string;
}) {
  const hydrated = useHydrated();
  const form = useForm<ResetPasswordInput>({
    resolver: zodResolver(resetPasswordSchema),
    defaultValues: { token, newPassword: '', confirmPassword: '' },
  });
  const { errors, isSubmitting } = form.formState;
  const password = useWatch({ control: form.control, name: 'newPassword' });

  const onSubmit = form.handleSubmit(async (values) => {
    const result = await action(values);
    if (!result.ok) applyActionError(form, result.error);
  });

  return (
    <form method="post" onSubmit={onSubmit} noValidate className="grid gap-4">
      {errors.root?.server && (
        <Alert variant="danger">
          {errors.root.server.message} {requestHref && <Link href={requestHref}>Ask for a new link</Link>}
        </Alert>
      )}
      <input type="email" autoComplete="username" value={email} readOnly hidden />
      <NewPasswordFields register={form.register} errors={errors} password={password} email={email} />
      <Button type="submit" size="lg" loading={isSubmitting} disabled={!hydrated}>
        {submitLabel}
      </Button>
    </form>
  );
}
