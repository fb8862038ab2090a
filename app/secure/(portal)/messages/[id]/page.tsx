import { ArrowLeft, Lock, Paperclip } from '@/components/ui/icons';
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { MessageBodyFrame } from '@/components/portal/message-body-frame';
import { MessageActions } from '@/components/portal/message-actions';
import { RefreshUnreadCount } from '@/components/portal/refresh-unread-count';
import { SmsStep } from '@/components/portal/sms-step';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardHeader } from '@/components/ui/card';
import { requirePortalPage } from '@/lib/auth/session';
import { orNotFound } from '@/lib/errors/or-not-found';
import { formatFileSize } from '@/lib/format';
import { formatPortalDate, noPrintReason } from '@/lib/messaging/format';
import { openMessage } from '@/lib/messaging/open-message';
import { listConversation, listMessageAttachments } from '@/lib/messaging/queries';
import { getDb } from '@/db/client';
import { senderMayRecall } from '@/lib/organisations/message-settings';

export const metadata: Metadata = { title: 'Message · Secure messages · Sealpost', referrer: 'no-referrer' };

/**
 * The body runs in a sandboxed frame (`MessageBodyFrame`): no scripts (the sandbox has no
 * allow-scripts and this document's CSP allows none), no remote loads. allow-same-origin only lets
 * the page measure it; without scripts inside, nothing in the frame can use it.
 */
function bodyDocument(html: string) {
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><style>body{font-family:system-ui,sans-serif;font-size:14px;line-height:1.55;color:#0f172a;margin:0;padding:12px 14px;word-wrap:break-word}a{color:#2452e0}blockquote{border-left:3px solid #e2e8f0;margin:0;padding-left:12px;color:#526077}</style></head><body>${html}</body></html>`;
}

const GONE_NOTICE = {
  recalled: { title: 'This message was recalled', text: (sender: string) => `This message from ${sender} was recalled and its key destroyed. It can no longer be opened.` },
  deleted: { title: 'This message was deleted', text: (sender: string) => `This message from ${sender} was deleted and its key destroyed. It can no longer be opened.` },
  expired: { title: 'This message was deleted', text: (sender: string) => `This message from ${sender} was deleted at the end of its organisation's retention period. It can no longer be opened.` },
} as const;

export default async function MessagePage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  const user = await requirePortalPage();
  const { id } = await params;
  const message = await orNotFound(openMessage({ user, id }));
  if (message.locked) {
    return (
      <div className="grid gap-4">
        <Link href={message.isSender ? '/secure/sent' : '/secure/inbox'} className="inline-flex w-fit items-center gap-1 text-sm font-medium text-brand-600 hover:underline">
          <ArrowLeft aria-hidden className="size-4" /> {message.isSender ? 'Sent' : 'Inbox'}
        </Link>
        <SmsStep {...message.step} />
      </div>
    );
  }
  if (message.recalled) {
    // Its key is destroyed: nothing of it is left to show but that.
    const gone = GONE_NOTICE[message.reason];
    return (
      <div className="grid max-w-2xl gap-4">
        <h1 className="text-2xl font-semibold">{gone.title}</h1>
        <Alert variant="warning" title={gone.title}>
          {gone.text(message.senderEmail)}
        </Alert>
        <Link href={message.isSender ? '/secure/sent' : '/secure/inbox'} className="text-sm font-medium text-brand-600 hover:underline">
          {message.isSender ? 'Back to Sent' : 'Back to the inbox'}
        </Link>
      </div>
    );
  }
  const [files, conversation] = await Promise.all([listMessageAttachments(getDb(), message.id), listConversation(getDb(), user.id, message.threadId)]);
  const to = message.recipients.filter((r) => r.kind === 'to').map((r) => r.email);
  const cc = message.recipients.filter((r) => r.kind === 'cc').map((r) => r.email);
  return (
    <div className="grid gap-4">
      {message.firstRead && <RefreshUnreadCount />}
      <Link href={message.isSender ? '/secure/sent' : '/secure/inbox'} className="inline-flex w-fit items-center gap-1 text-sm font-medium text-brand-600 hover:underline">
        <ArrowLeft aria-hidden className="size-4" /> {message.isSender ? 'Sent' : 'Inbox'}
      </Link>
      {!message.canPrint && (
        // The browser's own Print (Ctrl+P) gets this instead of the message.
        <div className="hidden print:block">
          <Alert variant="warning" title="This message cannot be printed">
            {noPrintReason(message)}
          </Alert>
        </div>
      )}
      <Card className={message.canPrint ? undefined : 'print:hidden'}>
        <CardHeader className="gap-3">
          <h1 className="text-xl font-semibold [overflow-wrap:anywhere]">{message.subject}</h1>
          <MessageActions
            id={message.id}
            canReply={message.canReply}
            canPrint={message.canPrint}
            isRecipient={!message.isSender}
            manyRecipients={message.recipients.length > 1}
            canRecall={message.isSender && message.status === 'sent' && (await senderMayRecall(getDb(), message.orgId, user.email))}
          />
          <div className="flex flex-wrap gap-2">
            {message.restriction !== 'none' && (
              <Badge variant="neutral">
                <Lock aria-hidden className="size-3" /> {message.restriction === 'no_print' ? 'Restricted — no print' : 'Restricted — no print, no reply'}
              </Badge>
            )}
            {message.expired && <Badge variant="warning">Expired — it can no longer be replied to</Badge>}
            {message.status === 'recalled' && <Badge variant="danger">Recalled</Badge>}
          </div>
          <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
            <dt className="text-muted">From</dt>
            <dd>{message.senderName ? `${message.senderName} <${message.senderEmail}>` : message.senderEmail}</dd>
            <dt className="text-muted">To</dt>
            <dd>{to.join(', ')}</dd>
            {cc.length > 0 && (
              <>
                <dt className="text-muted">Cc</dt>
                <dd>{cc.join(', ')}</dd>
              </>
            )}
            <dt className="text-muted">Sent</dt>
            <dd>{formatPortalDate(message.sentAt, user.preferences)}</dd>
            {message.expiresAt && (
              <>
                <dt className="text-muted">{message.expired ? 'Expired' : 'Expires'}</dt>
                <dd>{formatPortalDate(message.expiresAt, user.preferences)}</dd>
              </>
            )}
          </dl>
        </CardHeader>
        <CardContent>
          <MessageBodyFrame document={bodyDocument(message.bodyHtml)} />
          {files.length > 0 && (
            <ul aria-label="Attachments" className="mt-4 grid gap-1 [overflow-wrap:anywhere]">
              {files.map((f) => (
                <li key={f.id}>
                  <a href={`/secure/attachments/${f.id}`} className="inline-flex items-center gap-2 text-sm font-medium text-brand-600 hover:underline">
                    <Paperclip aria-hidden className="size-4" /> {f.fileName} ({formatFileSize(f.sizeBytes)})
                  </a>
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
      {message.isSender && (
        <Card>
          <CardHeader>
            <h2 className="text-base font-semibold">Read status</h2>
          </CardHeader>
          <CardContent>
            <ul aria-label="Read status" className="divide-y divide-line">
              {message.recipients.map((r) => (
                <li key={r.email} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                  <span className="min-w-0 [overflow-wrap:anywhere]">
                    {r.email} <span className="text-muted">({r.kind === 'to' ? 'To' : 'Cc'})</span>
                  </span>
                  {r.readAt ? (
                    <Badge variant="success">Read {formatPortalDate(r.readAt, user.preferences)}</Badge>
                  ) : (
                    <Badge variant="neutral">Not read yet</Badge>
                  )}
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>
      )}
      {conversation.length > 1 && (
        <nav aria-label="Conversation" className="grid gap-2">
          <h2 className="text-base font-semibold">Conversation ({conversation.length} messages)</h2>
          <ol className="grid gap-1 text-sm">
            {conversation.map((m) => (
              <li key={m.id}>
                {m.id === message.id ? (
                  <span aria-current="page" className="font-semibold">
                    {m.mine ? 'You' : m.senderName || m.senderEmail}, {formatPortalDate(m.sentAt, user.preferences)} (this message)
                  </span>
                ) : (
                  <Link href={`/secure/messages/${m.id}`} className={`text-brand-600 hover:underline ${!m.mine && !m.readAt ? 'font-semibold' : ''}`}>
                    {m.mine ? 'You' : m.senderName || m.senderEmail}, {formatPortalDate(m.sentAt, user.preferences)}
                    {!m.mine && !m.readAt && <span className="sr-only"> (unread)</span>}
                  </Link>
                )}
              </li>
            ))}
          </ol>
        </nav>
      )}
    </div>
  );
}
