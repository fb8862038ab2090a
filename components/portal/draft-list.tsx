'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import { deleteDraftAction } from '@/app/secure/(portal)/actions';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { EmptyState } from '@/components/ui/empty-state';
import { FilePen, Paperclip, Trash2 } from '@/components/ui/icons';
import { toast } from '@/components/ui/toast';

export type DraftRow = { id: string; to: string; subject: string; savedAt: string; savedLabel: string; attachmentCount: number };

/** Drafts: each opens in the composer to be continued; Delete asks first (its files go too). */
export function DraftList({ drafts }: { drafts: DraftRow[] }) {
  const router = useRouter();
  const [deleting, setDeleting] = useState<DraftRow | null>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  if (drafts.length === 0) {
    return (
      <Card className="p-6">
        <EmptyState icon={FilePen} title="No drafts" description="What you write in Compose is saved here until you send it." />
      </Card>
    );
  }
  return (
    <Card className="overflow-hidden">
      <ul aria-label="Drafts" className="divide-y divide-line">
        {drafts.map((d) => {
          const title = d.subject.trim() || '(no subject)';
          return (
            <li key={d.id} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:gap-4">
              <Link href={`/secure/compose?draft=${d.id}`} className="flex min-w-0 flex-1 flex-col gap-0.5 rounded-md hover:underline sm:flex-row sm:items-center sm:gap-4" aria-label={`Continue draft: ${title}`}>
                <span className="w-56 shrink-0 truncate text-sm text-muted">{d.to ? `To: ${d.to}` : 'No recipient yet'}</span>
                <span className="min-w-0 flex-1 truncate text-sm font-medium">{title}</span>
              </Link>
              <span className="flex shrink-0 items-center gap-2">
                {d.attachmentCount > 0 && (
                  <span className="inline-flex items-center gap-1 text-xs text-muted">
                    <Paperclip aria-hidden className="size-3.5" /> {d.attachmentCount}
                    <span className="sr-only">{d.attachmentCount === 1 ? 'attachment' : 'attachments'}</span>
                  </span>
                )}
                <time dateTime={d.savedAt} className="text-xs text-muted">
                  Saved {d.savedLabel}
                </time>
                <Button
                  type="button"
                  variant="ghost"
                  size="icon"
                  aria-label={`Delete draft: ${title}`}
                  onClick={(e) => {
                    returnTo.current = e.currentTarget;
                    setDeleting(d);
                  }}
                >
                  <Trash2 aria-hidden />
                </Button>
              </span>
            </li>
          );
        })}
      </ul>
      <ConfirmDialog
        key={deleting?.id ?? 'none'}
        open={deleting !== null}
        onOpenChange={(open) => {
          if (!open) setDeleting(null);
        }}
        returnFocusTo={() => returnTo.current}
        title="Delete this draft?"
        description={deleting && deleting.attachmentCount > 0 ? 'The draft and its attachments are deleted. This cannot be undone.' : 'The draft is deleted. This cannot be undone.'}
        confirmLabel="Delete draft"
        destructive
        onConfirm={async () => {
          if (!deleting) return;
          const result = await deleteDraftAction({ id: deleting.id });
          if (!result.ok) throw new Error(result.error.message);
          toast({ title: 'Draft deleted', variant: 'success' });
          setDeleting(null);
          router.refresh();
        }}
      />
    </Card>
  );
}
