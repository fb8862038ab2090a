'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { cancelEmailChangeAction, resendEmailChangeAction } from '@/app/(admin)/administrators/actions';
import { Button } from '@/components/ui/button';
import { toast } from '@/components/ui/toast';

/** "Waiting for confirmation from new@…", with Resend and Cancel for those who manage administrators. */
export function PendingEmailChange({ id, name, email, expired, canManage }: { id: string; name: string; email: string; expired: boolean; canManage: boolean }) {
  const router = useRouter();
  const [busy, setBusy] = useState<'resend' | 'cancel' | null>(null);
  const run = async (which: 'resend' | 'cancel') => {
    setBusy(which);
    const result = which === 'resend' ? await resendEmailChangeAction({ id }) : await cancelEmailChangeAction({ id });
    setBusy(null);
    if (!result.ok) {
      toast({ title: result.error.message, variant: 'error' });
      return;
    }
    toast({ title: which === 'resend' ? `Confirmation link sent again to ${email}` : `Email change of ${name} cancelled`, variant: 'success' });
    router.refresh();
  };
  return (
    <div className="mt-1 grid max-w-48 gap-1 text-sm text-muted [overflow-wrap:anywhere]">
      <span>{expired ? `The confirmation link sent to ${email} has expired.` : `Waiting for confirmation from ${email}`}</span>
      {canManage && (
        <span className="flex flex-wrap gap-1">
          <Button variant="ghost" size="sm" loading={busy === 'resend'} onClick={() => void run('resend')} aria-label={`Resend the confirmation link to ${email}`}>
            Resend
          </Button>
          <Button variant="ghost" size="sm" loading={busy === 'cancel'} onClick={() => void run('cancel')} aria-label={`Cancel the email change of ${name}`}>
            Cancel change
          </Button>
        </span>
      )}
    </div>
  );
}
