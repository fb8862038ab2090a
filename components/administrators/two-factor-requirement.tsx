'use client';

import { useRouter } from 'next/navigation';
import { saveTwoFactorRequirementAction } from '@/app/(admin)/administrators/actions';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { toast } from '@/components/ui/toast';
import { withStepUp } from '@/components/auth/step-up';

/** The organisation's "Require two-factor authentication for administrators" setting, changed after a confirmation. */
export function TwoFactorRequirement({ required }: { required: boolean }) {
  const router = useRouter();
  return (
    <ConfirmDialog
      trigger={
        <Button variant="outline" size="sm">
          {required ? 'Stop requiring two-factor authentication' : 'Require two-factor authentication'}
        </Button>
      }
      title={required ? 'Stop requiring two-factor authentication?' : 'Require two-factor authentication for administrators?'}
      description={
        required
          ? 'Administrators who set up an authenticator app keep using it; new ones may sign in with a password alone.'
          : 'Every administrator without an authenticator app is taken to set one up at their next step, and can do nothing else until they do.'
      }
      confirmLabel={required ? 'Stop requiring' : 'Require'}
      destructive={required}
      onConfirm={async () => {
        const result = await withStepUp(saveTwoFactorRequirementAction)({ required: !required });
        if (!result.ok) throw new Error(result.error.message);
        toast({ title: required ? 'Two-factor authentication is no longer required' : 'Two-factor authentication is now required', variant: 'success' });
        router.refresh();
      }}
    />
  );
}
