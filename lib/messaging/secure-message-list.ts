import { z } from 'zod';
import { idKey, timeKey } from '@/lib/lists/cursor';
import { defineList, enumFilter, flagFilter, type RawSearchParams } from '@/lib/lists/list-state';
import { MAX_SEARCH_LENGTH, type MonitorStateFilter } from './monitoring';

/**
 * The /secure-messages list's URL state: search (`q`), each state on its own (`read=read|unread`,
 * `extended=1`, `expired=1`, `recalled=1`) and the page's cursor (sent time to the microsecond, id);
 * newest first. `message=<id>` (the open log panel) is the page's, not the list's.
 */
export const secureMessageList = defineList({
  path: '/secure-messages',
  sorts: { sent: 'desc' },
  defaultSort: 'sent',
  cursor: z.tuple([timeKey, idKey]),
  searchMax: MAX_SEARCH_LENGTH,
  filters: { read: enumFilter(['read', 'unread']), extended: flagFilter(), expired: flagFilter(), recalled: flagFilter() },
});

export type SecureMessageListState = ReturnType<typeof secureMessageList.parse>;

/**
 * Links made before the states were separate said `?status=sent|read|extended|recalled`: read as
 * the nearest states (sent: unread), so an old bookmark still filters.
 */
export function withLegacyStatus(raw: RawSearchParams): RawSearchParams {
  const legacy = ([] as string[]).concat(raw.status ?? []);
  if (legacy.length !== 1) return raw;
  const mapped: Record<string, RawSearchParams> = { sent: { read: 'unread' }, read: { read: 'read' }, extended: { extended: '1' }, recalled: { recalled: '1' } };
  return { ...raw, ...(mapped[legacy[0]] ?? {}), status: undefined };
}

export function stateFilterOf(state: SecureMessageListState): MonitorStateFilter {
  const { read, extended, expired, recalled } = state.filters;
  return { read, extended, expired, recalled };
}
