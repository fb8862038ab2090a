import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { ComposeForm, type ComposeInitial } from '@/components/portal/compose-form';
import { SmsStep } from '@/components/portal/sms-step';
import { Alert } from '@/components/ui/alert';
import { PageHeader } from '@/components/ui/page-header';
import { requirePortalPage } from '@/lib/auth/session';
import { orNotFound } from '@/lib/errors/or-not-found';
import { openMessage } from '@/lib/messaging/open-message';
import { formatPortalDate } from '@/lib/messaging/format';
import { textToHtml } from '@/lib/messaging/sanitize';
import { issueDraftId } from '@/lib/messaging/attachments';
import { openDraft } from '@/lib/messaging/drafts';
import { listContacts, replyAddresses, sendingPausedFor, sendPoliciesFor } from '@/lib/messaging/send-message';

export const metadata: Metadata = { title: 'Compose · Secure messages · Sealpost' };

/** The signature under a new message (HTML), after the usual "-- " line unless it starts with one itself. */
function signatureBlock(signature: string): string {
  if (!signature.trim()) return '';
  const text = /^--\s*$/.test(signature.split('\n')[0] ?? '') ? signature : `-- \n${signature}`;
  // An empty paragraph first: the cursor starts above the signature.
  return `<p></p>${textToHtml(text)}`;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

export default async function ComposePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const user = await requirePortalPage();
  const params = await searchParams;
  // Said before anything is written; sendMessage refuses the same way.
  const paused = await sendingPausedFor(user);
  if (paused) {
    return (
      <div className="grid max-w-2xl gap-4">
        <PageHeader title="New secure message" />
        <Alert variant="warning" title="Sending is paused">
          {paused}
        </Alert>
        <Link href="/secure/inbox" className="text-sm font-medium text-brand-600 hover:underline">
          Back to the inbox
        </Link>
      </div>
    );
  }
  const [contacts, { policies, senderGroups }] = await Promise.all([listContacts(user), sendPoliciesFor(user)]);
  const signature = signatureBlock(user.preferences.signature);
  const initial: ComposeInitial = {
    to: typeof params.to === 'string' && params.to.trim() ? [params.to.trim().toLowerCase()] : [],
    cc: [],
    subject: '',
    body: signature,
    inReplyTo: null,
    readReceipt: false,
    restriction: 'none',
    expireDays: null,
    attachments: [],
    saved: false,
  };
  let title = 'New secure message';
  let draftId = issueDraftId(user.id);

  const continued = typeof params.draft === 'string' ? params.draft : null;
  const replyId = typeof params.reply === 'string' ? params.reply : null;
  if (continued) {
    const draft = await orNotFound(openDraft({ user, id: continued }));
    Object.assign(initial, { to: draft.to, cc: draft.cc, subject: draft.subject, body: draft.body, inReplyTo: draft.inReplyTo, readReceipt: draft.readReceipt, restriction: draft.restriction, expireDays: draft.expireDays, attachments: draft.attachments, saved: true });
    draftId = draft.draftId;
    title = 'Draft';
  } else if (replyId) {
    const original = await orNotFound(openMessage({ user, id: replyId }));
    if (original.locked) {
      return (
        <div className="grid gap-4">
          <PageHeader title="Reply" />
          <SmsStep {...original.step} />
        </div>
      );
    }
    if (original.recalled || !original.canReply) {
      return (
        <div className="grid max-w-2xl gap-4">
          <PageHeader title="Reply" />
          <Alert variant="warning" title="This message cannot be replied to">
            {original.recalled
              ? 'It was recalled by its sender.'
              : original.isSender
                ? 'It is your own message: its recipients answer it, and you reply to their answers.'
                : original.expired
                  ? 'It has expired.'
                  : 'Its sender restricted it: no reply.'}
          </Alert>
          <Link href={`/secure/messages/${replyId}`} className="text-sm font-medium text-brand-600 hover:underline">
            Back to the message
          </Link>
        </div>
      );
    }
    const all = params.all === '1';
    const { to, cc } = await replyAddresses(user, original, all);
    initial.to = to;
    initial.cc = cc;
    initial.subject = /^re:/i.test(original.subject) ? original.subject : `Re: ${original.subject}`;
    // The original under the reply, quoted (its HTML was sanitised when it was sent).
    initial.body = `${signature || '<p></p>'}<p>On ${escapeHtml(formatPortalDate(original.sentAt, user.preferences))}, ${escapeHtml(original.senderEmail)} wrote:</p><blockquote>${original.bodyHtml}</blockquote>`;
    initial.inReplyTo = original.id;
    title = all ? 'Reply all' : 'Reply';
  }

  return (
    <div className="grid grid-cols-1 gap-6">
      <PageHeader title={title} description="Secure messages are delivered through the portal; recipients get an email with a link." />
      <ComposeForm key={draftId} contacts={contacts} initial={initial} draftId={draftId} policies={policies} senderGroups={senderGroups} />
    </div>
  );
}
