'use client';

import { Check, Copy, Plus } from '@/components/ui/icons';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { createConnectorAction } from '@/app/(admin)/settings/mail-flow/actions';
import { Alert, LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { Textarea } from '@/components/ui/textarea';
import { toast } from '@/components/ui/toast';
import { withStepUp } from '@/components/auth/step-up';

type Fields = { name: string; smtpUsername: string; allowedRanges: string };
const EMPTY: Fields = { name: '', smtpUsername: '', allowedRanges: '' };

/**
 * Add connector: a name, an SMTP AUTH user name and/or IP ranges; then the generated secret, shown
 * once with a copy button. The secret lives only in this component's state until the dialog closes.
 */
export function CreateConnectorDialog() {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<keyof Fields, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [created, setCreated] = useState<{ name: string; smtpUsername: string | null; secret: string | null } | null>(null);
  const [copied, setCopied] = useState(false);

  function reset() {
    setFields(EMPTY);
    setErrors({});
    setFormError(null);
    setCreated(null);
    setCopied(false);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!fields.name.trim()) {
      setErrors({ name: 'Enter a name.' });
      return;
    }
    setPending(true);
    setErrors({});
    setFormError(null);
    try {
      const result = await withStepUp(createConnectorAction)(fields);
      if (!result.ok) {
        const f = result.error.fieldErrors ?? {};
        const next = { name: f.name?.[0], smtpUsername: f.smtpUsername?.[0], allowedRanges: f.allowedRanges?.join(' ') };
        if (next.name || next.smtpUsername || next.allowedRanges) setErrors(next);
        else setFormError(result.error.message);
        return;
      }
      setCreated({ name: result.data.name, smtpUsername: result.data.smtpUsername, secret: result.data.secret });
      router.refresh();
    } finally {
      setPending(false);
    }
  }

  async function copy(secret: string) {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
      toast({ title: 'Secret copied', variant: 'success' });
    } catch {
      toast({ title: 'Could not copy. Select the secret and copy it by hand.', variant: 'error' });
    }
  }

  const set = (key: keyof Fields) => (value: string) => setFields((f) => ({ ...f, [key]: value }));

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (pending) return;
        setOpen(next);
        if (!next) reset();
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <Plus aria-hidden /> Add connector
        </Button>
      </DialogTrigger>
      <DialogContent>
        {created ? (
          <>
            <DialogHeader>
              <DialogTitle>Connector “{created.name}” added</DialogTitle>
              <DialogDescription>
                {created.secret ? 'Configure your mail server to relay through Sealpost with SMTP AUTH after STARTTLS.' : 'Mail from its IP ranges is accepted from now on.'}
              </DialogDescription>
            </DialogHeader>
            {created.secret && created.smtpUsername && (
              <>
                <Alert variant="warning" title="Copy the secret now">
                  It will not be shown again. Sealpost stores only a fingerprint of it; if you lose it, delete the connector and add a new one.
                </Alert>
                <div className="grid gap-2">
                  <p className="text-sm">
                    User name: <code className="font-mono">{created.smtpUsername}</code>
                  </p>
                  <label htmlFor="new-connector-secret" className="text-sm font-medium">
                    Secret (password)
                  </label>
                  <div className="flex gap-2">
                    <Input id="new-connector-secret" readOnly value={created.secret} className="font-mono text-xs" onFocus={(e) => e.currentTarget.select()} />
                    <Button type="button" variant="outline" onClick={() => copy(created.secret ?? '')}>
                      {copied ? <Check aria-hidden /> : <Copy aria-hidden />} {copied ? 'Copied' : 'Copy'}
                    </Button>
                  </div>
                </div>
              </>
            )}
            <DialogFooter>
              <Button
                type="button"
                onClick={() => {
                  setOpen(false);
                  reset();
                }}
              >
                Done
              </Button>
            </DialogFooter>
          </>
        ) : (
          <>
            <DialogHeader>
              <DialogTitle>Add connector</DialogTitle>
              <DialogDescription>How Sealpost recognises your mail server: SMTP AUTH with a secret it generates, the addresses it connects from, or both.</DialogDescription>
            </DialogHeader>
            <form onSubmit={submit} noValidate className="grid gap-4">
              <LiveAlert show={formError} variant="danger">{formError}</LiveAlert>
              <FormField id="connector-name" label="Name" error={errors.name}>
                <Input autoComplete="off" maxLength={100} value={fields.name} onChange={(e) => set('name')(e.target.value)} {...fieldA11y('connector-name', { error: errors.name })} />
              </FormField>
              <FormField id="connector-user" label="SMTP AUTH user name" hint="Leave empty to recognise the server by IP range only." error={errors.smtpUsername}>
                <Input
                  autoComplete="off"
                  maxLength={64}
                  value={fields.smtpUsername}
                  onChange={(e) => set('smtpUsername')(e.target.value)}
                  {...fieldA11y('connector-user', { hint: 'Leave empty to recognise the server by IP range only.', error: errors.smtpUsername })}
                />
              </FormField>
              <FormField id="connector-ranges" label="Allowed IP ranges" hint="CIDR ranges, one per line (e.g. 192.0.2.0/24 or 2001:db8::/32)." error={errors.allowedRanges}>
                <Textarea
                  rows={3}
                  value={fields.allowedRanges}
                  onChange={(e) => set('allowedRanges')(e.target.value)}
                  {...fieldA11y('connector-ranges', { hint: 'CIDR ranges, one per line (e.g. 192.0.2.0/24 or 2001:db8::/32).', error: errors.allowedRanges })}
                />
              </FormField>
              <DialogFooter>
                <Button type="button" variant="outline" onClick={() => setOpen(false)} disabled={pending}>
                  Cancel
                </Button>
                <Button type="submit" loading={pending}>
                  Add connector
                </Button>
              </DialogFooter>
            </form>
          </>
        )}
      </DialogContent>
    </Dialog>
  );
}
