'use client';

import { Check, Copy, Plus } from '@/components/ui/icons';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { createApiKeyAction } from '@/app/(admin)/settings/api-keys/actions';
import { Alert, LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { toast } from '@/components/ui/toast';
import { withStepUp } from '@/components/auth/step-up';

/**
 * Create key: asks for a name, then shows the new key once with a copy button. The key lives only
 * in this component's state and is dropped when the dialog closes; the server keeps only its hash.
 */
export function CreateApiKeyDialog() {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [created, setCreated] = useState<{ key: string; name: string } | null>(null);
  const [copied, setCopied] = useState(false);

  function reset() {
    setName('');
    setError(null);
    setFormError(null);
    setCreated(null);
    setCopied(false);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!name.trim()) {
      setError('Enter a name.');
      return;
    }
    setPending(true);
    setError(null);
    setFormError(null);
    try {
      const result = await withStepUp(createApiKeyAction)({ name });
      if (!result.ok) {
        const fieldMessage = result.error.fieldErrors?.name?.[0];
        if (fieldMessage) setError(fieldMessage);
        else setFormError(result.error.message);
        return;
      }
      setCreated({ key: result.data.key, name: result.data.name });
      router.refresh();
    } finally {
      setPending(false);
    }
  }

  async function copy(key: string) {
    try {
      await navigator.clipboard.writeText(key);
      setCopied(true);
      toast({ title: 'API key copied', variant: 'success' });
    } catch {
      // Clipboard access can be refused (insecure origin, permissions); the key is selectable text.
      toast({ title: 'Could not copy. Select the key and copy it by hand.', variant: 'error' });
    }
  }

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
          <Plus aria-hidden /> Create key
        </Button>
      </DialogTrigger>
      <DialogContent>
        {created ? (
          <>
            <DialogHeader>
              <DialogTitle>Your new API key</DialogTitle>
              <DialogDescription>Use it as a Bearer token for POST /api/delivery-events.</DialogDescription>
            </DialogHeader>
            <Alert variant="warning" title="Copy it now">
              This key will not be shown again. Sealpost stores only a fingerprint of it; if you lose it, revoke it and create a new one.
            </Alert>
            <div className="grid gap-2">
              <label htmlFor="new-api-key" className="text-sm font-medium">
                API key “{created.name}”
              </label>
              <div className="flex gap-2">
                <Input id="new-api-key" readOnly value={created.key} className="font-mono text-xs" onFocus={(e) => e.currentTarget.select()} />
                <Button type="button" variant="outline" onClick={() => copy(created.key)}>
                  {copied ? <Check aria-hidden /> : <Copy aria-hidden />} {copied ? 'Copied' : 'Copy'}
                </Button>
              </div>
            </div>
            <DialogFooter>
              <Button type="button" onClick={() => {
                  setOpen(false);
                  reset();
                }}>
                Done
              </Button>
            </DialogFooter>
          </>
        ) : (
          <>
            <DialogHeader>
              <DialogTitle>Create API key</DialogTitle>
              <DialogDescription>Name it after the system that will send delivery events, so you know what breaks when you revoke it.</DialogDescription>
            </DialogHeader>
            <form onSubmit={submit} noValidate className="grid gap-4">
              <LiveAlert show={formError} variant="danger">{formError}</LiveAlert>
              <FormField id="api-key-name" label="Name" error={error ?? undefined}>
                <Input
                  autoComplete="off"
                  maxLength={100}
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                  {...fieldA11y('api-key-name', { error: error ?? undefined })}
                />
              </FormField>
              <DialogFooter>
                <Button type="button" variant="outline" onClick={() => setOpen(false)} disabled={pending}>
                  Cancel
                </Button>
                <Button type="submit" loading={pending}>
                  Create key
                </Button>
              </DialogFooter>
            </form>
          </>
        )}
      </DialogContent>
    </Dialog>
  );
}
