'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { deleteConnectorAction, updateConnectorRangesAction } from '@/app/(admin)/settings/mail-flow/actions';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Textarea } from '@/components/ui/textarea';
import { toast } from '@/components/ui/toast';
import { withStepUp } from '@/components/auth/step-up';

const HINT = 'CIDR ranges, one per line (e.g. 192.0.2.0/24 or 2001:db8::/32). Empty: SMTP AUTH only.';

/** Edit IP ranges: replaces the connector's ranges, with the change recorded as an event. */
export function EditConnectorRangesDialog({ id, name, ranges }: { id: string; name: string; ranges: string[] }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState(ranges.join('\n'));
  const [error, setError] = useState<string | undefined>();
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(undefined);
    setFormError(null);
    try {
      const result = await withStepUp(updateConnectorRangesAction)({ id, allowedRanges: value });
      if (!result.ok) {
        const field = result.error.fieldErrors?.allowedRanges;
        if (field) setError(field.join(' '));
        else setFormError(result.error.message);
        return;
      }
      toast({ title: `IP ranges of ${name} saved`, variant: 'success' });
      setOpen(false);
      router.refresh();
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (pending) return;
        setOpen(next);
        if (next) {
          setValue(ranges.join('\n'));
          setError(undefined);
          setFormError(null);
        }
      }}
    >
      <DialogTrigger asChild>
        <Button variant="ghost" size="sm" aria-label={`Edit IP ranges of ${name}`}>
          Edit IP ranges
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>IP ranges of {name}</DialogTitle>
          <DialogDescription>A client connecting from these addresses is recognised as this connector without SMTP AUTH.</DialogDescription>
        </DialogHeader>
        <form onSubmit={submit} noValidate className="grid gap-4">
          <LiveAlert show={formError} variant="danger">{formError}</LiveAlert>
          <FormField id={`ranges-${id}`} label="Allowed IP ranges" hint={HINT} error={error}>
            <Textarea rows={4} value={value} onChange={(e) => setValue(e.target.value)} {...fieldA11y(`ranges-${id}`, { hint: HINT, error })} />
          </FormField>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)} disabled={pending}>
              Cancel
            </Button>
            <Button type="submit" loading={pending}>
              Save
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** Delete, with a confirmation: the mail server is refused from its next connection on. */
export function DeleteConnectorButton({ id, name }: { id: string; name: string }) {
  const router = useRouter();
  return (
    <ConfirmDialog
      trigger={
        <Button variant="danger-ghost" size="sm" aria-label={`Delete ${name}`}>
          Delete
        </Button>
      }
      title={`Delete ${name}?`}
      description="Its mail server can no longer relay through Sealpost. Messages already accepted are still delivered. This cannot be undone; add a new connector to allow the server again."
      confirmLabel="Delete"
      destructive
      onConfirm={async () => {
        const result = await withStepUp(deleteConnectorAction)({ id });
        if (!result.ok) throw new Error(result.error.message);
        toast({ title: `${name} is deleted`, variant: 'success' });
        router.refresh();
      }}
    />
  );
}
