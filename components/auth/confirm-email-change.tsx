'use client';

import Link from 'next/link';
import { useState, useTransition } from 'react';
import { Alert, LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import type { ActionResult } from '@/lib/actions/result';

/** The one button that confirms an administrator's new email address. */
export function ConfirmEmailChange({
  token,
  newEmail,
  action,
}: {
  token: string;
  newEmail: string;
  action: (input: { token: string }) => Promise<ActionResult<{ email: string }>>;
}) {
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<ActionResult<{ email: string }> | null>(null);
  if (result?.ok) {
    return (
      <>
        <Alert variant="success" title="Email address changed">
          From now on, sign in with {result.data.email}.
        </Alert>
        <Link href="/login" className="text-sm font-medium text-brand-600 hover:underline">
          Go to sign-in
        </Link>
      </>
    );
  }
  return (
    <>
      <LiveAlert show={result && !result.ok} variant="danger">{result && !result.ok ? result.error.message : null}</LiveAlert>
      <p className="text-sm">Until you confirm, the account keeps its current address.</p>
      <div>
        <Button type="button" loading={pending} onClick={() => startTransition(async () => setResult(await action({ token })))}>
          Confirm {newEmail}
        </Button>
      </div>
    </>
  );
}
