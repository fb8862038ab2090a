import { MailCheck, SearchX } from '@/components/ui/icons';
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { MessageActions } from '@/components/monitoring/message-actions';
import { MessageDetailPanel } from '@/components/monitoring/message-detail-panel';
import { MessageLog } from '@/components/monitoring/message-log';
import { MessagesTable } from '@/components/monitoring/messages-table';
import { MonitoringFilters } from '@/components/monitoring/monitoring-filters';
import { MessageSettingsForm } from '@/components/monitoring/message-settings-form';
import { getMessageSettings } from '@/lib/organisations/message-settings';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { KeysetPager } from '@/components/ui/keyset-pager';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { can } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';
import { formatDateTime } from '@/lib/format';
import { getMessageLog, listMonitoredMessages, monitorHref, parseMonitorParams, type MessageLog as MessageLogData } from '@/lib/messaging/monitoring';

export const metadata: Metadata = { title: 'Secure messages · Sealpost' };

const PAGE_SIZE = 50;

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** Why Recall / Extend are not offered for this message, in words; null when they are. */
function blockedActions({ message }: MessageLogData): { recallBlocked: string | null; extendBlocked: string | null } {
  if (message.status === 'recalled') {
    // One sentence covers both; the empty reason hides Extend without repeating it.
    return { recallBlocked: 'This message was recalled: its recipients can no longer open it, and its expiry can no longer be extended.', extendBlocked: '' };
  }
  const allRead = message.recipientCount > 0 && message.readCount === message.recipientCount;
  return {
    recallBlocked: null,
    extendBlocked: !message.expiresAt
      ? 'This message never expires, so there is no expiry to extend.'
      : allRead
        ? 'Every recipient has read this message, so its expiry can no longer be extended.'
        : null,
  };
}

export default async function SecureMessagesPage({ searchParams }: Props) {
  await connection();
  const admin = await requireAdminPage('secure_messages.view');
  const { params, errors } = parseMonitorParams(await searchParams);
  const db = getDb();
  const [page, log] = await Promise.all([
    listMonitoredMessages(db, admin.orgId, { statuses: params.statuses, search: params.search, before: params.cursor, limit: PAGE_SIZE }),
    params.messageId ? getMessageLog(db, admin.orgId, params.messageId) : null,
  ]);
  const filtered = params.statuses.length > 0 || params.search !== '';
  const canManage = can(admin.level, 'secure_messages.manage');
  const settings = can(admin.level, 'settings.manage') ? await getMessageSettings(db, admin.orgId) : null;
  const listParams = { statuses: params.statuses, search: params.search, cursor: params.cursor };
  // Another organisation's id and a garbled one look the same: "not found".
  if (params.messageId && !log) errors.push('That message was not found.');
  const blocked = log ? blockedActions(log) : null;

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Secure messages"
        description="Every secure message sent or received by your organisation, with its status and log. Times are in UTC."
      />

      <Card>
        <CardContent>
          <MonitoringFilters params={params} />
        </CardContent>
      </Card>

      {errors.length > 0 && (
        <Alert variant="warning" title="Some of this link could not be used">
          <ul className="list-disc pl-5">
            {errors.map((error) => (
              <li key={error}>{error}</li>
            ))}
          </ul>
        </Alert>
      )}

      <Card className="overflow-hidden">
        {page.rows.length === 0 ? (
          filtered ? (
            <EmptyState
              icon={SearchX}
              title="No messages match these filters"
              description="Try other statuses or another search."
              action={
                <Button asChild variant="outline">
                  <Link href="/secure-messages">Clear filters</Link>
                </Button>
              }
            />
          ) : (
            <EmptyState icon={MailCheck} title="No secure messages yet" description="Messages sent or received through the secure portal will appear here." />
          )
        ) : (
          <MessagesTable rows={page.rows} params={params} />
        )}
        <KeysetPager
          label="Pages of secure messages"
          className="border-t border-line px-4 py-3"
          newest={monitorHref({ ...listParams, cursor: undefined })}
          pastEnd={params.cursor !== undefined && page.rows.length === 0}
          newer={page.newer && monitorHref({ ...listParams, cursor: page.newer })}
          older={page.next && monitorHref({ ...listParams, cursor: page.next })}
        />
      </Card>

      {log && blocked && (
        <>
          <MessageDetailPanel
            // A new panel (open, fresh state) for each message.
            key={log.message.id}
            messageId={log.message.id}
            title={log.message.subject}
            description={`${log.message.direction === 'outbound' ? 'Outbound' : 'Inbound'} · sent ${formatDateTime(log.message.sentAt)}`}
            closeHref={monitorHref(listParams)}
          >
            <MessageLog log={log} />
            {canManage && <MessageActions messageId={log.message.id} subject={log.message.subject} {...blocked} />}
          </MessageDetailPanel>
          {/* The panel is a client-side dialog; without JavaScript the same log shows here. */}
          <noscript>
            <Card>
              <CardHeader>
                <CardTitle>{log.message.subject}</CardTitle>
              </CardHeader>
              <CardContent>
                <MessageLog log={log} />
              </CardContent>
            </Card>
          </noscript>
        </>
      )}
      {settings && (
        <Card>
          <CardHeader>
            <CardTitle>Message settings</CardTitle>
          </CardHeader>
          <CardContent>
            <MessageSettingsForm retentionDays={settings.retentionDays} senderMayRecall={settings.senderMayRecall} />
          </CardContent>
        </Card>
      )}
    </div>
  );
}
