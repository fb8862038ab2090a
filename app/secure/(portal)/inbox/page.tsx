import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { InboxList } from '@/components/portal/inbox-list';
import { MailboxList } from '@/components/portal/mailbox-list';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { requirePortalPage } from '@/lib/auth/session';
import { INBOX_DAYS, listInbox, searchMessages } from '@/lib/messaging/queries';
import { SearchBox } from '@/components/ui/search-box';
import { inboxList, mailboxPage } from '@/lib/messaging/mailbox-list';
import { rangeLabel } from '@/lib/lists/count';
import { Pager } from '@/components/data-table/pager';

export const metadata: Metadata = { title: 'Inbox · Secure messages · Sealpost' };

export default async function InboxPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const user = await requirePortalPage();
  const params = await searchParams;
  const now = new Date();
  const state = inboxList.parse(params);
  const position = state.page;
  const { q } = state;
  if (q) {
    const results = await searchMessages(getDb(), user, q, { limit: 50, position });
    const paged = results.older !== null || results.newer !== null || position !== undefined;
    return (
      <div className="grid gap-6">
        <PageHeader
          title="Search"
          description={
            paged
              ? `Messages matching “${q}”, in Inbox and Sent, across all dates, newest first, 50 to a page.`
              : `${results.items.length} message${results.items.length === 1 ? '' : 's'} matching “${q}”, in Inbox and Sent, across all dates.`
          }
        />
        <div className="flex flex-wrap items-center gap-3">
          <SearchBox label="Search messages" placeholder="Search subject, text, sender, recipients" resultCount={results.items.length} moreResults={results.older !== null} />
          <Link href="/secure/inbox" className="text-sm font-medium text-brand-600 hover:underline">
            Clear search
          </Link>
        </div>
        <MailboxList
          label="Search results"
          unreadMatters
          preferences={user.preferences}
          now={now}
          emptyTitle={position ? 'No older messages match' : 'No message matches your search'}
          rows={results.items.map((m) => ({ ...m, readAt: m.mine ? m.sentAt : m.readAt, counterpart: m.mine ? 'You' : m.senderName || m.senderEmail }))}
        />
        <Pager label="Pages of search results" range={results.items.length > 0 ? rangeLabel(results.start, results.items.length, null) : undefined} links={inboxList.pagerLinks(state, mailboxPage(results))} />
      </div>
    );
  }
  const page = await listInbox(getDb(), user, { now, limit: 50, position });
  return (
    <div className="grid gap-6">
      <PageHeader title="Inbox" description={`Secure messages sent to ${user.email} in the last ${INBOX_DAYS} days, a conversation with its replies as one row. Search finds older ones.`} />
      <SearchBox label="Search messages" placeholder="Search subject, text, sender, recipients" />
      <InboxList
        preferences={user.preferences}
        now={now}
        emptyTitle={position ? 'No older messages' : 'No messages in the last 60 days'}
        // A conversation is unread while any of its messages is.
        rows={page.items.map((m) => ({ ...m, readAt: m.conversation.unread > 0 ? null : m.readAt, messages: m.conversation.messages, counterpart: m.senderName || m.senderEmail }))}
      />
      <Pager label="Pages of the inbox" range={page.items.length > 0 ? rangeLabel(page.start, page.items.length, null) : undefined} links={inboxList.pagerLinks(state, mailboxPage(page))} />
    </div>
  );
}
