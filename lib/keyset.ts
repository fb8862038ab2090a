/**
 * Keyset pages in both directions, for lists shown newest first (inbox, sent, events, secure
 * messages). A page is asked for as "older than" or "newer than" a row's position; "newer" reads
 * the rows in ascending order and turns them around. Either way a page costs the same at any depth.
 */
export type PageDirection = 'older' | 'newer';

export type KeysetPage<T> = {
  rows: T[];
  /** The last row shown, when older rows follow: the next page's "older than". */
  older: T | null;
  /** The first row shown, when newer rows come before it: the previous page's "newer than". */
  newer: T | null;
};

/**
 * Cuts a page out of `found`, fetched with `limit + 1` rows: newest first when `direction` is
 * "older", oldest first when it is "newer". Returns null when a "newer" page would not be full:
 * then it is the newest page, and the caller shows that instead (so "Newer" never shows a short
 * page at the top).
 */
export function keysetPage<T>(found: T[], limit: number, direction: PageDirection, fromCursor: boolean): KeysetPage<T> | null {
  if (direction === 'newer') {
    if (found.length <= limit) return null;
    const rows = found.slice(0, limit).reverse();
    return { rows, older: rows.at(-1) ?? null, newer: rows[0] ?? null };
  }
  const rows = found.slice(0, limit);
  return { rows, older: found.length > limit ? (rows.at(-1) ?? null) : null, newer: fromCursor ? (rows[0] ?? null) : null };
}
