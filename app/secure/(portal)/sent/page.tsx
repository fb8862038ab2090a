import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { MailboxList } from '@/components/portal/mailbox-list';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { requirePortalPage } from '@/lib/auth/session';
import { decodeMailboxCursor, encodeMailboxCursor } from '@/lib/messaging/cursor';
import { listSent, recipientsOf } from '@/lib/messaging/queries';

export const metadata: Metadata = { title: 'Sent · Secure messages · Sealpost' };

export default async function SentPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const user = await requirePortalPage();
  const params = await searchParams;
  const now = new Date();
  const before = decodeMailboxCursor(typeof params.before === 'string' ? params.before : '');
  const { items, next } = await listSent(getDb(), user.id, { limit: 50, before });
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
        emptyTitle="You have not sent any secure message yet"
        rows={items.map((m) => ({ ...m, counterpart: `To: ${(recipients.get(m.id) ?? []).map((r) => r.email).join(', ')}` }))}
      />
      {next && (
        <nav aria-label="Pages" className="flex justify-end text-sm">
          <Link href={`/secure/sent?before=${encodeMailboxCursor(next)}`} className="font-medium text-brand-600 hover:underline">
            Older
          </Link>
        </nav>
      )}
    </div>
  );
}
