'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { applyActionError } from '@/components/forms/action-errors';
import { cancelFocusAfterNavigation, focusAfterNavigation } from '@/components/shell/focus-manager';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { useHydrated } from '@/components/ui/use-hydrated';
import type { ActionResult } from '@/lib/actions/result';
import { secondFactorCodeSchema } from '@/lib/auth/schemas';

type Values = z.infer<typeof secondFactorCodeSchema>;

/** The code step of a sign-in: a code from the authenticator app, or one recovery code. */
export function SecondFactorForm({ callbackUrl, action, totp = true }: { callbackUrl?: string; action: (input: Values) => Promise<ActionResult<never>>; /** False: a recovery code is the only code this administrator has. */ totp?: boolean }) {
  const hydrated = useHydrated();
  const form = useForm<Values>({ resolver: zodResolver(secondFactorCodeSchema), defaultValues: { code: '', callbackUrl } });
  const { errors, isSubmitting } = form.formState;
  const hint = totp
    ? 'The 6-digit code shown in your authenticator app. Lost your phone? Enter one of your recovery codes instead.'
    : 'Lost your passkey or security key? Enter one of your recovery codes.';
  const onSubmit = form.handleSubmit(async (values) => {
    focusAfterNavigation('heading');
    const result = await action(values);
    if (!result.ok) {
      cancelFocusAfterNavigation();
      applyActionError(form, result.error);
      form.setValue('code', '');
    }
  });
  return (
    <form method="post" onSubmit={onSubmit} noValidate className="grid gap-4">
      <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
      <FormField id="code" label={totp ? 'Authentication code' : 'Recovery code'} hint={hint} error={errors.code?.message}>
        <Input autoComplete="one-time-code" inputMode="text" autoFocus={totp} spellCheck={false} {...fieldA11y('code', { hint, error: errors.code?.message })} {...form.register('code')} />
      </FormField>
      <Button type="submit" size="lg" variant={totp ? 'primary' : 'outline'} loading={isSubmitting} disabled={!hydrated}>
        Verify
      </Button>
    </form>
  );
}
