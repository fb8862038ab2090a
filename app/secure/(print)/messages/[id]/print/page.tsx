import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { PrintButton } from '@/components/portal/print-button';
import { Alert } from '@/components/ui/alert';
import { requirePortalPage } from '@/lib/auth/session';
import { isAppError } from '@/lib/errors/app-error';
import { formatPortalDate, noPrintReason } from '@/lib/messaging/format';
import { openMessage } from '@/lib/messaging/open-message';
import { sanitizeMessageHtml } from '@/lib/messaging/sanitize';

export const metadata: Metadata = { title: 'Print · Secure message · Sealpost', referrer: 'no-referrer' };

/** The printable message. Restricted messages have no print page: the server refuses it. */
export default async function PrintMessagePage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  const user = await requirePortalPage();
  const { id } = await params;
  let message;
  try {
    message = await openMessage({ user, id });
  } catch (e) {
    if (isAppError(e) && e.code === 'not_found') notFound();
    throw e;
  }
  if (message.recalled || !message.canPrint) {
    return (
      <main id="main" className="mx-auto max-w-xl p-10">
        <Alert variant="warning" title="This message cannot be printed">
          {noPrintReason(message)}
        </Alert>
      </main>
    );
  }
  return (
    <main id="main" className="mx-auto grid max-w-3xl gap-4 p-10 print:p-0">
      <PrintButton />
      <h1 className="text-2xl font-semibold [overflow-wrap:anywhere]">{message.subject}</h1>
      <p className="text-sm text-muted">
        From {message.senderEmail} to {message.recipients.map((r) => r.email).join(', ')} · {formatPortalDate(message.sentAt, user.preferences)}
      </p>
      {/* Stored sanitised; sanitised again here because this page renders it inline, not in a sandbox. */}
      <div className="prose max-w-none text-sm leading-relaxed" dangerouslySetInnerHTML={{ __html: sanitizeMessageHtml(message.bodyHtml) }} />
    </main>
  );
}
