'use client';

import Link from 'next/link';
import { useState } from 'react';
import { resendSmsCodeAction, verifySmsCodeAction } from '@/app/secure/actions';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';

export function VerifyCodeForm() {
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <form
      noValidate
      className="grid gap-4"
      onSubmit={async (e) => {
        e.preventDefault();
        setPending(true);
        setNotice(null);
        const result = await verifySmsCodeAction({ code });
        setPending(false);
        // Success redirects to the inbox.
        if (result && !result.ok) setError(result.error.fieldErrors?.code?.[0] ?? result.error.message);
      }}
    >
      {notice && <Alert variant="success">{notice}</Alert>}
      <FormField id="code" label="Code" error={error ?? undefined}>
        <Input
          {...fieldA11y('code', { error: error ?? undefined })}
          value={code}
          onChange={(e) => setCode(e.target.value.replace(/\D/g, '').slice(0, 6))}
          inputMode="numeric"
          autoComplete="one-time-code"
          autoFocus
          className="text-lg tracking-[0.4em]"
        />
      </FormField>
      <Button type="submit" size="lg" loading={pending}>
        Verify
      </Button>
      <div className="flex justify-between text-sm">
        <button
          type="button"
          className="cursor-pointer font-medium text-brand-600 hover:underline"
          onClick={async () => {
            setError(null);
            const result = await resendSmsCodeAction({});
            if (!result.ok) setError(result.error.message);
            else setNotice('A new code is on its way. The previous one no longer works.');
          }}
        >
          Send a new code
        </button>
        <Link href="/secure/login" className="font-medium text-brand-600 hover:underline">
          Sign in again
        </Link>
      </div>
    </form>
  );
}
