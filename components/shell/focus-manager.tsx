'use client';

import { usePathname, useSearchParams } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { focusElement, focusMainHeading } from '@/components/ui/focus';

/**
 * Where keyboard focus goes when the page changes. The App Router leaves focus where it was: on
 * an element that is gone (focus then falls to the page body, and Tab continues from wherever that
 * element used to be) or on a link of the old page's navigation. Rendered once, in the root layout.
 *
 * - After a page change, focus moves to the top of the document: the next Tab is the skip link
 *   ("Skip to content"), as after a full page load.
 * - A step that leads somewhere on purpose asks for more with `focusAfterNavigation('heading')`
 *   (or, on a link, the attribute `data-focus-heading`): signing in, sending a message and opening
 *   one focus the new page's heading, so its title is read and Tab continues in the page.
 * - A search submitted with a form of role="search" (a GET form: a new document) focuses the
 *   results: the page's summary of them (an element marked `data-result-summary`, e.g. "1,204
 *   events"), which a screen reader then reads out, or the heading when the page has none; or
 *   the search field, which says why, when the search could not be read.
 */
export type FocusIntent = 'heading' | 'results';

const STORAGE_KEY = 'sealpost:search-results';
/** An intent not used within this time (the step failed, or the person stayed) is dropped. */
const INTENT_TTL_MS = 30_000;

/**
 * The pending intent of a step that changes page in this document (a client-side navigation).
 * Kept in memory: a full page load drops it, so it can never apply to a page opened some other way.
 */
let pending: { intent: FocusIntent; at: number } | null = null;

/** Asks the next page of this document to take focus as `intent` says. */
export function focusAfterNavigation(intent: FocusIntent): void {
  pending = { intent, at: Date.now() };
}

/** Drops a pending intent (the step it was for was refused). */
export function cancelFocusAfterNavigation(): void {
  pending = null;
}

/** A search form with role="search" loads a new document: its intent is kept for that page only. */
function rememberSearch(form: HTMLFormElement) {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ to: new URL(form.action, location.href).pathname, at: Date.now() }));
  } catch {
    // Storage refused (private mode, quota): the results page then behaves as after any load.
  }
}

function takeIntent(): FocusIntent | null {
  const fresh = (at: unknown) => typeof at === 'number' && Date.now() - at <= INTENT_TTL_MS;
  if (pending) {
    const { intent, at } = pending;
    pending = null;
    if (fresh(at)) return intent;
  }
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (raw === null) return null;
    sessionStorage.removeItem(STORAGE_KEY);
    const parsed = JSON.parse(raw) as { to?: unknown; at?: unknown };
    return fresh(parsed.at) && parsed.to === location.pathname ? 'results' : null;
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
  const summary = main?.querySelector<HTMLElement>('[data-result-summary]');
  if (summary) focusElement(summary);
  else focusMainHeading();
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

  // Searches with a plain GET form (role="search") load a new document: remember it before it goes.
  // Links marked data-focus-heading (a message in a folder) open a page to be read from its heading.
  useEffect(() => {
    function onSubmit(event: SubmitEvent) {
      const form = event.target;
      if (form instanceof HTMLFormElement && form.getAttribute('role') === 'search' && !event.defaultPrevented) rememberSearch(form);
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
