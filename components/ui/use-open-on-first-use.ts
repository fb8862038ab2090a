'use client';

import { useRef, useState } from 'react';

/**
 * For a dialog or menu whose trigger is on every page: a Radix root costs render time on the
 * server for each request even while closed (providers, ids, refs; about a millisecond each on
 * the list pages). Render `triggerProps` on a plain trigger until the first use, then the Radix
 * root, already open, with its own trigger in the same place. Focus then moves into the content
 * as usual; put `triggerRef` on the root's trigger and `onCloseAutoFocus` on its content so that
 * closing returns focus to the trigger (the element first clicked is gone by then).
 */
export function useOpenOnFirstUse(popup: 'dialog' | 'menu') {
  const [open, setOpen] = useState(false);
  const [used, setUsed] = useState(false);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const onCloseAutoFocus = (event: Event) => {
    event.preventDefault();
    triggerRef.current?.focus();
  };
  const first = () => {
    setUsed(true);
    setOpen(true);
  };
  const triggerProps = {
    type: 'button' as const,
    'aria-haspopup': popup,
    'aria-expanded': false,
    onClick: first,
    // A menu button opens with the arrow key too (WAI-ARIA menu button pattern).
    onKeyDown: popup === 'menu' ? (event: { key: string; preventDefault(): void }) => event.key === 'ArrowDown' && (event.preventDefault(), first()) : undefined,
  };
  return { open, setOpen, used, triggerProps, triggerRef, onCloseAutoFocus };
}
