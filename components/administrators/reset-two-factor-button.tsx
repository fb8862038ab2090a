'use client';

import { useRouter } from 'next/navigation';
import { resetTwoFactorAction } from '@/app/(admin)/administrators/actions';
import { withStepUp } from '@/components/auth/step-up';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { toast } from '@/components/ui/toast';

/** "Reset two-factor authentication" of another administrator (level 1; confirmation, then step-up). */
export function ResetTwoFactorButton({ id, name, requireTwoFactor }: { id: string; name: string; requireTwoFactor: boolean }) {
  const router = useRouter();
  return (
    <ConfirmDialog
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Reset two-factor authentication of ${name}`}>
          Reset two-factor
        </Button>
      }
      title={`Reset two-factor authentication of ${name}?`}
      description={`Their authenticator app, recovery codes and any other second factor are removed, and they are signed out everywhere. ${
        requireTwoFactor
          ? 'Your organisation requires two-factor authentication, so they set it up again at their next sign-in.'
          : 'They sign in with their password alone until they set it up again.'
      } Do this when they have lost their phone or security key.`}
      confirmLabel="Reset two-factor authentication"
      destructive
      onConfirm={async () => {
        const result = await withStepUp(resetTwoFactorAction)({ id });
        if (!result.ok) throw new Error(result.error.message);
        toast({ title: `Two-factor authentication of ${name} was reset`, variant: 'success' });
        router.refresh();
      }}
    />
  );
}
