'use client';

import { ExternalLink, MailOpen, Printer, Reply, ReplyAll, Trash2, Undo2 } from '@/components/ui/icons';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { deleteMessageAction, markMessageAction, recallOwnMessageAction } from '@/app/secure/(portal)/actions';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { toast } from '@/components/ui/toast';

export function MessageActions({
  id,
  canReply,
  canPrint,
  isRecipient,
  manyRecipients,
  canRecall = false,
}: {
  id: string;
  canReply: boolean;
  canPrint: boolean;
  isRecipient: boolean;
  manyRecipients: boolean;
  /** The sender, when their organisation lets senders recall. */
  canRecall?: boolean;
}) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  return (
    <div role="toolbar" aria-label="Message actions" className="flex flex-wrap gap-2">
      {canReply && (
        <>
          <Button variant="outline" size="sm" asChild>
            <Link href={`/secure/compose?reply=${id}`}>
              <Reply aria-hidden /> Reply
            </Link>
          </Button>
          {manyRecipients && (
            <Button variant="outline" size="sm" asChild>
              <Link href={`/secure/compose?reply=${id}&all=1`}>
                <ReplyAll aria-hidden /> Reply all
              </Link>
            </Button>
          )}
        </>
      )}
      {isRecipient && (
        <Button
          variant="outline"
          size="sm"
          loading={pending}
          onClick={async () => {
            setPending(true);
            const result = await markMessageAction({ id, read: false });
            setPending(false);
            if (!result.ok) return toast({ title: result.error.message, variant: 'error' });
            toast({ title: 'Marked as unread', variant: 'success' });
            router.push('/secure/inbox');
            // The folder list's unread count lives in the layout, which navigation keeps.
            router.refresh();
          }}
        >
          <MailOpen aria-hidden /> Mark as unread
        </Button>
      )}
      {canPrint && (
        <Button variant="outline" size="sm" asChild>
          <a href={`/secure/messages/${id}/print`} target="_blank" rel="noopener">
            <Printer aria-hidden /> Print
          </a>
        </Button>
      )}
      <Button variant="outline" size="sm" asChild>
        <a href={`/secure/messages/${id}`} target="_blank" rel="noopener">
          <ExternalLink aria-hidden /> Open in new tab
        </a>
      </Button>
      {canRecall && (
        <ConfirmDialog
          trigger={
            <Button variant="outline" size="sm" className="text-danger-600">
              <Undo2 aria-hidden /> Recall
            </Button>
          }
          title="Recall this message?"
          description="Its key is destroyed: nobody, you included, can open it or its attachments again. Recipients see that it was recalled."
          confirmLabel="Recall"
          destructive
          onConfirm={async () => {
            const result = await recallOwnMessageAction({ id });
            if (!result.ok) throw new Error(result.error.message);
            toast({ title: 'Message recalled', variant: 'success' });
            router.refresh();
          }}
        />
      )}
      <ConfirmDialog
        trigger={
          <Button variant="outline" size="sm" className="text-danger-600">
            <Trash2 aria-hidden /> Delete
          </Button>
        }
        title="Delete this message?"
        description="It is removed from your folder. Other people's copies are not affected."
        confirmLabel="Delete"
        destructive
        onConfirm={async () => {
          const result = await deleteMessageAction({ id });
          if (!result.ok) throw new Error(result.error.message);
          toast({ title: 'Message deleted', variant: 'success' });
          router.push(result.data.folder === 'sent' ? '/secure/sent' : '/secure/inbox');
          router.refresh();
        }}
      />
    </div>
  );
}
