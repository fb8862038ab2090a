'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { saveMessageSettingsAction } from '@/app/(admin)/secure-messages/actions';
import { Button } from '@/components/ui/button';
import { Checkbox } from '@/components/ui/checkbox';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { toast } from '@/components/ui/toast';

/** Level 1: the retention period (keys of older messages destroyed; empty: none) and "sender may recall". */
export function MessageSettingsForm({ retentionDays, senderMayRecall }: { retentionDays: number | null; senderMayRecall: boolean }) {
  const router = useRouter();
  const [days, setDays] = useState(retentionDays === null ? '' : String(retentionDays));
  const [mayRecall, setMayRecall] = useState(senderMayRecall);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <form
      className="grid max-w-xl gap-4"
      onSubmit={async (event) => {
        event.preventDefault();
        setPending(true);
        setError(null);
        const result = await saveMessageSettingsAction({ retentionDays: days.trim() === '' ? null : days.trim(), senderMayRecall: mayRecall });
        setPending(false);
        if (!result.ok) return setError(result.error.fieldErrors?.retentionDays?.[0] ?? result.error.message);
        toast({ title: 'Message settings saved', variant: 'success' });
        router.refresh();
      }}
    >
      <div className="grid gap-1.5">
        <Label htmlFor="retention-days">Retention period (days)</Label>
        <Input
          id="retention-days"
          inputMode="numeric"
          value={days}
          onChange={(e) => setDays(e.target.value)}
          placeholder="None"
          aria-describedby={error ? 'retention-error retention-help' : 'retention-help'}
          aria-invalid={error ? true : undefined}
          className="max-w-40"
        />
        <p id="retention-help" className="text-sm text-muted">
          Messages older than this lose their key: nobody can open them again, backups included once they age out. Empty: kept until deleted.
        </p>
        {error && (
          <p id="retention-error" role="alert" className="text-sm text-danger-600">
            {error}
          </p>
        )}
      </div>
      <div className="flex items-start gap-2">
        <Checkbox id="sender-may-recall" checked={mayRecall} onChange={(e) => setMayRecall(e.target.checked)} />
        <Label htmlFor="sender-may-recall" className="font-normal">
          Senders may recall their own messages from Sent
        </Label>
      </div>
      <div>
        <Button type="submit" loading={pending}>
          Save message settings
        </Button>
      </div>
    </form>
  );
}
