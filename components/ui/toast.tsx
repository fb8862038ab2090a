'use client';

import { useEffect, useRef, useState, useSyncExternalStore, type ReactNode, type RefObject } from 'react';
import { CircleAlert, CircleCheck, Info, X, type IconComponent } from './icons';
import { cn } from './cn';

export type ToastVariant = 'success' | 'error' | 'info';
/** `persist`: stays until dismissed, for a notice that asks the person to do something. */
export type ToastInput = { title: ReactNode; description?: ReactNode; variant?: ToastVariant; persist?: boolean };
type ToastItem = Required<Pick<ToastInput, 'variant'>> & ToastInput & { id: number };

const DURATION_MS = 5000;
const MAX_TOASTS = 5;

// Module-level store so toast() works from any client component without a provider.
let toasts: ToastItem[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emptyList: ToastItem[] = [];

function setToasts(next: ToastItem[]) {
  toasts = next;
  listeners.forEach((listener) => listener());
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Shows a toast; returns its id for `dismissToast`. Needs a mounted <Toaster />. */
export function toast({ title, description, variant = 'info', persist }: ToastInput): number {
  const id = nextId++;
  setToasts([...toasts, { id, title, description, variant, persist }].slice(-MAX_TOASTS));
  return id;
}

export function dismissToast(id: number): void {
  setToasts(toasts.filter((t) => t.id !== id));
}

const styles: Record<ToastVariant, { icon: IconComponent; iconClass: string }> = {
  success: { icon: CircleCheck, iconClass: 'text-success-600' },
  error: { icon: CircleAlert, iconClass: 'text-danger-600' },
  info: { icon: Info, iconClass: 'text-brand-600' },
};

function ToastCard({ item }: { item: ToastItem }) {
  // Pause the timer while hovered or focused so there's time to read it (WCAG 2.2.1).
  const [paused, setPaused] = useState(false);
  useEffect(() => {
    if (paused || item.persist) return;
    const timer = setTimeout(() => dismissToast(item.id), DURATION_MS);
    return () => clearTimeout(timer);
  }, [paused, item.id, item.persist]);

  const { icon: Icon, iconClass } = styles[item.variant];
  return (
    <div
      data-variant={item.variant}
      className={cn(
        'pointer-events-auto flex w-full items-start gap-3 rounded-card border border-line bg-surface p-4 text-sm shadow-lg',
        'motion-safe:transition motion-safe:duration-200 motion-safe:starting:translate-y-2 motion-safe:starting:opacity-0',
      )}
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
      onFocus={() => setPaused(true)}
      onBlur={() => setPaused(false)}
    >
      <Icon aria-hidden className={cn('mt-0.5 size-4 shrink-0', iconClass)} />
      <div className="grid min-w-0 flex-1 gap-1">
        <p className="font-semibold text-ink">{item.title}</p>
        {item.description && <p className="text-muted">{item.description}</p>}
      </div>
      <button
        type="button"
        aria-label="Dismiss"
        onClick={() => dismissToast(item.id)}
        className="-m-1 inline-flex size-6 shrink-0 cursor-pointer items-center justify-center rounded-md text-muted hover:bg-canvas hover:text-ink focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
      >
        <X aria-hidden className="size-4" />
      </button>
    </div>
  );
}

/** The stack's distance from the bottom of the window when nothing is in its way (Tailwind's 4: 1rem). */
const EDGE_PX = 16;
/** The space kept between the stack and the actions it moves clear of. */
const GAP_PX = 12;

/**
 * How far from the bottom of the window the stack sits so that it covers none of the page's
 * primary actions: elements marked `data-primary-actions` (the composer's Send and Discard, a
 * dialog's footer). A notice that stays until dismissed must not make the person dismiss it before
 * they can send (components/portal/compose-form.tsx). Moved above the actions it would cover, or
 * left where it is when there is no room above them.
 */
function clearOfPrimaryActions(stack: HTMLElement): number {
  const height = stack.getBoundingClientRect().height;
  if (height === 0) return EDGE_PX;
  const { left, right } = stack.getBoundingClientRect();
  const viewport = window.innerHeight;
  let bottom = EDGE_PX;
  // Moving clear of one action bar can put the stack over another: go round until nothing moves.
  for (let round = 0; round < 4; round++) {
    const top = viewport - bottom - height;
    let moved = false;
    for (const element of document.querySelectorAll<HTMLElement>('[data-primary-actions]')) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const overlaps = box.left < right && box.right > left && box.top < viewport - bottom && box.bottom > top;
      if (!overlaps) continue;
      const above = viewport - box.top + GAP_PX;
      if (above + height > viewport - EDGE_PX) continue; // no room above it
      bottom = above;
      moved = true;
    }
    if (!moved) break;
  }
  return bottom;
}

/** Keeps the stack clear of the page's primary actions while it shows anything. */
function useClearOfPrimaryActions(stack: RefObject<HTMLDivElement | null>, showing: boolean): number {
  const [bottom, setBottom] = useState(EDGE_PX);
  useEffect(() => {
    const element = stack.current;
    if (!showing || !element) return;
    let frame = 0;
    const place = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => setBottom(clearOfPrimaryActions(element)));
    };
    place();
    // Scrolling (of the page or of a panel), a new size, a page change that brings its own actions.
    window.addEventListener('scroll', place, { capture: true, passive: true });
    window.addEventListener('resize', place);
    const resized = new ResizeObserver(place);
    resized.observe(element);
    const changed = new MutationObserver(place);
    changed.observe(document.body, { childList: true, subtree: true });
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener('scroll', place, { capture: true });
      window.removeEventListener('resize', place);
      resized.disconnect();
      changed.disconnect();
    };
  }, [stack, showing]);
  return showing ? bottom : EDGE_PX;
}

/** Render once in a layout. The live region stays mounted so new toasts are announced. */
export function Toaster() {
  const items = useSyncExternalStore(subscribe, () => toasts, () => emptyList);
  const stack = useRef<HTMLDivElement>(null);
  const bottom = useClearOfPrimaryActions(stack, items.length > 0);
  return (
    <div
      ref={stack}
      role="status"
      aria-live="polite"
      // role=status is atomic by default; announce only the toast that was added.
      aria-atomic={false}
      style={{ bottom }}
      className="pointer-events-none fixed right-4 z-100 flex w-[min(24rem,calc(100vw-2rem))] flex-col gap-2 motion-safe:transition-[bottom] motion-safe:duration-150"
    >
      {items.map((item) => (
        <ToastCard key={item.id} item={item} />
      ))}
    </div>
  );
}
