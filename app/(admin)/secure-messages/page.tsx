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
import { Pager } from '@/components/data-table/pager';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { can } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';
import { formatDateTime, formatDay } from '@/lib/format';
import { formatTotal, rangeLabel } from '@/lib/lists/count';
import { countMonitoredMessages, getMessageLog, listMonitoredMessages, type MessageLog as MessageLogData } from '@/lib/messaging/monitoring';
import { secureMessageList, stateFilterOf, withLegacyStatus } from '@/lib/messaging/secure-message-list';

export const metadata: Metadata = { title: 'Secure messages · Sealpost' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** Why Recall / Extend are not offered for this message, in words; null when they are. */
function blockedActions({ message }: MessageLogData): { recallBlocked: string | null; extendBlocked: string | null } {
  if (message.recalled) {
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
  const raw = withLegacyStatus(await searchParams);
  const state = secureMessageList.parse(raw);
  const messageId = typeof raw.message === 'string' ? raw.message : undefined;
  const errors: string[] = [];
  const db = getDb();
  const now = new Date();
  const filters = { states: stateFilterOf(state), search: state.q, now };
  const [page, total, log] = await Promise.all([
    listMonitoredMessages(db, admin.orgId, { ...filters, position: state.page, limit: secureMessageList.pageSize }),
    countMonitoredMessages(db, admin.orgId, filters),
    messageId ? getMessageLog(db, admin.orgId, messageId) : null,
  ]);
  const filtered = secureMessageList.href(state, { page: null }) !== '/secure-messages';
  const canManage = can(admin.level, 'secure_messages.manage');
  const settings = can(admin.level, 'settings.manage') ? await getMessageSettings(db, admin.orgId) : null;
  const listHref = secureMessageList.href(state);
  const withMessage = (id: string) => `${listHref}${listHref.includes('?') ? '&' : '?'}message=${id}`;
  // Another organisation's id and a garbled one look the same: "not found".
  if (messageId && !log) errors.push('That message was not found.');
  const blocked = log ? blockedActions(log) : null;
  const matching = Object.fromEntries(
    [...new URL(secureMessageList.href(state, { page: null }), 'http://x').searchParams.entries()].filter(([key]) => key !== 'q'),
  ) as Record<string, string>;

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Secure messages"
        description="Every secure message sent or received by your organisation, with its status and log. Times are in UTC."
      />

      <Card>
        <CardContent>
          <MonitoringFilters state={state} />
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
          <MessagesTable
            rows={page.rows.map(({ sentAt, expiresAt: _expiresAt, extendedAt: _extendedAt, ...row }) => ({
              ...row,
              day: formatDay(sentAt),
              time: `${sentAt.toISOString().slice(11, 16)} UTC`,
              iso: sentAt.toISOString(),
              logHref: withMessage(row.id),
              selected: row.id === messageId,
            }))}
            sortLinks={secureMessageList.sortLinks(state)}
            total={total.n}
            totalLabel={formatTotal(total)}
            matching={{ q: state.q, filters: matching }}
            canManage={canManage}
          />
        )}
        <Pager
          label="Pages of secure messages"
          range={page.rows.length > 0 ? rangeLabel(page.start, page.rows.length, total) : undefined}
          links={secureMessageList.pagerLinks(state, page)}
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
            closeHref={listHref}
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
