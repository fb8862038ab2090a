'use client';

import { useSyncExternalStore } from 'react';

const noSubscription = () => () => {};

/**
 * False in the server's HTML and until React has hydrated the page, true after. Forms whose submit
 * is handled in the browser keep their button disabled until then: a click before hydration would
 * otherwise submit the form natively, as a GET with its fields (passwords too) in the URL.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}
