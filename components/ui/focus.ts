'use client';

/** Makes `element` focusable by script only (no Tab stop of its own) when it is not already, and focuses it. */
export function focusElement(element: HTMLElement): void {
  if (!element.matches('a[href], button, input, select, textarea, [tabindex]')) element.setAttribute('tabindex', '-1');
  element.focus();
}

/** Focuses the page's main heading; false when the page has none. */
export function focusMainHeading(): boolean {
  const heading = document.querySelector<HTMLElement>('main h1') ?? document.querySelector<HTMLElement>('h1');
  if (!heading) return false;
  focusElement(heading);
  return true;
}

/** How long after a change focus is watched: the page's refresh after a server action comes well within it. */
const WATCH_MS = 10_000;

function focusLost(): boolean {
  const active = document.activeElement;
  return !active || active === document.body || !active.isConnected;
}

/** The dialog's own return of focus to its trigger happens just after it closes (Radix, in a timeout). */
const SETTLE_MS = 100;

/**
 * After a change that may remove the element focus is on or returns to (a row's Remove, once
 * confirmed and the list refreshed), focus would fall to the page body and Tab start again from
 * wherever the row was. Watches the page for a while and, if that happens, puts focus on the
 * page's heading instead.
 */
export function keepFocusInPage(): void {
  let settled = false;
  const observer = new MutationObserver(() => check());
  const stop = () => {
    settled = true;
    observer.disconnect();
  };
  const check = () => {
    if (settled || !focusLost()) return;
    focusMainHeading();
    stop();
  };
  setTimeout(() => {
    if (settled) return;
    observer.observe(document.body, { childList: true, subtree: true });
    check();
  }, SETTLE_MS);
  setTimeout(stop, WATCH_MS);
}
