'use client';

import { useState, useSyncExternalStore, type FormEvent } from 'react';
import { confirmStepUpAction } from '@/app/(auth)/actions';
import { PasswordInput } from '@/components/auth/password-input';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import type { ActionResult } from '@/lib/actions/result';

/**
 * Step-up on the client. A sensitive action refused with `step_up_required` (lib/auth/step-up.ts)
 * opens one dialog, mounted once in the admin shell (<StepUpDialogHost />), that asks for a code
 * (or the password, for an administrator without a second factor); once confirmed, the same call
 * is made again with the same input. The calling form keeps its state throughout: it is simply
 * still waiting for its action's answer.
 *
 *     const result = await withStepUp(createApiKeyAction)({ name });
 */
type Method = 'code' | 'password';
type Request = { id: number; method: Method; resolve: (confirmed: boolean) => void };

// Module-level store, like toast(): any client component can ask without a provider.
let current: Request | null = null;
let nextId = 1;
const listeners = new Set<() => void>();

function setCurrent(next: Request | null) {
  current = next;
  listeners.forEach((listener) => listener());
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Opens the dialog; resolves true once confirmed, false when cancelled. */
function requestStepUp(method: Method): Promise<boolean> {
  // Only one at a time: an earlier request still open is answered "cancelled".
  current?.resolve(false);
  return new Promise((resolve) => setCurrent({ id: nextId++, method, resolve }));
}

const NOT_CONFIRMED = 'Nothing was changed: confirm it’s you to make this change.';

/** The action, asking for step-up when it is refused for want of one and then calling it again. */
export function withStepUp<A extends unknown[], T>(action: (...args: A) => Promise<ActionResult<T>>): (...args: A) => Promise<ActionResult<T>> {
  return async (...args: A) => {
    let result = await action(...args);
    // Twice at most: a confirmation the server did not see (another tab signed out) is not a loop.
    for (let tries = 0; tries < 2 && !result.ok && result.error.code === 'step_up_required'; tries++) {
      const method = result.error.stepUp;
      // 'sign_in': no code or password can do it here; the message says to sign in again.
      if (method !== 'code' && method !== 'password') return result;
      if (!(await requestStepUp(method))) return { ok: false, error: { code: 'step_up_required', message: NOT_CONFIRMED } };
      result = await action(...args);
    }
    return result;
  };
}

/** The step-up dialog: mounted once in the admin shell. */
export function StepUpDialogHost() {
  const request = useSyncExternalStore(
    subscribe,
    () => current,
    () => null,
  );
  // Keyed by the request, so each opening starts empty.
  return request ? <StepUpDialog key={request.id} request={request} /> : null;
}

function StepUpDialog({ request }: { request: Request }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const code = request.method === 'code';
  const field = code ? 'step-up-code' : 'step-up-password';
  const hint = code ? 'The 6-digit code shown in your authenticator app, or one of your recovery codes.' : undefined;

  function finish(confirmed: boolean) {
    request.resolve(confirmed);
    if (current?.id === request.id) setCurrent(null);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    event.stopPropagation(); // a form of the page behind must not submit too
    if (!value.trim()) {
      setError(code ? 'Enter the code from your authenticator app, or a recovery code.' : 'Enter your password.');
      return;
    }
    setPending(true);
    setError(null);
    setFormError(null);
    try {
      const result = await confirmStepUpAction(code ? { code: value } : { password: value });
      if (result.ok) {
        finish(true);
        return;
      }
      const message = result.error.fieldErrors?.[code ? 'code' : 'password']?.[0];
      if (message) setError(message);
      else setFormError(result.error.message);
      setValue('');
    } catch {
      setFormError('Sealpost could not be reached. Check your connection and try again.');
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog
      open
      onOpenChange={(open) => {
        if (!open && !pending) finish(false);
      }}
    >
      <DialogContent onInteractOutside={(event) => event.preventDefault()}>
        <DialogHeader>
          <DialogTitle>Confirm it’s you</DialogTitle>
          <DialogDescription>
            {code
              ? 'This change needs your second factor. Enter a code from your authenticator app to continue.'
              : 'This change needs your password. Enter it to continue.'}{' '}
            You will not be asked again for 10 minutes.
          </DialogDescription>
        </DialogHeader>
        <form onSubmit={submit} noValidate className="grid gap-4">
          <LiveAlert show={formError} variant="danger">{formError}</LiveAlert>
          <FormField id={field} label={code ? 'Authentication code' : 'Password'} hint={hint} error={error ?? undefined}>
            {code ? (
              <Input
                autoComplete="one-time-code"
                inputMode="text"
                spellCheck={false}
                autoFocus
                maxLength={32}
                value={value}
                onChange={(e) => setValue(e.target.value)}
                {...fieldA11y(field, { hint, error: error ?? undefined })}
              />
            ) : (
              <PasswordInput
                autoComplete="current-password"
                autoFocus
                maxLength={1024}
                value={value}
                onChange={(e) => setValue(e.target.value)}
                {...fieldA11y(field, { error: error ?? undefined })}
              />
            )}
          </FormField>
          <DialogFooter>
            <Button type="button" variant="outline" disabled={pending} onClick={() => finish(false)}>
              Cancel
            </Button>
            <Button type="submit" loading={pending}>
              Confirm
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
