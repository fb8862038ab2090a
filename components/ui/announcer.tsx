'use client';

import { useEffect, useSyncExternalStore } from 'react';

/**
 * The app's one screen-reader announcer. A message put into a live region that is inserted at the
 * same moment as its text is often not read out: the region has to be on the page, empty, before
 * the text arrives. These two regions are rendered once, in the root layout (through <Toaster />),
 * with every page; `announce()` writes into them from anywhere.
 *
 * `polite` waits for the screen reader to finish what it is saying (results, confirmations);
 * `assertive` interrupts it (errors that stop what the person was doing).
 */
export type Politeness = 'polite' | 'assertive';

type Announcement = { text: string; politeness: Politeness; id: number };

let current: Announcement | null = null;
let nextId = 1;
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

function publish(next: Announcement | null) {
  current = next;
  listeners.forEach((listener) => listener());
}

/** How long a message stays in its region: long enough to be read, gone before it could be found again by browsing. */
const CLEAR_AFTER_MS = 7000;
let clearTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Reads `text` out to screen-reader users. The same text twice in a row is read twice: the region
 * is emptied first and the text written a moment later, which screen readers take as a change.
 */
export function announce(text: string, politeness: Politeness = 'polite'): void {
  const trimmed = text.replace(/\s+/g, ' ').trim();
  if (!trimmed || typeof window === 'undefined') return;
  publish(null);
  const id = nextId++;
  window.setTimeout(() => {
    publish({ text: trimmed, politeness, id });
    clearTimeout(clearTimer);
    clearTimer = setTimeout(() => {
      if (current?.id === id) publish(null);
    }, CLEAR_AFTER_MS);
  }, 50);
}

/** Announces `message` whenever it becomes non-empty or changes (an error or notice a component has just shown). */
export function useAnnounce(message: string | null | undefined | false, politeness: Politeness = 'polite'): void {
  useEffect(() => {
    if (message) announce(message, politeness);
  }, [message, politeness]);
}

/** The text of an element as a screen reader would read it, without what is hidden from it. */
export function spokenText(element: Element | null | undefined): string {
  if (!element) return '';
  const copy = element.cloneNode(true) as Element;
  copy.querySelectorAll('[aria-hidden="true"], [hidden], button, [data-announce-skip]').forEach((node) => node.remove());
  return (copy.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** How many results the page shows, in words: the page's own summary when it has one. */
function resultsSummary(main: Element): string {
  const summary = main.querySelector('[data-result-summary]');
  if (summary) return spokenText(summary);
  const empty = main.querySelector('[data-empty-state]');
  if (empty) return spokenText(empty.querySelector('h2, h3, p') ?? empty);
  const rows = main.querySelectorAll('table tbody tr').length || main.querySelectorAll('[data-result-list] > li').length;
  return rows === 1 ? '1 result shown.' : `${rows} results shown.`;
}

/** Reads out the results of the search just made (search-as-you-type keeps focus in its field). */
export function announceResults(): void {
  const main = document.querySelector('main');
  if (main) announce(resultsSummary(main));
}

const none = () => null;

/** Render once (the root layout does, through <Toaster />). */
export function Announcer() {
  const announcement = useSyncExternalStore(subscribe, () => current, none);
  return (
    <div className="sr-only" data-announcer="">
      {/* No role="status": that is the role of the page's own notices (components/ui/alert.tsx). */}
      <div aria-live="polite" aria-atomic="true" data-testid="announcer-polite">
        {announcement?.politeness === 'polite' ? announcement.text : ''}
      </div>
      <div aria-live="assertive" aria-atomic="true" data-testid="announcer-assertive">
        {announcement?.politeness === 'assertive' ? announcement.text : ''}
      </div>
    </div>
  );
}
