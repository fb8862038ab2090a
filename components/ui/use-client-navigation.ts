'use client';

import { useRouter } from 'next/navigation';
import type { MouseEvent } from 'react';

/**
 * Client-side navigation for plain `<a href>` links: a left click without a modifier key goes
 * through the App Router (no full page load); anything else (a new tab, a download, a link to
 * another window) is left to the browser. For link lists rendered on every page, such as the
 * navigation: one handler for the whole list is much cheaper to render than a `next/link`
 * per item, which the server renders on every request.
 */
export function useClientNavigation(onNavigate?: () => void) {
  const router = useRouter();
  return (event: MouseEvent<HTMLElement>) => {
    const link = (event.target as Element | null)?.closest?.('a[href]');
    if (!(link instanceof HTMLAnchorElement) || !event.currentTarget.contains(link)) return;
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if ((link.target && link.target !== '_self') || link.hasAttribute('download') || link.origin !== window.location.origin) return;
    event.preventDefault();
    onNavigate?.();
    router.push(`${link.pathname}${link.search}${link.hash}`);
  };
}
