'use client';

import { useRouter } from 'next/navigation';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { toast } from '@/components/ui/toast';
import { deactivateAdministratorAction, reactivateAdministratorAction } from '@/app/(admin)/administrators/actions';
import { withStepUp } from '@/components/auth/step-up';

/** Deactivate (with a confirmation) or Reactivate one administrator. */
export function StatusActions({ id, name, active }: { id: string; name: string; active: boolean }) {
  const router = useRouter();
  if (active) {
    return (
      <ConfirmDialog
        trigger={
          <Button variant="danger-ghost" size="sm" aria-label={`Deactivate ${name}`}>
            Deactivate
          </Button>
        }
        title={`Deactivate ${name}?`}
        description="They can no longer sign in and are signed out at once. Their record and history stay, and a level 1 administrator can reactivate them."
        confirmLabel="Deactivate"
        destructive
        onConfirm={async () => {
          const result = await withStepUp(deactivateAdministratorAction)({ id });
          if (!result.ok) throw new Error(result.error.message);
          toast({ title: `${name} is now inactive`, variant: 'success' });
          router.refresh();
        }}
      />
    );
  }
  return (
    <ConfirmDialog
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Reactivate ${name}`}>
          Reactivate
        </Button>
      }
      title={`Reactivate ${name}?`}
      description="They can sign in again with their existing password."
      confirmLabel="Reactivate"
      onConfirm={async () => {
        const result = await withStepUp(reactivateAdministratorAction)({ id });
        if (!result.ok) throw new Error(result.error.message);
        toast({ title: `${name} is active again`, variant: 'success' });
        router.refresh();
      }}
    />
  );
}
