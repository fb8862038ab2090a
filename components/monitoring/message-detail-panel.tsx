'use client';

import { useRouter } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from '@/components/ui/dialog';

/**
 * The detail panel: the design system's Radix dialog as a sheet on the right. It is open while
 * the URL names a message (?message=<id>); closing it (X, Escape, a click outside) goes back to
 * the same list without that parameter. Its content is rendered on the server.
 */
export function MessageDetailPanel({
  messageId,
  title,
  description,
  closeHref,
  children,
}: {
  messageId: string;
  title: string;
  description: string;
  closeHref: string;
  children: ReactNode;
}) {
  const router = useRouter();
  // Closed at once on the client; the navigation that drops ?message= follows.
  const [open, setOpen] = useState(true);
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (next) return;
        setOpen(false);
        router.push(closeHref, { scroll: false });
      }}
    >
      <DialogContent
        // Focus starts on the panel itself (its title is read out), not on its first button, which
        // for levels 1–2 is Recall: a stray Enter must not start a recall.
        onOpenAutoFocus={(event) => {
          event.preventDefault();
          (event.currentTarget as HTMLElement | null)?.focus();
        }}
        // Radix returns focus to a Dialog.Trigger, and this panel has none (a link in the row opened
        // it): put focus back on that link, so keyboard users continue where they were.
        onCloseAutoFocus={(event) => {
          const opener = document.querySelector<HTMLElement>(`[data-message-link="${CSS.escape(messageId)}"]`);
          if (!opener) return;
          event.preventDefault();
          opener.focus();
        }}
        // Narrower than a phone's screen, so a click outside always has somewhere to land.
        className={
          'top-0 right-0 left-auto h-dvh max-h-dvh w-[calc(100%-2.5rem)] max-w-md translate-x-0 translate-y-0 content-start rounded-none border-y-0 border-r-0 ' +
          'motion-safe:starting:translate-x-8 motion-safe:starting:scale-100'
        }
      >
        <DialogHeader>
          <DialogTitle className="[overflow-wrap:anywhere]">{title}</DialogTitle>
          <DialogDescription>{description}</DialogDescription>
        </DialogHeader>
        {children}
      </DialogContent>
    </Dialog>
  );
}
