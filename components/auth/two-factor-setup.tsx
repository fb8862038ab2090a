'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import Link from 'next/link';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { applyActionError } from '@/components/forms/action-errors';
import { Alert, LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import type { ActionResult } from '@/lib/actions/result';
import { totpCodeSchema } from '@/lib/auth/schemas';

type Codes = { recoveryCodes: string[] };

/** Shown once, right after they are made: only their hashes are kept. */
export function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <div className="grid gap-3">
      <Alert variant="warning" title="Save your recovery codes now">
        Each code signs you in once if you lose your phone or security key. They are shown only this once: print them or keep them in a password manager.
      </Alert>
      <ul aria-label="Recovery codes" className="grid grid-cols-2 gap-2 rounded-card border border-line bg-canvas/60 p-4 font-mono text-sm">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
      <Link href="/dashboard" className="text-sm font-medium text-brand-600 hover:underline">
        I have saved them — continue
      </Link>
    </div>
  );
}

/** Enrolment: scan the QR code (or type the secret), then confirm with a first code. */
export function TotpEnrolment({ qrDataUrl, secret, action }: { qrDataUrl: string; secret: string; action: (input: z.infer<typeof totpCodeSchema>) => Promise<ActionResult<Codes>> }) {
  const [codes, setCodes] = useState<string[] | null>(null);
  const form = useForm<z.infer<typeof totpCodeSchema>>({ resolver: zodResolver(totpCodeSchema), defaultValues: { code: '' } });
  const { errors, isSubmitting } = form.formState;
  const onSubmit = form.handleSubmit(async (values) => {
    const result = await action(values);
    if (result.ok) setCodes(result.data.recoveryCodes);
    else applyActionError(form, result.error);
  });
  if (codes) {
    return (
      <div className="grid gap-4">
        <Alert variant="success">Two-factor authentication is on. From now on you sign in with your password and a code from the app.</Alert>
        <RecoveryCodes codes={codes} />
      </div>
    );
  }
  const hint = 'The 6-digit code the app shows for Sealpost.';
  return (
    <div className="grid gap-4">
      <ol className="grid list-decimal gap-2 pl-5 text-sm">
        <li>Open an authenticator app on your phone (1Password, Google Authenticator, Microsoft Authenticator, …).</li>
        <li>Scan this QR code, or type the key below.</li>
        <li>Enter the code it shows.</li>
      </ol>
      {/* eslint-disable-next-line @next/next/no-img-element -- a data URL drawn on the server; nothing to optimise */}
      <img src={qrDataUrl} alt="QR code to add Sealpost to an authenticator app" width={192} height={192} className="rounded-card border border-line bg-white" />
      <p className="text-sm">
        Key: <code className="font-mono break-all" aria-label="Setup key">{secret}</code>
      </p>
      <form onSubmit={onSubmit} noValidate className="grid gap-4">
        <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
        <FormField id="totp-code" label="Code from the app" hint={hint} error={errors.code?.message}>
          <Input autoComplete="one-time-code" inputMode="numeric" {...fieldA11y('totp-code', { hint, error: errors.code?.message })} {...form.register('code')} />
        </FormField>
        <Button type="submit" loading={isSubmitting}>
          Turn on two-factor authentication
        </Button>
      </form>
    </div>
  );
}

/** For an administrator with the app: new recovery codes, after a confirmation. */
export function RegenerateRecoveryCodes({ unused, action }: { unused: number; action: (input: Record<string, never>) => Promise<ActionResult<Codes>> }) {
  const [codes, setCodes] = useState<string[] | null>(null);
  if (codes) return <RecoveryCodes codes={codes} />;
  return (
    <div className="grid gap-3">
      <p className="text-sm">
        {unused} of 10 recovery codes left.
      </p>
      <ConfirmDialog
        trigger={<Button variant="outline">Generate new recovery codes</Button>}
        title="Generate new recovery codes?"
        description="Your current recovery codes stop working at once."
        confirmLabel="Generate"
        onConfirm={async () => {
          const result = await action({});
          if (!result.ok) throw new Error(result.error.message);
          setCodes(result.data.recoveryCodes);
        }}
      />
    </div>
  );
}

/** For an administrator held at enrolment: the one other way out. */
export function SignOutButton({ action }: { action: (input: Record<string, never>) => Promise<ActionResult<never>> }) {
  const [pending, setPending] = useState(false);
  return (
    <Button
      variant="ghost"
      loading={pending}
      onClick={async () => {
        setPending(true);
        await action({});
        setPending(false);
      }}
    >
      Sign out
    </Button>
  );
}
