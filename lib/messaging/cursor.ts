import type { KeysetPagerLinks } from '@/lib/keyset';
import type { MailboxCursor, MailboxPosition } from './queries';
import { isUuid } from '@/lib/ids';

export function encodeMailboxCursor(cursor: MailboxCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** A hand-edited or foreign cursor simply shows the newest page. */
export function decodeMailboxCursor(raw: string): MailboxCursor | undefined {
  if (!raw || raw.length > 200) return undefined;
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<MailboxCursor>;
    if (typeof value.sentAt === 'string' && !Number.isNaN(Date.parse(value.sentAt)) && typeof value.id === 'string' && isUuid(value.id)) {
      return { sentAt: value.sentAt, id: value.id };
    }
  } catch {
    // fall through
  }
  return undefined;
}

/** A mailbox page's position from its URL: `?before=` (older than) or `?after=` (newer than). */
export function mailboxPosition(params: Record<string, string | string[] | undefined>): MailboxPosition | undefined {
  for (const [key, direction] of [['before', 'older'], ['after', 'newer']] as const) {
    const raw = params[key];
    const cursor = decodeMailboxCursor(typeof raw === 'string' ? raw : '');
    if (cursor) return { cursor, direction };
  }
  return undefined;
}

/**
 * The pager links of a mailbox page (Inbox, Sent, search results): `path` with its own
 * parameters (`?q=` of a search) and `?after=` / `?before=` the page's neighbours.
 */
export function mailboxPagerLinks(
  path: string,
  page: { items: unknown[]; older: MailboxCursor | null; newer: MailboxCursor | null },
  position: MailboxPosition | undefined,
  params: Record<string, string> = {},
): KeysetPagerLinks {
  const href = (extra: Record<string, string> = {}) => {
    const query = new URLSearchParams({ ...params, ...extra }).toString();
    return query ? `${path}?${query}` : path;
  };
  return {
    newest: href(),
    pastEnd: position !== undefined && page.items.length === 0,
    newer: page.newer && href({ after: encodeMailboxCursor(page.newer) }),
    older: page.older && href({ before: encodeMailboxCursor(page.older) }),
  };
}
