'use client';

import { usePathname, useSearchParams } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';

type Phase = 'idle' | 'waiting' | 'loading' | 'finishing';

/** Shown only when a page takes longer than this: a fast navigation does not flash a bar. */
const SHOW_AFTER_MS = 120;
/** A click that some handler turned into something other than a navigation must not leave the bar running. */
const GIVE_UP_AFTER_MS = 15_000;

/**
 * A thin bar at the top of the window from the moment a link to another page is followed (or
 * the browser's back/forward is used) until the new page is on screen. The App Router shows the
 * old page meanwhile, so without it a click seems to do nothing for as long as the server takes.
 */
export function NavigationProgress() {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const [phase, setPhase] = useState<Phase>('idle');
  const timers = useRef<number[]>([]);

  function clearTimers() {
    for (const timer of timers.current) window.clearTimeout(timer);
    timers.current = [];
  }

  useEffect(() => {
    function start() {
      clearTimers();
      setPhase('waiting');
      timers.current.push(
        window.setTimeout(() => setPhase((current) => (current === 'waiting' ? 'loading' : current)), SHOW_AFTER_MS),
        window.setTimeout(() => setPhase('idle'), GIVE_UP_AFTER_MS),
      );
    }
    function onClick(event: MouseEvent) {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = (event.target as Element | null)?.closest?.('a[href]');
      if (!(link instanceof HTMLAnchorElement)) return;
      if ((link.target && link.target !== '_self') || link.hasAttribute('download') || link.origin !== window.location.origin) return;
      // A link to the page already shown (or to a part of it) loads nothing.
      if (link.pathname === window.location.pathname && link.search === window.location.search) return;
      start();
    }
    // The bubbling phase at the window: after the page's own handlers, so a click held back by one
    // that stops it (useLeaveGuard's "Discard this message?") starts nothing.
    window.addEventListener('click', onClick);
    window.addEventListener('popstate', start);
    return () => {
      window.removeEventListener('click', onClick);
      window.removeEventListener('popstate', start);
      clearTimers();
    };
  }, []);

  // The new page is committed: complete the bar, then hide it.
  const route = `${pathname}?${searchParams.toString()}`;
  const [shownRoute, setShownRoute] = useState(route);
  if (shownRoute !== route) {
    setShownRoute(route);
    setPhase((current) => (current === 'loading' ? 'finishing' : 'idle'));
  }
  useEffect(() => {
    if (phase !== 'finishing') return;
    const timer = window.setTimeout(() => setPhase('idle'), 300);
    return () => window.clearTimeout(timer);
  }, [phase]);

  if (phase === 'idle' || phase === 'waiting') return null;
  const loading = phase === 'loading';
  return (
    // While finishing it is only the bar's fade: hidden from assistive technology, which the new page has.
    <div
      role={loading ? 'progressbar' : undefined}
      aria-label={loading ? 'Loading page' : undefined}
      aria-busy={loading || undefined}
      aria-hidden={loading ? undefined : true}
      className="pointer-events-none fixed inset-x-0 top-0 z-[60] h-0.5"
    >
      <div
        className="h-full bg-brand-600 shadow-[0_0_6px] shadow-brand-500 motion-reduce:transition-none"
        style={
          loading
            ? { width: '85%', transition: 'width 8s cubic-bezier(0.1, 0.7, 0.2, 1)' }
            : { width: '100%', opacity: 0, transition: 'width 150ms ease-out, opacity 250ms ease-in 100ms' }
        }
      />
    </div>
  );
}
