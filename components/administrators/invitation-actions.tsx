'use client';

import { useRouter } from 'next/navigation';
import { resendInvitationAction, revokeInvitationAction } from '@/app/(admin)/administrators/actions';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { toast } from '@/components/ui/toast';

/** Resend and Revoke one pending invitation, each after a confirmation. */
export function InvitationActions({ id, name, email }: { id: string; name: string; email: string }) {
  const router = useRouter();
  return (
    <div className="flex justify-end gap-1">
      <ConfirmDialog
        trigger={
          <Button variant="ghost" size="sm" aria-label={`Resend the invitation to ${email}`}>
            Resend
          </Button>
        }
        title={`Resend the invitation to ${email}?`}
        description="We email a new link, valid 7 days. The link sent before stops working."
        confirmLabel="Resend"
        onConfirm={async () => {
          const result = await resendInvitationAction({ id });
          if (!result.ok) throw new Error(result.error.message);
          toast({ title: `Invitation sent again to ${email}`, variant: 'success' });
          router.refresh();
        }}
      />
      <ConfirmDialog
        trigger={
          <Button variant="danger-ghost" size="sm" aria-label={`Revoke the invitation of ${name}`}>
            Revoke
          </Button>
        }
        title={`Revoke the invitation of ${name}?`}
        description={`The link sent to ${email} stops working at once and says it was revoked. You can invite them again later.`}
        confirmLabel="Revoke"
        destructive
        onConfirm={async () => {
          const result = await revokeInvitationAction({ id });
          if (!result.ok) throw new Error(result.error.message);
          toast({ title: `Invitation of ${name} revoked`, variant: 'success' });
          router.refresh();
        }}
      />
    </div>
  );
}
