'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import Link from 'next/link';
import { useForm } from 'react-hook-form';
import { PasswordInput } from '@/components/auth/password-input';
import { applyActionError } from '@/components/forms/action-errors';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { signInSchema, type SignInInput } from '@/lib/auth/schemas';
import type { ActionResult } from '@/lib/actions/result';

/** Sign-in for administrators (/login) and portal users (/secure/login): the same form, its own action. */
export function LoginForm({
  callbackUrl,
  action,
  resetHref,
}: {
  callbackUrl?: string;
  action: (input: SignInInput) => Promise<ActionResult<never>>;
  resetHref: string;
}) {
  const form = useForm<SignInInput>({
    resolver: zodResolver(signInSchema),
    defaultValues: { email: '', password: '', callbackUrl },
  });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    const result = await action(values);
    // On success the action redirects; we only get here with a refusal.
    if (!result.ok) {
      applyActionError(form, result.error);
      form.resetField('password', { keepError: true });
    }
  });

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      {errors.root?.server && <Alert variant="danger">{errors.root.server.message}</Alert>}
      <FormField id="email" label="Email address" error={errors.email?.message}>
        <Input
          type="email"
          autoComplete="username"
          inputMode="email"
          autoFocus
          {...fieldA11y('email', { error: errors.email?.message })}
          {...form.register('email')}
        />
      </FormField>
      <div className="grid gap-1.5">
        <FormField id="password" label="Password" error={errors.password?.message}>
          <PasswordInput
            autoComplete="current-password"
            {...fieldA11y('password', { error: errors.password?.message })}
            {...form.register('password')}
          />
        </FormField>
        <Link href={resetHref} className="justify-self-end text-sm font-medium text-brand-600 hover:underline">
          Reset password
        </Link>
      </div>
      <Button type="submit" size="lg" loading={isSubmitting}>
        Sign in
      </Button>
    </form>
  );
}
