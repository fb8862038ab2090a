'use server';

import { adminAction } from '@/lib/actions/action';
import { columnPreferencesSchema, saveHiddenColumns } from '@/lib/lists/column-preferences';

/** Remember the columns the administrator hides on a list (components/data-table/column-chooser.tsx). */
export const saveColumnPreferencesAction = adminAction('saveColumnPreferencesAction', columnPreferencesSchema, async ({ list, hidden }, { actor }) =>
  saveHiddenColumns({ actor, list, hidden }),
);
