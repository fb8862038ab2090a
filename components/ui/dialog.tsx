'use client';

import type { ComponentProps, KeyboardEvent } from 'react';
import { Dialog as DialogPrimitive } from 'radix-ui';
import { X } from './icons';
import { cn } from './cn';

export const Dialog = DialogPrimitive.Root;
export const DialogTrigger = DialogPrimitive.Trigger;
export const DialogClose = DialogPrimitive.Close;
export const DialogPortal = DialogPrimitive.Portal;

export function DialogOverlay({ className, ...props }: ComponentProps<typeof DialogPrimitive.Overlay>) {
  return (
    <DialogPrimitive.Overlay
      className={cn('fixed inset-0 z-50 bg-ink/40 motion-safe:transition-opacity motion-safe:starting:opacity-0', className)}
      {...props}
    />
  );
}

export type DialogContentProps = ComponentProps<typeof DialogPrimitive.Content> & {
  /** Render the top-right "Close" button (default true). */
  showClose?: boolean;
};

/** The elements of `container` that Tab stops on, in document order. */
function tabStops(container: HTMLElement): HTMLElement[] {
  return [...container.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, [tabindex], [contenteditable="true"]')].filter(
    (element) =>
      element.tabIndex >= 0 &&
      !element.matches(':disabled, input[type="hidden"]') &&
      !element.closest('[hidden], [inert]') &&
      element.getClientRects().length > 0,
  );
}

/**
 * Shift+Tab from the dialog's first control goes round to its last one. Radix's own trap compares
 * focus with the first Tab stop it finds, which inside a roving group (the tabs of the Add dialog,
 * components/licensed-emails/add-licensed-emails-dialog.tsx) is the group's container, not the
 * focused tab: focus then left the dialog, was pulled back, and stayed on the tab for good. Here a
 * control has nothing before it when no Tab stop precedes it other than its own containers.
 */
function wrapShiftTab(event: KeyboardEvent<HTMLDivElement>) {
  if (event.defaultPrevented || event.key !== 'Tab' || !event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) return;
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || !event.currentTarget.contains(active)) return;
  const stops = tabStops(event.currentTarget);
  const before = stops.some((stop) => !stop.contains(active) && stop.compareDocumentPosition(active) & Node.DOCUMENT_POSITION_FOLLOWING);
  const last = stops.at(-1);
  if (before || !last || last === active) return;
  event.preventDefault();
  last.focus();
}

export function DialogContent({ className, children, showClose = true, onKeyDown, ...props }: DialogContentProps) {
  return (
    <DialogPortal>
      <DialogOverlay />
      <DialogPrimitive.Content
        // Radix makes the rest of the page inert but does not say so; aria-modal tells screen readers
        // that only the dialog is there to read.
        aria-modal="true"
        onKeyDown={(event) => {
          onKeyDown?.(event);
          wrapShiftTab(event);
        }}
        className={cn(
          'fixed top-1/2 left-1/2 z-50 grid max-h-[calc(100dvh-2rem)] w-[calc(100%-2rem)] max-w-lg -translate-x-1/2 -translate-y-1/2 gap-4 overflow-y-auto',
          'rounded-card border border-line bg-surface p-6 text-ink shadow-xl',
          'motion-safe:transition motion-safe:duration-150 motion-safe:starting:scale-95 motion-safe:starting:opacity-0',
          className,
        )}
        {...props}
      >
        {children}
        {showClose && (
          <DialogPrimitive.Close
            className={cn(
              'absolute top-4 right-4 inline-flex size-8 cursor-pointer items-center justify-center rounded-md text-muted transition-colors',
              'hover:bg-canvas hover:text-ink focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600',
            )}
          >
            <X aria-hidden className="size-4" />
            <span className="sr-only">Close</span>
          </DialogPrimitive.Close>
        )}
      </DialogPrimitive.Content>
    </DialogPortal>
  );
}

export function DialogHeader({ className, ...props }: ComponentProps<'div'>) {
  // Right padding keeps long titles clear of the close button.
  return <div className={cn('flex flex-col gap-1.5 pr-8', className)} {...props} />;
}

export function DialogFooter({ className, ...props }: ComponentProps<'div'>) {
  // data-primary-actions: notices keep clear of a dialog's buttons (components/ui/toast.tsx).
  return <div data-primary-actions="" className={cn('mt-2 flex flex-col-reverse gap-2 sm:flex-row sm:justify-end', className)} {...props} />;
}

export function DialogTitle({ className, ...props }: ComponentProps<typeof DialogPrimitive.Title>) {
  return <DialogPrimitive.Title className={cn('text-lg font-semibold leading-snug text-ink', className)} {...props} />;
}

export function DialogDescription({ className, ...props }: ComponentProps<typeof DialogPrimitive.Description>) {
  return <DialogPrimitive.Description className={cn('text-sm text-muted', className)} {...props} />;
}
