'use client';

import { useRouter } from 'next/navigation';
import { unlinkDomainIdentityAction } from '@/app/(admin)/settings/identity-provider/actions';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { toast } from '@/components/ui/toast';
import { withStepUp } from '@/components/auth/step-up';

/** Removes an administrator's Domain sign-in binding, so their next Domain sign-in links again. */
export function UnlinkIdentityButton({ name, email }: { name: string; email: string }) {
  const router = useRouter();
  return (
    <ConfirmDialog
      trigger={
        <Button variant="ghost" size="sm" aria-label={`Unlink Domain sign-in of ${name}`}>
          Unlink
        </Button>
      }
      title={`Unlink Domain sign-in of ${name}?`}
      description={`${email} is linked to one identity at your identity provider, and only that identity signs it in. Unlink it when that person's identity there was replaced: their next Domain sign-in links whichever identity the provider then vouches for ${email}.`}
      confirmLabel="Unlink"
      onConfirm={async () => {
        const result = await withStepUp(unlinkDomainIdentityAction)({ email });
        if (!result.ok) throw new Error(result.error.message);
        toast({ title: `${name} is unlinked`, variant: 'success' });
        router.refresh();
      }}
    />
  );
}
