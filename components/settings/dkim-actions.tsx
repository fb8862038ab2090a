'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { disableDkimKeyAction, generateDkimKeyAction, rotateDkimKeyAction } from '@/app/(admin)/settings/mail-flow/actions';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Check, Copy, KeyRound } from '@/components/ui/icons';
import { toast } from '@/components/ui/toast';
import { withStepUp } from '@/components/auth/step-up';

/** Copies one value of the DNS record; says so on the button and in a toast. */
export function CopyValueButton({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      toast({ title: `${label} copied`, variant: 'success' });
    } catch {
      toast({ title: 'Could not copy. Select the text and copy it by hand.', variant: 'error' });
    }
  }
  return (
    <Button type="button" variant="outline" size="sm" aria-label={`Copy ${label.toLowerCase()}`} onClick={copy}>
      {copied ? <Check aria-hidden /> : <Copy aria-hidden />} {copied ? 'Copied' : 'Copy'}
    </Button>
  );
}

/** Generate a DKIM key for a domain that has none (2048-bit RSA, a new selector). */
export function GenerateDkimKeyButton({ domain }: { domain: string }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  async function generate() {
    setPending(true);
    try {
      const result = await withStepUp(generateDkimKeyAction)({ domain });
      if (!result.ok) {
        toast({ title: result.error.message, variant: 'error' });
        return;
      }
      toast({ title: `DKIM key generated for ${domain}`, description: `Publish the TXT record ${result.data.record.name} in your DNS.`, variant: 'success' });
      router.refresh();
    } finally {
      setPending(false);
    }
  }
  return (
    <Button type="button" variant="outline" size="sm" loading={pending} onClick={generate} aria-label={`Generate a DKIM key for ${domain}`}>
      <KeyRound aria-hidden /> Generate DKIM key
    </Button>
  );
}

/** Rotate (a new key under a new selector signs at once) and turn off, each with a confirmation. */
export function DkimKeyActions({ domain, selector }: { domain: string; selector: string }) {
  const router = useRouter();
  return (
    <div className="flex flex-wrap gap-1">
      <ConfirmDialog
        trigger={
          <Button variant="ghost" size="sm" aria-label={`Rotate the DKIM key of ${domain}`}>
            Rotate key
          </Button>
        }
        title={`Rotate the DKIM key of ${domain}?`}
        description={`A new key with a new selector signs ${domain}’s mail from now on, and the key of selector ${selector} is deleted. Publish the new record at once; keep the old one published for a few days, for mail still on its way.`}
        confirmLabel="Rotate key"
        onConfirm={async () => {
          const result = await withStepUp(rotateDkimKeyAction)({ domain });
          if (!result.ok) throw new Error(result.error.message);
          toast({ title: `New DKIM key for ${domain}`, description: `Publish the TXT record ${result.data.record.name}.`, variant: 'success' });
          router.refresh();
        }}
      />
      <ConfirmDialog
        trigger={
          <Button variant="danger-ghost" size="sm" aria-label={`Turn off DKIM signing for ${domain}`}>
            Turn off
          </Button>
        }
        title={`Turn off DKIM signing for ${domain}?`}
        description={`Mail from ${domain} is no longer signed, and the key of selector ${selector} is deleted. Generate a new key to sign again.`}
        confirmLabel="Turn off"
        destructive
        onConfirm={async () => {
          const result = await withStepUp(disableDkimKeyAction)({ domain });
          if (!result.ok) throw new Error(result.error.message);
          toast({ title: `DKIM signing is off for ${domain}`, variant: 'success' });
          router.refresh();
        }}
      />
    </div>
  );
}
