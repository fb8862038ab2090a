'use client';

import { Paperclip, Send, ShieldCheck, Trash2, UserPlus } from '@/components/ui/icons';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { deleteDraftAction, findContactsAction, saveDraftAction, sendMessageAction } from '@/app/secure/(portal)/actions';
import { cn } from '@/components/ui/cn';
import { focusAfterNavigation } from '@/components/shell/focus-manager';
import { Alert, LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Checkbox } from '@/components/ui/checkbox';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { toast } from '@/components/ui/toast';
import { useHydrated } from '@/components/ui/use-hydrated';
import { formatFileSize } from '@/lib/format';
import { policyForCompose, stricterRestriction, withPolicy, type SendPolicy } from '@/lib/messaging/send-policy';
import { describeCondition } from '@/lib/policies/describe';
import { MessageEditor } from './message-editor';
import { badAddressMessage } from '@/lib/messaging/compose-input';
import { RecipientField, type Contact } from './recipient-field';

export const MAX_TOTAL_BYTES = 50 * 1024 * 1024;

type Uploaded = { id: string; fileName: string; sizeBytes: number };
type Restriction = 'none' | 'no_print' | 'no_print_no_reply';
type Expiry = 1 | 7 | 30 | null;
export type ComposePolicy = SendPolicy;

/** What the composer starts from: a new message, a reply, or a draft being continued. */
export type ComposeInitial = {
  to: string[];
  cc: string[];
  subject: string;
  /** HTML. */
  body: string;
  inReplyTo: string | null;
  readReceipt: boolean;
  restriction: Restriction;
  expireDays: Expiry;
  attachments: Uploaded[];
  /** Continued from Drafts: it is saved already. */
  saved: boolean;
};

function megabytes(bytes: number) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const RESTRICTION_NAMES = { none: '', no_print: 'no print', no_print_no_reply: 'no print, no reply' } as const;
const RESTRICTION_LABELS = { none: 'No restriction', no_print_no_reply: 'Restricted — no print, no reply', no_print: 'Restricted — no print' } as const;

/** Why the policy applies, in the words of /policies ("Subject contains [secure]"). */
function reasonOf(policy: ComposePolicy): string {
  const kind = policy.conditionKind;
  if (kind !== 'subject_contains' && kind !== 'attachment_present' && kind !== 'sender_in_group') return 'It applies';
  return describeCondition({ conditionKind: kind, conditionValue: policy.conditionValue ?? '' });
}

/** The minimum the organisation's policy sets for this message, as the send enforces it (`withPolicy`). */
function PolicyNotice({ policy }: { policy: ComposePolicy }) {
  const effects = [
    policy.readReceipt && 'a read receipt is requested',
    policy.expireAfterDays && `it expires in ${policy.expireAfterDays} day${policy.expireAfterDays === 1 ? '' : 's'} at the latest`,
    policy.restriction !== 'none' && `it is at least restricted (${RESTRICTION_NAMES[policy.restriction]})`,
  ].filter(Boolean);
  return (
    <Alert title={`Your organisation’s policy “${policy.name}” applies`}>
      {reasonOf(policy)}, so {effects.length > 0 ? `${effects.join('; ')}.` : 'it is delivered by secure message.'}
    </Alert>
  );
}

type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; at: Date } | { kind: 'failed'; message: string };

export function ComposeForm({
  contacts,
  initial,
  draftId,
  policies = [],
  senderGroups = [],
}: {
  contacts: Contact[];
  initial: ComposeInitial;
  /** Names this message: its uploads and its saved draft (lib/messaging/attachments, lib/messaging/drafts). */
  draftId: string;
  /** The sender's organisation's policies (internal senders only): the options say which applies. */
  policies?: ComposePolicy[];
  /** The policy groups the sender belongs to ("sender in group" policies). */
  senderGroups?: string[];
}) {
  const router = useRouter();
  const [to, setTo] = useState(initial.to);
  const [cc, setCc] = useState(initial.cc);
  const [subject, setSubject] = useState(initial.subject);
  const [body, setBody] = useState(initial.body);
  const [files, setFiles] = useState<Uploaded[]>(initial.attachments);
  const [uploading, setUploading] = useState<{ name: string; percent: number } | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [readReceipt, setReadReceipt] = useState(initial.readReceipt);
  const [restriction, setRestriction] = useState<Restriction>(initial.restriction);
  const [expireDays, setExpireDays] = useState<Expiry>(initial.expireDays);
  const [sending, setSending] = useState(false);
  const [removing, setRemoving] = useState<string | null>(null);
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  const toField = useRef<{ commit: () => string[] } | null>(null);
  const ccField = useRef<{ commit: () => string[] } | null>(null);
  const sendButton = useRef<HTMLButtonElement>(null);
  // What is uploaded so far, current between the uploads of several files picked at once.
  const uploadedBytes = useRef(initial.attachments.reduce((sum, f) => sum + f.sizeBytes, 0));
  // Until hydrated, Send would submit the form natively: a GET with the message in the URL.
  const hydrated = useHydrated();

  const total = files.reduce((sum, f) => sum + f.sizeBytes, 0);
  const policy = policyForCompose(policies, { subject, hasAttachment: files.length > 0, senderGroups });
  // What the message will be sent with: the choices below, held to the policy's minimum. The
  // options show these and offer nothing weaker; the server applies the same rule on send.
  const effective = withPolicy({ expireDays, restriction, readReceipt }, policy);
  const expiryChoices: { value: number | null; label: string }[] = [
    { value: null, label: 'Never' },
    { value: 1, label: 'In 1 day' },
    { value: 7, label: 'In 7 days' },
    { value: 30, label: 'In 30 days' },
  ];
  const policyDays = policy?.expireAfterDays ?? null;
  if (policyDays !== null && !expiryChoices.some((c) => c.value === policyDays)) {
    expiryChoices.push({ value: policyDays, label: `In ${policyDays} day${policyDays === 1 ? '' : 's'} (policy)` });
    expiryChoices.sort((a, b) => (a.value ?? Infinity) - (b.value ?? Infinity));
  }
  const expiryAllowed = (value: number | null) => policyDays === null || (value !== null && value <= policyDays);

  // ---- Drafts: saved a moment after each change, when the page is hidden, and before leaving.
  const content = { to, cc, subject, body, readReceipt, restriction, expireDays, files: files.map((f) => f.id) };
  const snapshot = JSON.stringify(content);
  const initialSnapshot = useRef(snapshot);
  // What the server holds: the start when continuing a draft; nothing yet for a new message.
  const savedSnapshot = useRef<string | null>(initial.saved ? snapshot : null);
  const latest = useRef({ snapshot, content });
  const finished = useRef(false);
  const inFlight = useRef<Promise<boolean> | null>(null);
  useEffect(() => {
    latest.current = { snapshot, content };
  });
  const unsaved = () => {
    const now = latest.current.snapshot;
    if (finished.current || now === savedSnapshot.current) return false;
    // An untouched new page is not a draft.
    return savedSnapshot.current !== null || now !== initialSnapshot.current;
  };

  const saveDraft = useCallback(async (): Promise<boolean> => {
    if (inFlight.current) await inFlight.current;
    if (!unsaved()) return true;
    const { snapshot: snap, content: c } = latest.current;
    const run = (async () => {
      setSave({ kind: 'saving' });
      try {
        const result = await saveDraftAction({
          draftId,
          to: c.to,
          cc: c.cc,
          subject: c.subject,
          body: c.body,
          readReceipt: c.readReceipt,
          restriction: c.restriction,
          expireDays: c.expireDays,
          inReplyTo: initial.inReplyTo,
        });
        if (!result.ok) {
          setSave({ kind: 'failed', message: result.error.message });
          return false;
        }
        savedSnapshot.current = snap;
        setSave({ kind: 'saved', at: new Date(result.data.savedAt) });
        return true;
      } catch {
        setSave({ kind: 'failed', message: 'The connection failed.' });
        return false;
      }
    })();
    inFlight.current = run;
    const ok = await run;
    inFlight.current = null;
    return ok;
  }, [draftId, initial.inReplyTo]);

  useEffect(() => {
    if (!unsaved()) return;
    const timer = setTimeout(() => void saveDraft(), 1000);
    return () => clearTimeout(timer);
  }, [snapshot, saveDraft]);

  useEffect(() => {
    const hidden = () => {
      if (document.visibilityState === 'hidden' && unsaved()) void saveDraft();
    };
    const beforeUnload = (event: BeforeUnloadEvent) => {
      if (!unsaved()) return;
      void saveDraft();
      // The browser asks; by the time it is answered the save has usually gone.
      event.preventDefault();
      event.returnValue = '';
    };
    // A link to another page of the portal waits for the save, then goes: nothing written is lost.
    // Once there is a draft, the next page is refreshed too (the folder list counts drafts).
    const click = (event: MouseEvent) => {
      const pending = unsaved();
      if ((!pending && savedSnapshot.current === null) || finished.current) return;
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = (event.target as Element | null)?.closest?.('a[href]');
      if (!(link instanceof HTMLAnchorElement) || link.target === '_blank' || link.hasAttribute('download')) return;
      const url = new URL(link.href, window.location.href);
      if (url.origin !== window.location.origin) return;
      event.preventDefault();
      event.stopPropagation();
      void saveDraft().then((ok) => {
        if (!ok) {
          toast({ title: 'The draft could not be saved', description: 'Stay on the page and try again, or copy what you wrote.', variant: 'error' });
          return;
        }
        if (pending) toast({ title: 'Draft saved', description: 'Continue it from Drafts.', variant: 'success' });
        finished.current = true;
        router.push(`${url.pathname}${url.search}${url.hash}`);
        router.refresh();
      });
    };
    document.addEventListener('visibilitychange', hidden);
    window.addEventListener('beforeunload', beforeUnload);
    document.addEventListener('click', click, true);
    return () => {
      document.removeEventListener('visibilitychange', hidden);
      window.removeEventListener('beforeunload', beforeUnload);
      document.removeEventListener('click', click, true);
    };
  }, [saveDraft, router]);

  async function discard() {
    finished.current = true;
    if (inFlight.current) await inFlight.current;
    if (savedSnapshot.current !== null) {
      // The draft goes with its files.
      const result = await deleteDraftAction({ id: draftId.split('.')[0] });
      if (!result.ok && result.error.code !== 'not_found') {
        finished.current = false;
        throw new Error(result.error.message);
      }
    } else {
      for (const file of files) void fetch(`/secure/attachments/${file.id}`, { method: 'DELETE', keepalive: true }).catch(() => undefined);
    }
    toast({ title: 'Draft discarded', variant: 'success' });
    router.push('/secure/inbox');
    router.refresh();
  }

  // ---- Attachments

  async function upload(file: File) {
    setFormError(null);
    if (file.size === 0) return setFormError(`${file.name} is empty.`);
    const before = uploadedBytes.current;
    if (before + file.size > MAX_TOTAL_BYTES) {
      return setFormError(`Attachments can total at most 50 MB per message; ${file.name} would make ${megabytes(before + file.size)}.`);
    }
    setUploading({ name: file.name, percent: 0 });
    try {
      const row = await new Promise<Uploaded>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', '/secure/attachments');
        xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
        xhr.setRequestHeader('X-File-Name', encodeURIComponent(file.name));
        xhr.setRequestHeader('X-File-Size', String(file.size));
        xhr.setRequestHeader('X-Draft-Id', draftId);
        xhr.upload.onprogress = (e) => e.lengthComputable && setUploading({ name: file.name, percent: Math.round((e.loaded / e.total) * 100) });
        xhr.onerror = () => reject(new Error('The upload failed. Try again.'));
        xhr.onload = () => {
          let data: unknown = null;
          try {
            data = JSON.parse(xhr.responseText);
          } catch {
            data = null;
          }
          if (xhr.status === 201 && data) resolve(data as Uploaded);
          else reject(new Error((data as { error?: { message?: string } } | null)?.error?.message ?? `The upload failed (${xhr.status}).`));
        };
        xhr.send(file);
      });
      uploadedBytes.current += row.sizeBytes;
      setFiles((list) => [...list, row]);
    } catch (e) {
      setFormError(e instanceof Error ? e.message : 'The upload failed.');
    } finally {
      setUploading(null);
    }
  }

  async function remove(file: Uploaded) {
    setFormError(null);
    setRemoving(file.id);
    try {
      const response = await fetch(`/secure/attachments/${file.id}`, { method: 'DELETE' });
      // Already gone (a second tab, or thrown away after two days) is as good as removed.
      if (!response.ok && response.status !== 404) {
        const data = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new Error(data?.error?.message ?? `${file.fileName} could not be removed (${response.status}). Try again.`);
      }
      uploadedBytes.current -= file.sizeBytes;
      setFiles((list) => list.filter((x) => x.id !== file.id));
    } catch (e) {
      setFormError(e instanceof TypeError ? `${file.fileName} could not be removed: the connection failed. Try again.` : e instanceof Error ? e.message : 'The file could not be removed.');
    } finally {
      setRemoving(null);
    }
  }

  // ---- Send: checked here, confirmed in the dialog, enforced on the server.

  function review() {
    const toNow = toField.current?.commit() ?? to;
    const ccNow = ccField.current?.commit() ?? cc;
    const next: Record<string, string> = {};
    if (toNow.length === 0) next.to = 'Add at least one recipient.';
    const badTo = badAddressMessage(toNow);
    if (badTo) next.to = badTo;
    const badCc = badAddressMessage(ccNow);
    if (badCc) next.cc = badCc;
    if (!subject.trim()) next.subject = 'Enter a subject.';
    setErrors(next);
    if (Object.keys(next).length === 0) setConfirmOpen(true);
    else document.getElementById(Object.keys(next)[0])?.focus();
  }

  async function send() {
    setSending(true);
    setFormError(null);
    // No draft save may land after the send has removed the draft.
    finished.current = true;
    if (inFlight.current) await inFlight.current;
    const result = await sendMessageAction({
      to,
      cc,
      subject,
      body,
      bodyFormat: 'html',
      attachmentIds: files.map((f) => f.id),
      readReceipt,
      restriction,
      expireDays,
      inReplyTo: initial.inReplyTo,
      draftId,
    });
    setSending(false);
    if (!result.ok) {
      finished.current = false;
      setConfirmOpen(false);
      const fieldErrors = result.error.fieldErrors ?? {};
      setErrors(Object.fromEntries(Object.entries(fieldErrors).map(([k, v]) => [k.split('.')[0], v[0] ?? ''])));
      setFormError(result.error.message);
      return;
    }
    toast({ title: 'Secure message sent', variant: 'success' });
    const phoneless = result.data.missingPhones;
    if (phoneless.length > 0) {
      toast({
        title: 'No phone number for SMS two-factor',
        description: `${phoneless.join(', ')} ${phoneless.length === 1 ? 'has' : 'have'} no phone number for SMS two-factor; ask an administrator to add one.`,
        variant: 'info',
        persist: true,
      });
    }
    // The Sent folder's heading takes focus, rather than the page body (components/shell/focus-manager.tsx).
    focusAfterNavigation('heading');
    router.push('/secure/sent');
    router.refresh();
  }

  const expiryLabel = effective.expireDays ? `Expires in ${effective.expireDays} day${effective.expireDays === 1 ? '' : 's'}` : 'Does not expire';
  const optionSummary = [
    effective.readReceipt ? 'Read receipt requested' : 'No read receipt',
    effective.restriction === 'none' ? 'No restriction' : RESTRICTION_LABELS[effective.restriction],
    expiryLabel,
  ];
  const saveText =
    save.kind === 'saving'
      ? 'Saving draft…'
      : save.kind === 'saved'
        ? `Draft saved at ${save.at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`
        : save.kind === 'failed'
          ? `Draft not saved: ${save.message}`
          : initial.saved
            ? 'Continuing a saved draft'
            : 'Saved to Drafts as you write';

  return (
    <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_17rem]">
      <form
        method="post"
        className="grid min-w-0 gap-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          review();
        }}
      >
        <LiveAlert show={formError} variant="danger">{formError}</LiveAlert>
        <RecipientField
          id="to"
          label="To"
          value={to}
          onChange={(next) => {
            setTo(next);
            if (errors.to) setErrors(({ to: _gone, ...rest }) => rest);
          }}
          contacts={contacts}
          error={errors.to}
          hint="Type a name or address; Enter or a comma adds it."
          autoFocus={initial.to.length === 0}
          inputRef={toField}
        />
        <RecipientField
          id="cc"
          label="Cc"
          value={cc}
          onChange={(next) => {
            setCc(next);
            if (errors.cc) setErrors(({ cc: _gone, ...rest }) => rest);
          }}
          contacts={contacts}
          error={errors.cc}
          inputRef={ccField}
        />
        <FormField id="subject" label="Subject" error={errors.subject}>
          <Input
            {...fieldA11y('subject', { error: errors.subject })}
            // The next thing to fill in: a reply's recipients are there already.
            autoFocus={initial.to.length > 0 && !initial.subject}
            value={subject}
            onChange={(e) => {
              setSubject(e.target.value);
              if (errors.subject) setErrors(({ subject: _gone, ...rest }) => rest);
            }}
            maxLength={200}
          />
        </FormField>
        <div className="grid gap-1.5">
          <span id="body-label" className="text-sm font-medium text-ink">
            Message
          </span>
          <MessageEditor
            initialHtml={initial.body}
            onChange={setBody}
            labelledBy="body-label"
            describedBy={errors.body ? 'body-error' : undefined}
            invalid={Boolean(errors.body)}
            autoFocus={initial.to.length > 0 && Boolean(initial.subject)}
          />
          {errors.body && (
            <p id="body-error" className="text-sm font-medium text-danger-600">
              {errors.body}
            </p>
          )}
        </div>
        <div className="grid gap-2">
          <div className="flex flex-wrap items-center gap-3">
            {/*
              The input lies, transparent, over its label: the target for the pointer as well as for the
              keyboard, as large as the label (a 1 px input would be a target under 24 × 24 px), and
              still the file input assistive technology finds. The label shows the focus ring and the
              hover, so the input comes first as the peer.
            */}
            <span className="relative inline-flex">
              <input
                id="attachment"
                type="file"
                multiple
                className="peer absolute inset-0 size-full cursor-pointer opacity-0 disabled:cursor-not-allowed"
                disabled={Boolean(uploading)}
                onChange={async (e) => {
                  const list = [...(e.target.files ?? [])];
                  e.target.value = '';
                  for (const file of list) await upload(file);
                }}
              />
              <label
                htmlFor="attachment"
                className="inline-flex min-h-9 cursor-pointer items-center gap-2 rounded-md border border-line bg-surface px-3 py-1.5 text-sm font-medium peer-hover:bg-canvas peer-focus-visible:ring-2 peer-focus-visible:ring-brand-600 peer-focus-visible:ring-offset-2 peer-disabled:cursor-not-allowed peer-disabled:opacity-60"
              >
                <Paperclip aria-hidden className="size-4" /> Attach files
              </label>
            </span>
            <span className="text-xs text-muted">{megabytes(total)} of 50 MB used</span>
          </div>
          {/*
            A live region on the page from the start, so "Uploading …" is read when an upload begins;
            the percentage is left to the progress bar (every percent read out would drown the page).
          */}
          <div role="status" className="grid gap-1 empty:absolute">
            {uploading && (
              <>
                <p className="text-sm">
                  Uploading {uploading.name}… <span aria-hidden>{uploading.percent}%</span>
                </p>
                <progress className="h-2 w-full accent-brand-600" max={100} value={uploading.percent} aria-label="Upload progress" />
              </>
            )}
          </div>
          {files.length > 0 && (
            <ul aria-label="Attachments" className="grid gap-1">
              {files.map((f) => (
                <li key={f.id} className="flex items-center justify-between gap-2 rounded-md border border-line px-3 py-1.5 text-sm">
                  <span className="min-w-0 truncate">
                    {f.fileName} <span className="text-muted">({formatFileSize(f.sizeBytes)})</span>
                  </span>
                  <Button type="button" variant="ghost" size="icon" aria-label={`Remove ${f.fileName}`} loading={removing === f.id} disabled={removing !== null} onClick={() => remove(f)}>
                    <Trash2 aria-hidden />
                  </Button>
                </li>
              ))}
            </ul>
          )}
        </div>
        {/* data-primary-actions: notices keep clear of Send and Discard (components/ui/toast.tsx). */}
        <div data-primary-actions="" className="flex flex-wrap items-center justify-between gap-3 border-t border-line pt-4">
          <p className="text-xs text-muted" aria-live="polite" role="status">
            {saveText}
          </p>
          <div className="flex flex-wrap gap-2">
            <ConfirmDialog
              trigger={
                <Button type="button" variant="outline" size="lg" disabled={!hydrated || sending}>
                  <Trash2 aria-hidden /> Discard
                </Button>
              }
              title="Discard this message?"
              description={files.length > 0 ? 'What you have written, its saved draft and its attachments are deleted.' : 'What you have written and its saved draft are deleted.'}
              confirmLabel="Discard"
              cancelLabel="Keep writing"
              destructive
              onConfirm={discard}
            />
            <Button ref={sendButton} type="submit" size="lg" disabled={!hydrated || Boolean(uploading) || removing !== null}>
              <Send aria-hidden /> Send
            </Button>
          </div>
        </div>
      </form>

      <div className="grid h-fit min-w-0 gap-4">
      <section aria-labelledby="options-title" className="grid gap-4 rounded-card border border-line bg-surface p-4">
        <h2 id="options-title" className="flex items-center gap-2 text-sm font-semibold">
          <ShieldCheck aria-hidden className="size-4 text-brand-600" /> Security options
        </h2>
        <p className="text-xs text-muted">How the recipients may handle this message. The server enforces every option.</p>
        {policy && <PolicyNotice policy={policy} />}
        <label className="flex items-center gap-2 text-sm">
          <Checkbox checked={effective.readReceipt} disabled={Boolean(policy?.readReceipt)} onChange={(e) => setReadReceipt(e.target.checked)} /> Request read receipt
        </label>
        <fieldset className="grid gap-2">
          <legend className="mb-1 text-sm font-medium">Restrictions</legend>
          {(['none', 'no_print_no_reply', 'no_print'] as const).map((value) => (
            <label key={value} className="flex items-center gap-2 text-sm has-disabled:text-muted">
              <input
                type="radio"
                name="restriction"
                className="accent-brand-600"
                checked={effective.restriction === value}
                disabled={policy ? stricterRestriction(value, policy.restriction) !== value : false}
                onChange={() => setRestriction(value)}
              />{' '}
              {RESTRICTION_LABELS[value]}
            </label>
          ))}
        </fieldset>
        <fieldset className="grid gap-2">
          <legend className="mb-1 text-sm font-medium">Expire message</legend>
          {expiryChoices.map(({ value, label }) => (
            <label key={label} className="flex items-center gap-2 text-sm has-disabled:text-muted">
              <input
                type="radio"
                name="expire"
                className="accent-brand-600"
                checked={effective.expireDays === value}
                disabled={!expiryAllowed(value)}
                // The policy's own period is what "no choice" gives under it.
                onChange={() => setExpireDays(value === 1 || value === 7 || value === 30 ? value : null)}
              />{' '}
              {label}
            </label>
          ))}
        </fieldset>
      </section>
      <ContactPicker
        contacts={contacts}
        onAdd={(field, email) => {
          const [list, set] = field === 'to' ? [to, setTo] : [cc, setCc];
          if (!list.includes(email)) set([...list, email]);
        }}
      />
      </div>

      <Dialog open={confirmOpen} onOpenChange={(open) => !sending && setConfirmOpen(open)}>
        <DialogContent
          onCloseAutoFocus={(e) => {
            // Opened by Send, not by a dialog trigger: focus goes back to Send.
            e.preventDefault();
            sendButton.current?.focus();
          }}
        >
          <DialogHeader>
            <DialogTitle>Send this message?</DialogTitle>
            <DialogDescription>
              To {to.join(', ')}
              {cc.length > 0 ? `; Cc ${cc.join(', ')}` : ''}. It is sent with the security options you chose:
            </DialogDescription>
          </DialogHeader>
          <ul aria-label="Security options" className="grid gap-1 text-sm">
            {optionSummary.map((line) => (
              <li key={line} className="flex items-center gap-2">
                <ShieldCheck aria-hidden className="size-4 text-brand-600" /> {line}
              </li>
            ))}
          </ul>
          {policy && <p className="text-xs text-muted">Your organisation’s policy “{policy.name}” sets the minimum.</p>}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setConfirmOpen(false)} disabled={sending}>
              Back
            </Button>
            <Button type="button" onClick={send} loading={sending}>
              <Send aria-hidden /> Send message
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </div>
  );
}

/**
 * The contact picker: "Most used" or "All addresses" (searched on the server as the user
 * types: colleagues too, for internal users), each with buttons adding it to To or Cc.
 */
function ContactPicker({ contacts, onAdd }: { contacts: Contact[]; onAdd: (field: 'to' | 'cc', email: string) => void }) {
  const [filter, setFilter] = useState<'most' | 'all'>('most');
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Contact[] | null>(null);
  useEffect(() => {
    if (filter !== 'all') return;
    let live = true;
    const timer = setTimeout(
      async () => {
        const result = await findContactsAction({ search: query.trim() });
        if (live && result.ok) setFound(result.data as Contact[]);
      },
      query ? 200 : 0,
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [filter, query]);
  const shown = useMemo(
    () => (filter === 'most' ? contacts.slice(0, 8) : (found ?? [...contacts].sort((a, b) => a.email.localeCompare(b.email)))),
    [contacts, filter, found],
  );
  return (
    <aside aria-label="Contacts" className="grid h-fit min-w-0 gap-3 rounded-card border border-line bg-surface p-4">
      <h2 className="text-sm font-semibold">Contacts</h2>
      <div role="group" aria-label="Show" className="inline-flex w-fit rounded-md border border-line bg-canvas p-0.5 text-xs">
        {(
          [
            ['most', 'Most used'],
            ['all', 'All addresses'],
          ] as const
        ).map(([value, label]) => (
          <button
            key={value}
            type="button"
            aria-pressed={filter === value}
            onClick={() => setFilter(value)}
            className={cn('cursor-pointer rounded px-2 py-1 font-medium', filter === value ? 'bg-surface text-ink shadow-xs' : 'text-muted')}
          >
            {label}
          </button>
        ))}
      </div>
      {filter === 'all' && (
        <Input type="search" aria-label="Find a person" placeholder="Name or address" value={query} onChange={(e) => setQuery(e.target.value)} autoComplete="off" />
      )}
      {shown.length === 0 ? (
        <p className="text-sm text-muted">{query && filter === 'all' ? 'Nobody matches.' : 'People you exchange secure messages with appear here.'}</p>
      ) : (
        <ul className="grid gap-1">
          {shown.map((c) => (
            <li key={c.email} className="flex items-center justify-between gap-1 text-sm">
              <span className="min-w-0 truncate" title={c.email}>
                {c.name || c.email}
              </span>
              <span className="flex shrink-0 gap-0.5">
                <Button type="button" variant="ghost" size="sm" aria-label={`Add ${c.email} to To`} onClick={() => onAdd('to', c.email)}>
                  <UserPlus aria-hidden /> To
                </Button>
                <Button type="button" variant="ghost" size="sm" aria-label={`Add ${c.email} to Cc`} onClick={() => onAdd('cc', c.email)}>
                  Cc
                </Button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
