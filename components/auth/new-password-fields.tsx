'use client';

import type { FieldErrors, UseFormRegister } from 'react-hook-form';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { PasswordChecklist } from '@/components/ui/password-checklist';
import { checkPassword } from '@/lib/auth/password-policy';
import { PasswordInput } from './password-input';

type Values = { newPassword: string; confirmPassword: string };

/** New password + confirmation with the live checklist of the password rules (lib/auth/password-policy.ts). */
export function NewPasswordFields<T extends Values>({
  register,
  errors,
  password,
  email,
}: {
  register: UseFormRegister<T>;
  errors: FieldErrors<T>;
  password: string;
  email?: string;
}) {
  const reg = register as unknown as UseFormRegister<Values>;
  const errs = errors as FieldErrors<Values>;
  const hint = 'Longer is stronger: a passphrase of several words works well (up to 128 characters).';
  return (
    <>
      <FormField id="newPassword" label="New password" hint={hint} error={errs.newPassword?.message}>
        <PasswordInput
          autoComplete="new-password"
          {...fieldA11y('newPassword', { hint, error: errs.newPassword?.message })}
          {...reg('newPassword')}
        />
      </FormField>
      <PasswordChecklist results={checkPassword(password, { email })} />
      <FormField id="confirmPassword" label="Confirm new password" error={errs.confirmPassword?.message}>
        <PasswordInput
          autoComplete="new-password"
          {...fieldA11y('confirmPassword', { error: errs.confirmPassword?.message })}
          {...reg('confirmPassword')}
        />
      </FormField>
    </>
  );
}
