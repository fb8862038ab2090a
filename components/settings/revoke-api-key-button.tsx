'use client';

import { useRouter } from 'next/navigation';
import { revokeApiKeyAction } from '@/app/(admin)/settings/api-keys/actions';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { toast } from '@/components/ui/toast';
import { withStepUp } from '@/components/auth/step-up';

/** Revoke, with a confirmation: it cannot be undone, and the sender starts getting 401 at once. */
export function RevokeApiKeyButton({ id, name }: { id: string; name: string }) {
  const router = useRouter();
  return (
    <ConfirmDialog
      trigger={
        <Button variant="danger-ghost" size="sm" aria-label={`Revoke ${name}`}>
          Revoke
        </Button>
      }
      title={`Revoke ${name}?`}
      description="Requests that use this key are refused from now on. This cannot be undone; create a new key for the system that used it."
      confirmLabel="Revoke"
      destructive
      onConfirm={async () => {
        const result = await withStepUp(revokeApiKeyAction)({ id });
        if (!result.ok) throw new Error(result.error.message);
        toast({ title: `${name} is revoked`, variant: 'success' });
        router.refresh();
      }}
    />
  );
}
