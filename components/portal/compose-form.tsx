'use client';

import { Paperclip, Send, Trash2, UserPlus } from '@/components/ui/icons';
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useRef, useState, type ChangeEvent } from 'react';
import { findContactsAction, sendMessageAction } from '@/app/secure/(portal)/actions';
import { focusAfterNavigation } from '@/components/shell/focus-manager';
import { Alert } from '@/components/ui/alert';
import { announce, useAnnounce } from '@/components/ui/announcer';
import { Button } from '@/components/ui/button';
import { Checkbox } from '@/components/ui/checkbox';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { Textarea } from '@/components/ui/textarea';
import { toast } from '@/components/ui/toast';
import { cn } from '@/components/ui/cn';
import { useHydrated } from '@/components/ui/use-hydrated';
import { useLeaveGuard } from '@/components/ui/use-leave-guard';
import { formatFileSize } from '@/lib/format';
import { policyForCompose, stricterRestriction, withPolicy, type SendPolicy } from '@/lib/messaging/send-policy';
import { describeCondition } from '@/lib/policies/describe';

export const MAX_TOTAL_BYTES = 50 * 1024 * 1024;

type Contact = { email: string; name: string; uses: number };
type Uploaded = { id: string; fileName: string; sizeBytes: number };
type Restriction = 'none' | 'no_print' | 'no_print_no_reply';
export type ComposePolicy = SendPolicy;

const split = (value: string) =>
  value
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function megabytes(bytes: number) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const RESTRICTION_NAMES = { none: '', no_print: 'no print', no_print_no_reply: 'no print, no reply' } as const;

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

export function ComposeForm({
  contacts,
  initial,
  draftId,
  policies = [],
  senderGroups = [],
}: {
  contacts: Contact[];
  initial: { to: string; cc: string; subject: string; body: string; inReplyTo: string | null };
  /** Names this page's uploads, issued by the server for this user: this message's 50 MB are its own (lib/messaging/attachments). */
  draftId: string;
  /** The sender's organisation's policies (internal senders only): the options dialog says which applies. */
  policies?: ComposePolicy[];
  /** The policy groups the sender belongs to ("sender in group" policies). */
  senderGroups?: string[];
}) {
  const router = useRouter();
  const [to, setTo] = useState(initial.to);
  const [cc, setCc] = useState(initial.cc);
  const [subject, setSubject] = useState(initial.subject);
  const [body, setBody] = useState(initial.body);
  const [files, setFiles] = useState<Uploaded[]>([]);
  const [uploading, setUploading] = useState<{ name: string; percent: number } | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  useAnnounce(formError, 'assertive');
  const [optionsOpen, setOptionsOpen] = useState(false);
  const [readReceipt, setReadReceipt] = useState(false);
  const [restriction, setRestriction] = useState<Restriction>('none');
  const [expireDays, setExpireDays] = useState<1 | 7 | 30 | null>(null);
  const [sending, setSending] = useState(false);
  const [filter, setFilter] = useState<'most' | 'all'>('most');
  // "All addresses" asks the server (colleagues too, for internal users), as the user types.
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
  const total = files.reduce((sum, f) => sum + f.sizeBytes, 0);
  const policy = policyForCompose(policies, { subject, hasAttachment: files.length > 0, senderGroups });
  // What the message will be sent with: the choices below, held to the policy's minimum. The
  // dialog shows these and offers nothing weaker; the server applies the same rule on send.
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
  // What is uploaded so far, current between the uploads of several files picked at once.
  const uploadedBytes = useRef(0);
  const sendButton = useRef<HTMLButtonElement>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  // Until hydrated, Send would submit the form natively: a GET with the message in the URL.
  const hydrated = useHydrated();
  // Leaving with something written (or attached) asks first: a message is not kept as a draft.
  const dirty = !sent && (to !== initial.to || cc !== initial.cc || subject !== initial.subject || body !== initial.body || files.length > 0);
  const leaveGuard = useLeaveGuard(dirty);

  function discardAndLeave(href: string) {
    // Its uploads are thrown away now rather than by the clean-up two days later.
    for (const file of files) void fetch(`/secure/attachments/${file.id}`, { method: 'DELETE', keepalive: true }).catch(() => undefined);
    setSent(true);
    leaveGuard.stay();
    router.push(href);
  }

  /** Keeps a field's value; its error goes as soon as it is changed (the next Send checks it again). */
  function onEdit(field: string, set: (value: string) => void) {
    return (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
      set(e.target.value);
      if (errors[field]) setErrors(({ [field]: _gone, ...rest }) => rest);
    };
  }

  function addTo(field: 'to' | 'cc', email: string) {
    const setter = field === 'to' ? setTo : setCc;
    const current = split(field === 'to' ? to : cc);
    if (!current.includes(email)) setter([...current, email].join(', '));
  }

  async function upload(file: File) {
    setFormError(null);
    if (file.size === 0) return setFormError(`${file.name} is empty.`);
    const before = uploadedBytes.current;
    if (before + file.size > MAX_TOTAL_BYTES) {
      return setFormError(`Attachments can total at most 50 MB per message; ${file.name} would make ${megabytes(before + file.size)}.`);
    }
    setUploading({ name: file.name, percent: 0 });
    announce(`Uploading ${file.name}.`);
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
      announce(`${file.name} attached.`);
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

  function review() {
    const next: Record<string, string> = {};
    if (split(to).length === 0) next.to = 'Add at least one recipient.';
    if (!subject.trim()) next.subject = 'Enter a subject.';
    setErrors(next);
    if (Object.keys(next).length === 0) setOptionsOpen(true);
  }

  async function send() {
    setSending(true);
    setFormError(null);
    const result = await sendMessageAction({
      to: split(to),
      cc: split(cc),
      subject,
      body,
      attachmentIds: files.map((f) => f.id),
      readReceipt,
      restriction,
      expireDays,
      inReplyTo: initial.inReplyTo,
    });
    setSending(false);
    if (!result.ok) {
      setOptionsOpen(false);
      const fieldErrors = result.error.fieldErrors ?? {};
      setErrors(Object.fromEntries(Object.entries(fieldErrors).map(([k, v]) => [k.split('.')[0], v[0] ?? ''])));
      setFormError(result.error.message);
      return;
    }
    setSent(true);
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
  }

  return (
    <div className="grid gap-6 lg:grid-cols-[1fr_16rem]">
      <form
        method="post"
        className="grid gap-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          review();
        }}
      >
        {formError && <Alert variant="danger">{formError}</Alert>}
        <FormField id="to" label="To" hint="Separate addresses with commas." error={errors.to}>
          <Input
            {...fieldA11y('to', { hint: 'x', error: errors.to })}
            // Ready to type at the first thing to fill in: To, else Subject, else (a reply) the text.
            autoFocus={!initial.to}
            value={to}
            onChange={onEdit('to', setTo)}
            autoComplete="off"
          />
        </FormField>
        <FormField id="cc" label="Cc" error={errors.cc}>
          <Input
            {...fieldA11y('cc', { error: errors.cc })}
            value={cc}
            onChange={onEdit('cc', setCc)}
            autoComplete="off"
          />
        </FormField>
        <FormField id="subject" label="Subject" error={errors.subject}>
          <Input
            {...fieldA11y('subject', { error: errors.subject })}
            autoFocus={Boolean(initial.to) && !initial.subject}
            value={subject}
            onChange={onEdit('subject', setSubject)}
            maxLength={200}
          />
        </FormField>
        <FormField id="body" label="Message" error={errors.body}>
          <Textarea
            {...fieldA11y('body', { error: errors.body })}
            autoFocus={Boolean(initial.to && initial.subject)}
            rows={12}
            value={body}
            onChange={onEdit('body', setBody)}
          />
        </FormField>
        <div className="grid gap-2">
          <div className="flex flex-wrap items-center gap-3">
            {/*
              The input lies, transparent, over its label: it is the target for the pointer as well as
              for the keyboard, as large as the label (a 1 px input would be a target under 24 × 24 px).
              The label shows the focus ring and the hover, so the input comes first as the peer.
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
          {uploading && (
            // Its start and end are announced (upload()); every percent read out would drown the page.
            <div className="grid gap-1">
              <p className="text-sm">
                Uploading {uploading.name}… {uploading.percent}%
              </p>
              <progress className="h-2 w-full accent-brand-600" max={100} value={uploading.percent} aria-label="Upload progress" />
            </div>
          )}
          {files.length > 0 && (
            <ul aria-label="Attachments" className="grid gap-1">
              {files.map((f) => (
                <li key={f.id} className="flex items-center justify-between gap-2 rounded-md border border-line px-3 py-1.5 text-sm">
                  <span className="truncate">
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
        <div className="flex justify-end">
          <Button ref={sendButton} type="submit" size="lg" disabled={!hydrated || Boolean(uploading) || removing !== null}>
            <Send aria-hidden /> Send
          </Button>
        </div>
      </form>

      <aside aria-label="Contacts" className="grid h-fit gap-3 rounded-card border border-line bg-surface p-4">
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
                  <Button type="button" variant="ghost" size="sm" aria-label={`Add ${c.email} to To`} onClick={() => addTo('to', c.email)}>
                    <UserPlus aria-hidden /> To
                  </Button>
                  <Button type="button" variant="ghost" size="sm" aria-label={`Add ${c.email} to Cc`} onClick={() => addTo('cc', c.email)}>
                    Cc
                  </Button>
                </span>
              </li>
            ))}
          </ul>
        )}
      </aside>

      <Dialog open={optionsOpen} onOpenChange={(open) => !sending && setOptionsOpen(open)}>
        <DialogContent
          onCloseAutoFocus={(e) => {
            // Opened by Send, not by a dialog trigger: focus goes back to Send.
            e.preventDefault();
            sendButton.current?.focus();
          }}
        >
          <DialogHeader>
            <DialogTitle>Send options</DialogTitle>
            <DialogDescription>Choose how the recipients may handle this message. The server enforces every option.</DialogDescription>
          </DialogHeader>
          <div className="grid gap-4">
            {policy && <PolicyNotice policy={policy} />}
            <label className="flex items-center gap-2 text-sm">
              <Checkbox checked={effective.readReceipt} disabled={Boolean(policy?.readReceipt)} onChange={(e) => setReadReceipt(e.target.checked)} /> Request read receipt
            </label>
            <fieldset className="grid gap-2">
              <legend className="mb-1 text-sm font-medium">Restrictions</legend>
              {(
                [
                  ['none', 'No restriction'],
                  ['no_print_no_reply', 'Restricted — no print, no reply'],
                  ['no_print', 'Restricted — no print'],
                ] as const
              ).map(([value, label]) => (
                <label key={value} className="flex items-center gap-2 text-sm has-disabled:text-muted">
                  <input
                    type="radio"
                    name="restriction"
                    className="accent-brand-600"
                    checked={effective.restriction === value}
                    disabled={policy ? stricterRestriction(value, policy.restriction) !== value : false}
                    onChange={() => setRestriction(value)}
                  />{' '}
                  {label}
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
          </div>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOptionsOpen(false)} disabled={sending}>
              Back
            </Button>
            <Button type="button" onClick={send} loading={sending}>
              <Send aria-hidden /> Send message
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
      <ConfirmDialog
        open={leaveGuard.pending !== null}
        onOpenChange={(open) => {
          if (!open) leaveGuard.stay();
        }}
        title="Discard this message?"
        description={files.length > 0 ? 'What you have written and its attachments will be lost.' : 'What you have written will be lost.'}
        confirmLabel="Discard"
        cancelLabel="Keep writing"
        destructive
        onConfirm={() => {
          if (leaveGuard.pending) discardAndLeave(leaveGuard.pending);
        }}
      />
    </div>
  );
}