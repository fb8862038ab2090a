'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { Building2, KeyRound } from '@/components/ui/icons';
import Link from 'next/link';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { PasswordInput } from '@/components/auth/password-input';
import { applyActionError } from '@/components/forms/action-errors';
import { cancelFocusAfterNavigation, focusAfterNavigation } from '@/components/shell/focus-manager';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import type { ActionResult } from '@/lib/actions/result';
import { emailField, signInSchema, type SignInInput } from '@/lib/auth/schemas';
import type { SignInMethod } from '@/lib/domain-sign-in/queries';

type Step = 'email' | 'choice' | 'password' | 'redirecting';

/**
 * Sign-in for administrators (/login) and portal users (/secure/login): the same form, its own
 * actions. The email comes first ("Next"); its domain decides what follows — the password, a
 * choice of Cloud (password) or Domain (the organisation's identity provider), or straight to
 * the identity provider when the organisation requires it.
 */
export function LoginForm({
  callbackUrl,
  defaultEmail = '',
  action,
  methodAction,
  domainAction,
  resetHref,
}: {
  callbackUrl?: string;
  /** The address to start with (after creating a password, say). */
  defaultEmail?: string;
  action: (input: SignInInput) => Promise<ActionResult<never>>;
  methodAction: (input: { email: string }) => Promise<ActionResult<SignInMethod>>;
  domainAction: (input: { email: string; callbackUrl?: string }) => Promise<ActionResult<never>>;
  resetHref: string;
}) {
  const [step, setStep] = useState<Step>('email');
  const [checking, setChecking] = useState(false);
  const form = useForm<SignInInput>({
    resolver: zodResolver(signInSchema),
    defaultValues: { email: defaultEmail, password: '', callbackUrl },
  });
  const { errors, isSubmitting } = form.formState;

  const startDomain = async (email: string) => {
    setStep('redirecting');
    const result = await domainAction({ email, callbackUrl });
    // On success the action sends the browser to the identity provider; we only get here with a refusal.
    if (!result.ok) {
      form.setError('root.server', { type: 'server', message: result.error.message });
      setStep('email');
    }
  };

  const next = async () => {
    form.clearErrors();
    const email = emailField.safeParse(form.getValues('email'));
    if (!email.success) {
      form.setError('email', { type: 'validate', message: email.error.issues[0]?.message ?? 'Enter your email address.' }, { shouldFocus: true });
      return;
    }
    setChecking(true);
    const result = await methodAction({ email: email.data });
    setChecking(false);
    if (!result.ok) {
      applyActionError(form, result.error);
      return;
    }
    if (result.data === 'domain') return startDomain(email.data);
    setStep(result.data === 'choice' ? 'choice' : 'password');
  };

  const signIn = form.handleSubmit(async (values) => {
    // The page signing in leads to takes focus on its heading (components/shell/focus-manager.tsx).
    focusAfterNavigation('heading');
    const result = await action(values);
    // On success the action redirects; we only get here with a refusal.
    if (!result.ok) {
      cancelFocusAfterNavigation();
      applyActionError(form, result.error);
      form.resetField('password', { keepError: true });
    }
  });

  const changeEmail = () => {
    form.resetField('password');
    form.clearErrors();
    setStep('email');
  };

  return (
    <form
      onSubmit={(event) => {
        if (step === 'password') return signIn(event);
        event.preventDefault();
        if (step === 'email') void next();
      }}
      noValidate
      className="grid gap-4"
    >
      <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
      <FormField id="email" label="Email address" error={errors.email?.message}>
        <div className="flex items-center gap-2">
          <Input
            type="email"
            autoComplete="username"
            inputMode="email"
            autoFocus
            readOnly={step !== 'email'}
            className={step !== 'email' ? 'bg-canvas' : undefined}
            {...fieldA11y('email', { error: errors.email?.message })}
            {...form.register('email')}
          />
          {step !== 'email' && step !== 'redirecting' && (
            <Button type="button" variant="link" onClick={changeEmail} aria-label="Change email address">
              Change
            </Button>
          )}
        </div>
      </FormField>

      {step === 'email' && (
        <Button type="submit" size="lg" loading={checking}>
          Next
        </Button>
      )}

      {step === 'choice' && (
        <fieldset className="grid gap-3">
          <legend className="mb-2 text-sm font-medium">How do you want to sign in?</legend>
          <Button type="button" variant="outline" size="lg" className="justify-start" onClick={() => setStep('password')} aria-label="Cloud" aria-describedby="sign-in-cloud-hint">
            <KeyRound aria-hidden />
            Cloud
            <span id="sign-in-cloud-hint" className="ml-auto text-xs font-normal text-muted">
              Your Sealpost password
            </span>
          </Button>
          <Button type="button" variant="outline" size="lg" className="justify-start"
            onClick={() => void startDomain(form.getValues('email'))}
            aria-label="Domain"
            aria-describedby="sign-in-domain-hint"
          >
            <Building2 aria-hidden />
            Domain
            <span id="sign-in-domain-hint" className="ml-auto text-xs font-normal text-muted">
              Your organisation&apos;s sign-in
            </span>
          </Button>
        </fieldset>
      )}

      {step === 'redirecting' && (
        <p role="status" className="text-sm text-muted">
          Taking you to your organisation&apos;s sign-in…
        </p>
      )}

      {step === 'password' && (
        <>
          <FormField id="password" label="Password" error={errors.password?.message}>
            <PasswordInput
              autoComplete="current-password"
              {...fieldA11y('password', { error: errors.password?.message })}
              autoFocus
              {...form.register('password')}
            />
          </FormField>
          <Button type="submit" size="lg" loading={isSubmitting}>
            Sign in
          </Button>
        </>
      )}

      {step !== 'redirecting' && (
        <Link href={resetHref} className="justify-self-center text-sm font-medium text-brand-600 hover:underline">
          Reset password
        </Link>
      )}
    </form>
  );
}
