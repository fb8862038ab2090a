import { z } from 'zod';
import { idKey, timeKey } from '@/lib/lists/cursor';
import { defineList } from '@/lib/lists/list-state';

/** The /suppressions list's URL state: search (`q`) and the page's cursor (time added, id); newest first. */
export const suppressionList = defineList({
  path: '/suppressions',
  sorts: { added: 'desc' },
  defaultSort: 'added',
  cursor: z.tuple([timeKey, idKey]),
});
