import type { Metadata } from 'next';
import { connection } from 'next/server';
import { MailboxList } from '@/components/portal/mailbox-list';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { requirePortalPage } from '@/lib/auth/session';
import { mailboxPage, sentList } from '@/lib/messaging/mailbox-list';
import { rangeLabel } from '@/lib/lists/count';
import { Pager } from '@/components/data-table/pager';
import { listSent, recipientsOf } from '@/lib/messaging/queries';

export const metadata: Metadata = { title: 'Sent · Secure messages · Sealpost' };

export default async function SentPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const user = await requirePortalPage();
  const params = await searchParams;
  const now = new Date();
  const state = sentList.parse(params);
  const position = state.page;
  const page = await listSent(getDb(), user, { limit: 50, position });
  const { items } = page;
  const recipients = await recipientsOf(
    getDb(),
    items.map((m) => m.id),
  );
  return (
    <div className="grid gap-6">
      <PageHeader title="Sent" description="Secure messages you have sent." />
      <MailboxList
        label="Sent"
        unreadMatters={false}
        preferences={user.preferences}
        now={now}
        emptyTitle={position ? 'No older messages' : 'You have not sent any secure message yet'}
        rows={items.map((m) => {
          const to = recipients.get(m.id) ?? [];
          return { ...m, counterpart: `To: ${to.map((r) => r.email).join(', ')}`, readBy: { read: to.filter((r) => r.readAt).length, of: to.length } };
        })}
      />
      <Pager label="Pages of sent messages" range={items.length > 0 ? rangeLabel(page.start, items.length, null) : undefined} links={sentList.pagerLinks(state, mailboxPage(page))} />
    </div>
  );
}
