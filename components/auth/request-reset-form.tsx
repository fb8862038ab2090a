'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { MailCheck } from '@/components/ui/icons';
import Link from 'next/link';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { applyActionError } from '@/components/forms/action-errors';
import { Alert, LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { requestResetSchema, type RequestResetInput } from '@/lib/auth/schemas';
import type { ActionResult } from '@/lib/actions/result';

export function RequestResetForm({ action, signInHref }: { action: (input: RequestResetInput) => Promise<ActionResult<null>>; signInHref: string }) {
  const [sentTo, setSentTo] = useState<string | null>(null);
  const form = useForm<RequestResetInput>({ resolver: zodResolver(requestResetSchema), defaultValues: { email: '' } });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    const result = await action(values);
    if (result.ok) setSentTo(values.email);
    else applyActionError(form, result.error);
  });

  if (sentTo) {
    return (
      <div className="grid gap-4">
        <Alert variant="success" title="Check your email">
          If an account exists for {sentTo}, we have sent it a link to reset the password. The link works once and
          expires in 24 hours.
        </Alert>
        <p className="flex items-center gap-2 text-sm text-muted">
          <MailCheck aria-hidden className="size-4" /> Nothing arrived? Check your spam folder, or{' '}
          <button type="button" className="cursor-pointer font-medium text-brand-600 hover:underline" onClick={() => setSentTo(null)}>
            try again
          </button>
          .
        </p>
        <Link href={signInHref} className="text-sm font-medium text-brand-600 hover:underline">
          Back to sign in
        </Link>
      </div>
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
      <FormField id="email" label="Email address" error={errors.email?.message}>
        <Input
          type="email"
          autoComplete="username"
          autoFocus
          {...fieldA11y('email', { error: errors.email?.message })}
          {...form.register('email')}
        />
      </FormField>
      <Button type="submit" size="lg" loading={isSubmitting}>
        Send reset link
      </Button>
      <Link href={signInHref} className="text-center text-sm font-medium text-brand-600 hover:underline">
        Back to sign in
      </Link>
    </form>
  );
}
