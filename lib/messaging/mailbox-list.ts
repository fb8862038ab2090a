import { z } from 'zod';
import { idKey, timeKey, type Cursor } from '@/lib/lists/cursor';
import { defineList } from '@/lib/lists/list-state';

/**
 * The portal's mailbox lists (Inbox with its search, Sent): newest first, the cursor a message's
 * sent time and id (lib/lists). Inbox's `q` is the search across Inbox and Sent.
 */
export const inboxList = defineList({
  path: '/secure/inbox',
  sorts: { sent: 'desc' },
  defaultSort: 'sent',
  cursor: z.tuple([timeKey, idKey]),
  searchMax: 200,
});

export const sentList = defineList({
  path: '/secure/sent',
  sorts: { sent: 'desc' },
  defaultSort: 'sent',
  cursor: z.tuple([timeKey, idKey]),
  searchMax: 200,
});

/** A mailbox page as the pager reads it: the next page is older, the previous one newer. */
export function mailboxPage(page: { start: number; older: Cursor | null; newer: Cursor | null }) {
  return { start: page.start, next: page.older, previous: page.newer };
}
