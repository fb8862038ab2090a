import { z } from 'zod';
import { idKey, textKey } from '@/lib/lists/cursor';
import { defineList, enumFilter } from '@/lib/lists/list-state';

/** The /recipients list's URL state: search (`q`), the "Missing phone" filter (`phone=missing`) and the page's cursor (email, id). */
export const recipientList = defineList({
  path: '/recipients',
  sorts: { email: 'asc' },
  defaultSort: 'email',
  cursor: z.tuple([textKey, idKey]),
  filters: { phone: enumFilter(['missing']) },
});

export type RecipientListState = ReturnType<typeof recipientList.parse>;
