import type { Metadata } from 'next';
import { Fragment } from 'react';
import { connection } from 'next/server';
import { PrintButton } from '@/components/portal/print-button';
import { SmsStep } from '@/components/portal/sms-step';
import { Alert } from '@/components/ui/alert';
import { requirePortalPage } from '@/lib/auth/session';
import { orNotFound } from '@/lib/errors/or-not-found';
import { formatPortalDate, noPrintReason } from '@/lib/messaging/format';
import { openMessage } from '@/lib/messaging/open-message';
import { sanitizeMessageHtml } from '@/lib/messaging/sanitize';
import { listMessageAttachments } from '@/lib/messaging/queries';
import { getDb } from '@/db/client';
import { formatFileSize } from '@/lib/format';

export const metadata: Metadata = { title: 'Print · Secure message · Sealpost', referrer: 'no-referrer' };

function NoPrint({ reason }: { reason: string }) {
  return (
    <main id="main" className="mx-auto max-w-xl p-10">
      <Alert variant="warning" title="This message cannot be printed">
        {reason}
      </Alert>
    </main>
  );
}

/** The printable message. Restricted messages have no print page: the server refuses it. */
export default async function PrintMessagePage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  const user = await requirePortalPage();
  const { id } = await params;
  const message = await orNotFound(openMessage({ user, id }));
  if (message.locked) {
    return (
      <main id="main" className="mx-auto grid max-w-xl gap-4 p-10">
        <SmsStep {...message.step} />
      </main>
    );
  }
  if (message.recalled || !message.canPrint) {
    return <NoPrint reason={noPrintReason(message)} />;
  }
  const files = await listMessageAttachments(getDb(), message.id);
  return (
    <main id="main" className="mx-auto grid max-w-3xl gap-4 p-10 print:p-0">
      <PrintButton />
      <h1 className="text-2xl font-semibold [overflow-wrap:anywhere]">{message.subject}</h1>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-muted">From</dt>
        <dd className="[overflow-wrap:anywhere]">{message.senderName ? `${message.senderName} <${message.senderEmail}>` : message.senderEmail}</dd>
        {(['to', 'cc'] as const).map((kind) => {
          const emails = message.recipients.filter((r) => r.kind === kind).map((r) => r.email);
          return emails.length === 0 ? null : (
            <Fragment key={kind}>
              <dt className="text-muted">{kind === 'to' ? 'To' : 'Cc'}</dt>
              <dd className="[overflow-wrap:anywhere]">{emails.join(', ')}</dd>
            </Fragment>
          );
        })}
        <dt className="text-muted">Sent</dt>
        <dd>{formatPortalDate(message.sentAt, user.preferences)}</dd>
        {files.length > 0 && (
          <>
            <dt className="text-muted">Attachments</dt>
            <dd className="[overflow-wrap:anywhere]">{files.map((f) => `${f.fileName} (${formatFileSize(f.sizeBytes)})`).join(', ')}</dd>
          </>
        )}
      </dl>
      {/* Stored sanitised; sanitised again here because this page renders it inline, not in a sandbox. */}
      <div
        className="border-t border-line pt-4 text-sm leading-relaxed [overflow-wrap:anywhere] [&_a]:text-brand-600 [&_a]:underline [&_blockquote]:my-3 [&_blockquote]:border-l-2 [&_blockquote]:border-line [&_blockquote]:pl-3 [&_blockquote]:text-muted [&_li]:ml-5 [&_ol]:list-decimal [&_p]:mb-3 [&_ul]:list-disc"
        dangerouslySetInnerHTML={{ __html: sanitizeMessageHtml(message.bodyHtml) }}
      />
    </main>
  );
}
