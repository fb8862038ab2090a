'use client';

import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  WebAuthnError,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import { useRouter } from 'next/navigation';
import { useRef, useState, type FormEvent } from 'react';
import { RecoveryCodes } from '@/components/auth/two-factor-setup';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { KeyRound } from '@/components/ui/icons';
import { Input } from '@/components/ui/input';
import { toast } from '@/components/ui/toast';
import { useHydrated } from '@/components/ui/use-hydrated';
import type { ActionResult } from '@/lib/actions/result';
import { PASSKEY_NAME_MAX } from '@/lib/auth/passkey-schemas';

type Ceremony = 'add' | 'sign-in';

/**
 * What to tell the person when the browser's part failed: cancelled (or timed out, or no passkey
 * for this site on this device: browsers do not say which, on purpose), already registered, a
 * browser without WebAuthn, or an address where passkeys cannot work.
 */
export function ceremonyMessage(error: unknown, ceremony: Ceremony): string {
  const instead = ceremony === 'sign-in' ? ' Try again, or sign in another way.' : ' Try again.';
  if (typeof window !== 'undefined' && !browserSupportsWebAuthn()) {
    return `This browser cannot use passkeys or security keys.${ceremony === 'sign-in' ? ' Sign in another way.' : ' Use another browser.'}`;
  }
  const code = error instanceof WebAuthnError ? error.code : undefined;
  const name = error instanceof WebAuthnError ? (error.cause as { name?: string } | undefined)?.name : (error as { name?: string } | null)?.name;
  if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return 'This passkey or security key is already registered to your account.';
  if (code === 'ERROR_INVALID_DOMAIN' || code === 'ERROR_INVALID_RP_ID' || name === 'SecurityError') {
    return 'Passkeys do not work at this address. Open Sealpost at its usual web address and try again.';
  }
  if (code === 'ERROR_CEREMONY_ABORTED' || name === 'NotAllowedError' || name === 'AbortError') {
    return ceremony === 'sign-in'
      ? `No passkey was used: the request was cancelled or timed out, or this device has no passkey for Sealpost.${instead}`
      : `No passkey was added: the request was cancelled or timed out.${instead}`;
  }
  return `Your browser could not use a passkey or security key.${instead}`;
}

/** The steps of a ceremony: options from the server, the browser's part, the answer back to the server. */
async function runCeremony<O, R, T>(
  options: () => Promise<ActionResult<O>>,
  browser: (options: O) => Promise<R>,
  answer: (response: R, options: O) => Promise<ActionResult<T>>,
  ceremony: Ceremony,
): Promise<{ ok: true; data: T } | { ok: false; message: string }> {
  const started = await options();
  if (!started.ok) return { ok: false, message: started.error.message };
  let response: R;
  try {
    response = await browser(started.data);
  } catch (error) {
    return { ok: false, message: ceremonyMessage(error, ceremony) };
  }
  const result = await answer(response, started.data);
  return result.ok ? { ok: true, data: result.data } : { ok: false, message: result.error.message };
}

type SignInOptions = { challengeId: string; options: PublicKeyCredentialRequestOptionsJSON };
type SignInAnswer = (input: { challengeId: string; response: AuthenticationResponseJSON; callbackUrl?: string }) => Promise<ActionResult<never>>;

/**
 * A sign-in with a passkey: asks the server for a challenge, lets the browser answer it, and sends
 * the answer, whose action redirects on success; a refusal or a cancelled ceremony is the error.
 */
function usePasskeySignIn<O extends { options: PublicKeyCredentialRequestOptionsJSON }>(
  optionsAction: (input: Record<string, never>) => Promise<ActionResult<O>>,
  answer: (response: AuthenticationResponseJSON, options: O) => Promise<ActionResult<never>>,
) {
  const hydrated = useHydrated();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setPending(true);
    setError(null);
    const result = await runCeremony(() => optionsAction({}), (o) => startAuthentication({ optionsJSON: o.options }), answer, 'sign-in');
    // On success the browser is on its way to the next page.
    if (!result.ok) {
      setError(result.message);
      setPending(false);
    }
  };
  return { hydrated, pending, error, run };
}

/**
 * "Sign in with a passkey" (/login): a password-less sign-in with any passkey this device keeps for
 * Sealpost that checks it is you. On success the action redirects.
 */
export function PasskeySignIn({
  callbackUrl,
  optionsAction,
  action,
}: {
  callbackUrl?: string;
  optionsAction: (input: Record<string, never>) => Promise<ActionResult<SignInOptions>>;
  action: SignInAnswer;
}) {
  const { hydrated, pending, error, run } = usePasskeySignIn(optionsAction, (response, o) => action({ challengeId: o.challengeId, response, callbackUrl }));
  return (
    <div className="grid gap-3">
      <div className="flex items-center gap-3 text-xs text-muted" aria-hidden>
        <span className="h-px flex-1 bg-line" />
        or
        <span className="h-px flex-1 bg-line" />
      </div>
      <div aria-live="polite">{error && <Alert variant="danger">{error}</Alert>}</div>
      <Button type="button" variant="outline" size="lg" loading={pending} disabled={!hydrated} onClick={() => void run()}>
        <KeyRound aria-hidden />
        Sign in with a passkey
      </Button>
    </div>
  );
}

/** The second step of a sign-in with a passkey or security key instead of a code (/login/code). */
export function SecondFactorPasskey({
  callbackUrl,
  optionsAction,
  action,
}: {
  callbackUrl?: string;
  optionsAction: (input: Record<string, never>) => Promise<ActionResult<{ passkeyChallengeId: string; options: PublicKeyCredentialRequestOptionsJSON }>>;
  action: SignInAnswer;
}) {
  const { hydrated, pending, error, run } = usePasskeySignIn(optionsAction, (response, o) => action({ challengeId: o.passkeyChallengeId, response, callbackUrl }));
  return (
    <div className="grid gap-3">
      <div aria-live="polite">{error && <Alert variant="danger">{error}</Alert>}</div>
      <Button type="button" size="lg" loading={pending} disabled={!hydrated} onClick={() => void run()}>
        <KeyRound aria-hidden />
        Use a passkey or security key
      </Button>
    </div>
  );
}

export type PasskeyItem = { id: string; name: string; kind: string; added: string; lastUsed: string | null };

type AddResult = { id: string; name: string; recoveryCodes: string[] | null };

/**
 * The administrator's passkeys and security keys (/two-factor): the list with Rename and Remove
 * (after a confirmation), and a form to add one with a name.
 */
export function PasskeyManager({
  passkeys,
  optionsAction,
  addAction,
  renameAction,
  removeAction,
}: {
  passkeys: PasskeyItem[];
  optionsAction: (input: Record<string, never>) => Promise<ActionResult<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }>>;
  addAction: (input: { challengeId: string; name: string; response: RegistrationResponseJSON }) => Promise<ActionResult<AddResult>>;
  renameAction: (input: { id: string; name: string }) => Promise<ActionResult<null>>;
  removeAction: (input: { id: string }) => Promise<ActionResult<null>>;
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const [name, setName] = useState('');
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [target, setTarget] = useState<{ item: PasskeyItem; action: 'rename' | 'remove' } | null>(null);
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLElement | null>(null);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (name.trim().length > PASSKEY_NAME_MAX) {
      setError(`Use at most ${PASSKEY_NAME_MAX} characters for the name.`);
      return;
    }
    setAdding(true);
    setError(null);
    const result = await runCeremony(
      () => optionsAction({}),
      (o) => startRegistration({ optionsJSON: o.options }),
      (response, o) => addAction({ challengeId: o.challengeId, name, response }),
      'add',
    );
    setAdding(false);
    if (!result.ok) {
      setError(result.message);
      return;
    }
    setName('');
    toast({ title: `Passkey "${result.data.name}" added`, variant: 'success' });
    if (result.data.recoveryCodes) setCodes(result.data.recoveryCodes);
    router.refresh();
  };

  const show = (item: PasskeyItem, action: 'rename' | 'remove', button: HTMLElement) => {
    opener.current = button;
    setTarget({ item, action });
    setOpen(true);
  };

  return (
    <section aria-labelledby="passkeys-heading" className="grid gap-4">
      <div className="grid gap-1">
        <h2 id="passkeys-heading" className="text-lg font-semibold">
          Passkeys and security keys
        </h2>
        <p className="text-sm text-muted">
          Use your fingerprint, face or screen lock, or a security key, instead of a code. A passkey that checks it is you also signs you in without your password.
        </p>
      </div>
      {codes && (
        <div className="grid gap-3">
          <Alert variant="success">Two-factor authentication is on. From now on you sign in with your password and your passkey, or with your passkey alone.</Alert>
          <RecoveryCodes codes={codes} />
        </div>
      )}
      {passkeys.length === 0 ? (
        <p className="rounded-card border border-dashed border-line p-4 text-sm text-muted">No passkeys or security keys yet.</p>
      ) : (
        <ul aria-label="Passkeys and security keys" className="grid divide-y divide-line rounded-card border border-line">
          {passkeys.map((item) => (
            <li key={item.id} className="flex flex-wrap items-center gap-x-4 gap-y-2 p-3">
              <KeyRound aria-hidden className="size-5 shrink-0 text-muted" />
              <div className="grid min-w-0 flex-1 gap-0.5">
                <span className="truncate font-medium">{item.name}</span>
                <span className="text-xs text-muted">
                  {item.kind} · Added {item.added} · {item.lastUsed ? `Last used ${item.lastUsed}` : 'Never used'}
                </span>
              </div>
              <div className="flex gap-1">
                <Button variant="ghost" size="sm" aria-label={`Rename ${item.name}`} aria-haspopup="dialog" onClick={(e) => show(item, 'rename', e.currentTarget)}>
                  Rename
                </Button>
                <Button variant="danger-ghost" size="sm" aria-label={`Remove ${item.name}`} aria-haspopup="dialog" onClick={(e) => show(item, 'remove', e.currentTarget)}>
                  Remove
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={(e) => void add(e)} noValidate className="grid gap-3">
        <div aria-live="polite">{error && <Alert variant="danger">{error}</Alert>}</div>
        <FormField id="passkey-name" label="Name (optional)" hint='So you can tell them apart, like "YubiKey" or "Work laptop".'>
          <Input
            autoComplete="off"
            maxLength={PASSKEY_NAME_MAX}
            value={name}
            onChange={(e) => setName(e.target.value)}
            {...fieldA11y('passkey-name', { hint: 'So you can tell them apart, like "YubiKey" or "Work laptop".' })}
          />
        </FormField>
        <Button type="submit" variant={passkeys.length ? 'outline' : 'primary'} loading={adding} disabled={!hydrated} className="justify-self-start">
          <KeyRound aria-hidden />
          Add a passkey or security key
        </Button>
      </form>

      {target?.action === 'rename' && (
        <Dialog open={open} onOpenChange={setOpen}>
          <DialogContent
            onCloseAutoFocus={(event) => {
              event.preventDefault();
              opener.current?.focus();
            }}
          >
            <DialogHeader>
              <DialogTitle>Rename {target.item.name}</DialogTitle>
              <DialogDescription>The name is only for you, to tell your passkeys apart.</DialogDescription>
            </DialogHeader>
            <RenameForm
              key={target.item.id}
              item={target.item}
              action={renameAction}
              onCancel={() => setOpen(false)}
              onDone={(newName) => {
                toast({ title: `Renamed to "${newName}"`, variant: 'success' });
                setOpen(false);
                router.refresh();
              }}
            />
          </DialogContent>
        </Dialog>
      )}
      {target?.action === 'remove' && (
        <ConfirmDialog
          key={target.item.id}
          open={open}
          onOpenChange={setOpen}
          returnFocusTo={() => opener.current}
          title={`Remove ${target.item.name}?`}
          description="It will no longer sign you in, with or without your password. Remove it from the device or password manager too."
          confirmLabel="Remove"
          destructive
          onConfirm={async () => {
            const result = await removeAction({ id: target.item.id });
            if (!result.ok) throw new Error(result.error.message);
            toast({ title: `Passkey "${target.item.name}" removed`, variant: 'success' });
            router.refresh();
          }}
        />
      )}
    </section>
  );
}

function RenameForm({
  item,
  action,
  onCancel,
  onDone,
}: {
  item: PasskeyItem;
  action: (input: { id: string; name: string }) => Promise<ActionResult<null>>;
  onCancel: () => void;
  onDone: (name: string) => void;
}) {
  const [value, setValue] = useState(item.name);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const name = value.trim();
    if (!name) {
      setError('Enter a name.');
      return;
    }
    setPending(true);
    const result = await action({ id: item.id, name });
    setPending(false);
    if (!result.ok) {
      setError(result.error.fieldErrors?.name?.[0] ?? result.error.message);
      return;
    }
    onDone(name);
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="grid gap-4">
      <FormField id={`rename-${item.id}`} label="Name" error={error ?? undefined}>
        <Input autoComplete="off" maxLength={PASSKEY_NAME_MAX} value={value} onChange={(e) => setValue(e.target.value)} autoFocus {...fieldA11y(`rename-${item.id}`, { error: error ?? undefined })} />
      </FormField>
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" loading={pending}>
          Save
        </Button>
      </DialogFooter>
    </form>
  );
}
