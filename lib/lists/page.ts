import { and, asc, desc, eq, gt, lt, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Cursor, CursorKey } from './cursor';
import type { PageDirection, SortDir } from './list-state';

/**
 * Keyset pages in both directions for any list (lib/lists/list-state.ts): a page is asked for as
 * the rows after or before a row's sort key. "Before" reads the rows in the opposite order and
 * turns them around. Either way a page costs the same at any depth — never OFFSET.
 */
export type PagePosition<K extends readonly CursorKey[] = readonly CursorKey[]> = { direction: PageDirection; cursor: Cursor<K> };

export type ListPage<T> = {
  rows: T[];
  /** The first row's position in the whole list (1-based). */
  start: number;
  /** The cursor of the next page, when rows follow. */
  next: Cursor | null;
  /** The cursor of the previous page, when rows come before. */
  previous: Cursor | null;
};

/**
 * The WHERE and ORDER BY of a page sorted by `column` then `id`, both in `dir`, reading after or
 * before `position` (the first page without it). `value` turns the cursor's sort key back into the
 * column's type (a timestamp's ISO text into a Date).
 */
export function keysetQuery(
  column: AnyColumn | SQL,
  id: AnyColumn,
  dir: SortDir,
  position: PagePosition | undefined,
  value: (key: CursorKey) => unknown = (key) => key,
): { where: SQL | undefined; orderBy: SQL[] } {
  const ascending = (dir === 'asc') !== (position?.direction === 'before');
  const order = ascending ? asc : desc;
  if (!position) return { where: undefined, orderBy: [order(column), order(id)] };
  const beyond = ascending ? gt : lt;
  const [sortKey, idKey] = position.cursor.keys;
  const v = value(sortKey as CursorKey) as never;
  return {
    where: or(beyond(column as AnyColumn, v), and(eq(column as AnyColumn, v), beyond(id, idKey as never))),
    orderBy: [order(column), order(id)],
  };
}

/**
 * Cuts a page out of `found`, fetched with `limit + 1` rows in the order keysetQuery gave.
 * Returns null when a "before" page would not be full: then it is the first page, and the caller
 * shows that instead (so "Previous" never shows a short page at the top).
 */
export function cutPage<T>(found: T[], limit: number, position: PagePosition | undefined, keyOf: (row: T) => readonly CursorKey[]): ListPage<T> | null {
  if (position?.direction === 'before') {
    if (found.length <= limit) return null;
    const rows = found.slice(0, limit).reverse();
    // There is at least one row before this page, so it starts at 2 or later.
    const start = Math.max(2, position.cursor.position - limit);
    return { rows, start, ...cursors(rows, start, keyOf, true, true) };
  }
  const rows = found.slice(0, limit);
  const start = position ? position.cursor.position + 1 : 1;
  return { rows, start, ...cursors(rows, start, keyOf, found.length > limit, position !== undefined) };
}

function cursors<T>(rows: T[], start: number, keyOf: (row: T) => readonly CursorKey[], hasNext: boolean, hasPrevious: boolean) {
  const firstRow = rows[0];
  const lastRow = rows.at(-1);
  return {
    next: hasNext && lastRow !== undefined ? { keys: keyOf(lastRow), position: start + rows.length - 1 } : null,
    previous: hasPrevious && firstRow !== undefined ? { keys: keyOf(firstRow), position: start } : null,
  };
}

/**
 * A timestamp's cursor key, to the microsecond as PostgreSQL keeps it: a JavaScript Date keeps
 * milliseconds only, and a cursor cut to them would skip rows added within the same millisecond.
 */
export function timeCursorKey(column: AnyColumn): SQL<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** A timestamp cursor key back as a value to compare with its column. */
export function timeKeyValue(key: CursorKey): SQL {
  return sql`${String(key)}::timestamptz`;
}
