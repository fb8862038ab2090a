import { z } from 'zod';
import { idKey, textKey } from '@/lib/lists/cursor';
import { defineList } from '@/lib/lists/list-state';

/**
 * The /licensed-emails list's URL state: search (`q`), sort by address or date added, and the
 * page's cursor (the row's sort value, then its id).
 */
export const licensedEmailList = defineList({
  path: '/licensed-emails',
  sorts: { added: 'desc', email: 'asc' },
  defaultSort: 'added',
  cursor: z.tuple([textKey, idKey]),
});

export type LicensedEmailListState = ReturnType<typeof licensedEmailList.parse>;
export type LicensedEmailSort = LicensedEmailListState['sort'];
