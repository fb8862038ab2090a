'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

/**
 * Rendered by a message page that has just been read for the first time: the folder list's
 * unread count, in the layout that a client-side navigation keeps, is fetched again.
 */
export function RefreshUnreadCount() {
  const router = useRouter();
  useEffect(() => router.refresh(), [router]);
  return null;
}
