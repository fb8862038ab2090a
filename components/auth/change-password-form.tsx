'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useForm, useWatch } from 'react-hook-form';
import { NewPasswordFields } from '@/components/auth/new-password-fields';
import { PasswordInput } from '@/components/auth/password-input';
import { applyActionError } from '@/components/forms/action-errors';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { useHydrated } from '@/components/ui/use-hydrated';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { changePasswordSchema, type ChangePasswordInput } from '@/lib/auth/schemas';
import type { ActionResult } from '@/lib/actions/result';

export function ChangePasswordForm({
  email,
  action,
  signInHref,
}: {
  email: string;
  action: (input: ChangePasswordInput) => Promise<ActionResult<never>>;
  signInHref: string;
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const form = useForm<ChangePasswordInput>({
    resolver: zodResolver(changePasswordSchema),
    defaultValues: { currentPassword: '', newPassword: '', confirmPassword: '' },
  });
  const { errors, isSubmitting } = form.formState;
  const password = useWatch({ control: form.control, name: 'newPassword' });

  const onSubmit = form.handleSubmit(async (values) => {
    const result = await action(values);
    if (!result.ok) {
      if (result.error.code === 'unauthenticated') router.push(signInHref);
      applyActionError(form, result.error);
    }
  });

  return (
    <form method="post" onSubmit={onSubmit} noValidate className="grid gap-4">
      <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
      <input type="email" autoComplete="username" value={email} readOnly hidden />
      <FormField id="currentPassword" label="Current password" error={errors.currentPassword?.message}>
        <PasswordInput
          autoComplete="current-password"
          autoFocus
          {...fieldA11y('currentPassword', { error: errors.currentPassword?.message })}
          {...form.register('currentPassword')}
        />
      </FormField>
      <NewPasswordFields register={form.register} errors={errors} password={password} email={email} />
      <Button type="submit" size="lg" loading={isSubmitting} disabled={!hydrated}>
        Change password
      </Button>
    </form>
  );
}
