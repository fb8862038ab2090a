'use client';

import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Button } from './button';
import {
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from './dialog';
import { keepFocusInPage } from './focus';

export type ConfirmDialogProps = {
  /** A single focusable element, e.g. a <Button>; it becomes the dialog trigger. */
  trigger?: ReactNode;
  /**
   * Controlled use, without a trigger: one dialog shared by many rows opens for the row whose
   * button was pressed (a dialog per row costs every render of a long list; key it by the row
   * so each opening starts fresh). `returnFocusTo` gives the element focus goes back to on
   * close, which a trigger would otherwise provide.
   */
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
  returnFocusTo?: () => HTMLElement | null | undefined;
  title: ReactNode;
  description?: ReactNode;
  confirmLabel: ReactNode;
  cancelLabel?: ReactNode;
  destructive?: boolean;
  onConfirm: () => Promise<void> | void;
};

export function ConfirmDialog({
  trigger,
  open: controlledOpen,
  onOpenChange,
  returnFocusTo,
  title,
  description,
  confirmLabel,
  cancelLabel = 'Cancel',
  destructive = false,
  onConfirm,
}: ConfirmDialogProps) {
  const [ownOpen, setOwnOpen] = useState(false);
  const open = controlledOpen ?? ownOpen;
  const setOpen = (next: boolean) => {
    if (controlledOpen === undefined) setOwnOpen(next);
    onOpenChange?.(next);
  };
  const [pending, setPending] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);

  // The confirm button was disabled while pending, which drops focus; put it back on failure.
  useEffect(() => {
    if (failed) confirmRef.current?.focus();
  }, [failed]);

  function handleOpenChange(next: boolean) {
    if (pending) return; // don't let Escape or outside clicks abandon a running action
    setOpen(next);
    if (next) setFailed(null);
  }

  async function confirm() {
    setPending(true);
    setFailed(null);
    try {
      await onConfirm();
      setOpen(false);
      // What was confirmed may take its own row, and the button focus returns to, off the page.
      keepFocusInPage();
    } catch (error) {
      // Keep the dialog open so the user can retry or cancel. A refusal throws its own message.
      setFailed(error instanceof Error && error.message ? error.message : 'Something went wrong. Please try again.');
    } finally {
      setPending(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={handleOpenChange}>
      {trigger && <DialogTrigger asChild>{trigger}</DialogTrigger>}
      <DialogContent
        role="alertdialog"
        showClose={false}
        aria-busy={pending || undefined}
        onInteractOutside={(event) => event.preventDefault()}
        onCloseAutoFocus={
          returnFocusTo
            ? (event) => {
                event.preventDefault();
                returnFocusTo()?.focus();
              }
            : undefined
        }
      >
        <DialogHeader className="pr-0">
          <DialogTitle>{title}</DialogTitle>
          {description && <DialogDescription>{description}</DialogDescription>}
        </DialogHeader>
        {/* Always mounted so screen readers pick up the message when it appears. */}
        <p aria-live="polite" className="text-sm font-medium text-danger-600 empty:hidden">
          {failed}
        </p>
        <DialogFooter>
          <DialogClose asChild>
            <Button variant="outline" disabled={pending}>
              {cancelLabel}
            </Button>
          </DialogClose>
          <Button ref={confirmRef} variant={destructive ? 'danger' : 'primary'} loading={pending} onClick={confirm}>
            {confirmLabel}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
