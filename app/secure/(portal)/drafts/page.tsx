import type { Metadata } from 'next';
import { connection } from 'next/server';
import { DraftList } from '@/components/portal/draft-list';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { requirePortalPage } from '@/lib/auth/session';
import { listDrafts } from '@/lib/messaging/drafts';
import { formatPortalDate } from '@/lib/messaging/format';

export const metadata: Metadata = { title: 'Drafts · Secure messages · Sealpost' };

export default async function DraftsPage() {
  await connection();
  const user = await requirePortalPage();
  const drafts = await listDrafts(getDb(), user);
  return (
    <div className="grid gap-6">
      <PageHeader title="Drafts" description="Messages you started and have not sent, saved as you write. Continue one, or delete it with its attachments." />
      <DraftList
        drafts={drafts.map((d) => ({
          id: d.id,
          to: [...d.to, ...d.cc].join(', '),
          subject: d.subject,
          savedAt: d.updatedAt.toISOString(),
          savedLabel: formatPortalDate(d.updatedAt, user.preferences),
          attachmentCount: d.attachmentCount,
        }))}
      />
    </div>
  );
}
