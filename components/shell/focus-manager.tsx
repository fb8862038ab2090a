'use client';

import { usePathname, useSearchParams } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { announceResults } from '@/components/ui/announcer';
import { focusMainHeading } from '@/components/ui/focus';

/**
 * Where keyboard focus goes when the page changes. The App Router leaves focus where it was: on
 * an element that is gone (focus then falls to the page body, and Tab continues from wherever that
 * element used to be) or on a link of the old page's navigation. Rendered once, in the root layout.
 *
 * - After a page change, focus moves to the top of the document: the next Tab is the skip link
 *   ("Skip to content"), as after a full page load.
 * - A step that leads somewhere on purpose asks for more with `focusAfterNavigation` (or, for a
 *   link, the attribute `data-focus-heading`): `heading` (signing in, sending a message, opening
 *   one) focuses the new page's heading, so its title is
 *   read and Tab continues in the page; `results` (a search form with role="search", set here for
 *   every one) focuses the heading of the results page and reads out how many were found, or
 *   focuses the search field when the search could not be read.
 */
export type FocusIntent = 'heading' | 'results';

const STORAGE_KEY = 'sealpost:focus-after-navigation';
/** An intent not used within this time (the step failed, or the person stayed) is dropped. */
const INTENT_TTL_MS = 30_000;

/** Asks the next page to take focus as `intent` says. Kept in sessionStorage: a GET form loads a whole new document. */
export function focusAfterNavigation(intent: FocusIntent): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ intent, at: Date.now(), from: location.pathname + location.search }));
  } catch {
    // Storage refused (private mode, quota): the page then behaves as after any navigation.
  }
}

/** Drops a pending intent (the step it was for was refused). */
export function cancelFocusAfterNavigation(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored, nothing to drop.
  }
}

function takeIntent(): FocusIntent | null {
  let raw: string | null = null;
  try {
    raw = sessionStorage.getItem(STORAGE_KEY);
    if (raw !== null) sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as { intent?: unknown; at?: unknown };
    if (typeof parsed.at !== 'number' || Date.now() - parsed.at > INTENT_TTL_MS) return null;
    return parsed.intent === 'heading' || parsed.intent === 'results' ? parsed.intent : null;
  } catch {
    return null;
  }
}

function applyIntent(intent: FocusIntent) {
  if (intent === 'heading') {
    // A page that puts focus in its first field itself (the code step of a sign-in) keeps it there.
    const active = document.activeElement;
    if (active instanceof HTMLElement && active.closest('main') && active.matches('input, textarea, select')) return;
    focusMainHeading();
    return;
  }
  const main = document.querySelector('main');
  const invalid = main?.querySelector<HTMLElement>('form[role="search"] [aria-invalid="true"]');
  if (invalid) {
    invalid.focus();
    return;
  }
  focusMainHeading();
  announceResults();
}

function focusDocumentStart(anchor: HTMLElement | null) {
  // Only when focus is lost or left on the old page's controls: never take it from a field in use.
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected && active.closest('main') && active.matches('input, textarea, select, [contenteditable="true"]')) return;
  anchor?.focus({ preventScroll: true });
}

export function FocusManager() {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const anchor = useRef<HTMLDivElement>(null);
  const shownPath = useRef<string | null>(null);
  const query = searchParams.toString();

  // Searches with a plain GET form (role="search") load a new document: say so before it goes.
  // Links marked data-focus-heading (a message in a folder) open a page to be read from its heading.
  useEffect(() => {
    function onSubmit(event: SubmitEvent) {
      const form = event.target;
      if (form instanceof HTMLFormElement && form.getAttribute('role') === 'search' && !event.defaultPrevented) focusAfterNavigation('results');
    }
    function onClick(event: MouseEvent) {
      const link = (event.target as Element | null)?.closest?.('a[data-focus-heading]');
      if (link && event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey) focusAfterNavigation('heading');
    }
    document.addEventListener('submit', onSubmit);
    document.addEventListener('click', onClick);
    return () => {
      document.removeEventListener('submit', onSubmit);
      document.removeEventListener('click', onClick);
    };
  }, []);

  useEffect(() => {
    const firstRender = shownPath.current === null;
    const pathChanged = shownPath.current !== pathname;
    shownPath.current = pathname;
    const intent = takeIntent();
    if (intent) {
      // After React has committed the new page (and its heading) to the DOM.
      requestAnimationFrame(() => applyIntent(intent));
      return;
    }
    // A full page load already starts at the top; a change of query only (search-as-you-type,
    // pages of a list) keeps focus where the person is working.
    if (!firstRender && pathChanged) focusDocumentStart(anchor.current);
  }, [pathname, query]);

  // The first thing in the document: focusing it puts the next Tab on the skip link.
  return <div ref={anchor} tabIndex={-1} className="outline-none" data-focus-start="" />;
}
