import { Inbox, MessageSquareText, Paperclip } from '@/components/ui/icons';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { Logo } from '@/components/shell/logo';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { getDb } from '@/db/client';
import { env } from '@/lib/env';
import { formatDateTime, formatFileSize } from '@/lib/format';
import { outboxIsEmailTransport } from '@/lib/mail/transport';
import { listOutboxMessages } from '@/lib/outbox/queries';

export const metadata: Metadata = { title: 'Outbox (demo) · Sealpost', robots: { index: false } };

/** Splits text into plain runs and links, so reset and notification links are clickable. */
function Linkified({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s<>"']+)/g);
  return (
    <>
      {parts.map((part, i) =>
        /^https?:\/\//.test(part) ? (
          <a key={i} href={part} className="break-all font-medium text-brand-600 underline">
            {part}
          </a>
        ) : (
          <span key={i}>{part}</span>
        ),
      )}
    </>
  );
}

export default async function OutboxPage() {
  await connection();
  // Only in demo mode and only while the outbox is the transport: it shows every message.
  if (!env().SEALPOST_DEMO || !outboxIsEmailTransport()) notFound();
  const messages = await listOutboxMessages(getDb(), { limit: 50 });
  return (
    <div className="min-h-dvh bg-canvas">
      <header className="flex h-16 items-center gap-3 border-b border-line bg-surface px-6">
        <Logo />
        <Badge variant="warning">Demo outbox</Badge>
      </header>
      <main id="main" className="mx-auto grid max-w-3xl gap-6 px-4 py-8">
        <div className="grid gap-1">
          <h1 className="text-2xl font-semibold tracking-tight">Outbox</h1>
          <p className="text-sm text-muted">
            Email and SMS the portal has sent, newest first. No real mail leaves this machine until an email provider is
            configured (RESEND_API_KEY).
          </p>
        </div>
        <Alert variant="info">This page exists only in demo mode. Refresh to see new messages.</Alert>
        {messages.length === 0 ? (
          <Card>
            <CardContent>
              <EmptyState icon={Inbox} title="The outbox is empty" description="Password resets and notifications will appear here." />
            </CardContent>
          </Card>
        ) : (
          <ol className="grid gap-4" aria-label="Messages">
            {messages.map((m) => (
              <li key={m.id}>
                <Card>
                  <CardHeader className="gap-2 pb-3">
                    <div className="flex flex-wrap items-center gap-2 text-xs text-muted">
                      <Badge variant={m.channel === 'sms' ? 'brand' : 'neutral'}>
                        {m.channel === 'sms' ? <MessageSquareText aria-hidden className="size-3" /> : null}
                        {m.channel.toUpperCase()}
                      </Badge>
                      <Badge variant={m.status === 'sent' ? 'success' : m.status === 'failed' ? 'danger' : 'warning'}>{m.status}</Badge>
                      <time dateTime={m.createdAt.toISOString()}>{formatDateTime(m.createdAt)}</time>
                    </div>
                    <CardTitle>{m.subject || 'Text message'}</CardTitle>
                    <p className="text-sm text-muted">To: {m.recipient}</p>
                  </CardHeader>
                  <CardContent>
                    <pre className="whitespace-pre-wrap break-words font-sans text-sm text-ink">
                      <Linkified text={m.bodyText} />
                    </pre>
                    {m.attachments.length > 0 && (
                      <ul aria-label="Attachments" className="mt-3 flex flex-wrap gap-2 text-sm">
                        {m.attachments.map((a) => (
                          <li key={a.filename} className="inline-flex items-center gap-1.5 rounded-md border border-line px-2 py-1">
                            <Paperclip aria-hidden className="size-3.5 text-muted" />
                            {a.filename}
                            <span className="text-muted">{a.size === null ? '(made when sent)' : `(${formatFileSize(a.size)})`}</span>
                          </li>
                        ))}
                      </ul>
                    )}
                  </CardContent>
                </Card>
              </li>
            ))}
          </ol>
        )}
      </main>
    </div>
  );
}
