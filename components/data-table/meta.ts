import type { CellData, RowData, TableFeatures } from '@tanstack/table-core';

/**
 * What a column tells the one table renderer (table-view.tsx) beyond TanStack's model: how its
 * cells fit (numbers right, dates unbroken, long text truncated with the full text on hover and
 * focus, a copy button for ids and addresses), which of the list's sorts its header links to, and
 * its name on a phone's card.
 */
declare module '@tanstack/table-core' {
  // The type parameters must match table-core's declaration to merge.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface ColumnMeta<in out TFeatures extends TableFeatures, in out TData extends RowData, TValue extends CellData = CellData> {
    /** The column's name in the column chooser and on a phone's card (defaults to its header when that is text). */
    label?: string;
    /** Numbers: aligned right, tabular figures. */
    numeric?: boolean;
    /** Dates and times: never wrap. */
    nowrap?: boolean;
    /** Long text: cut to the column's width, the full text on hover and on keyboard focus. */
    truncate?: boolean;
    /** Ids and addresses: a copy button beside the value (implies truncate). */
    copy?: boolean;
    /** The list sort (lib/lists/list-state.ts) this column's header sorts by. */
    sort?: string;
    /** The row's name: the first column, fixed when the table scrolls sideways, the card's title on a phone. */
    primary?: boolean;
    /** A column of row controls (selection, actions): no label on a phone's card. */
    control?: boolean;
  }
}

/** The sort links of a list's headers, computed on the server: the header of `sort` links to `href`. */
export type SortLinks = Record<string, { href: string; active?: 'asc' | 'desc' }>;
