import { z } from 'zod';
import { isUuid } from '@/lib/ids';

/**
 * The one cursor codec of every list (lib/lists/list-state.ts). A cursor names a row by its sort
 * key (the sort column's value, then the row's id, as the query orders them) and carries that row's
 * position in the list (1-based), so a page can say "51–100 of 9,720" without counting the rows
 * before it. The position is a label only: rows added meanwhile may shift it by a few; the keys
 * alone decide which rows come next.
 *
 * Encoded as base64url JSON `{ k: [...keys], n: position }`. A hand-edited, foreign or oversized
 * cursor decodes to undefined, and the list shows its first page.
 */
export type CursorKey = string | number;
export type Cursor<K extends readonly CursorKey[] = readonly CursorKey[]> = { keys: K; position: number };

/** Longest accepted encoded cursor: a sort value of up to 300 characters and an id fit. */
export const MAX_CURSOR_LENGTH = 600;

/** A key that is a row id (uuid). */
export const idKey = z.string().refine(isUuid);
/**
 * A key that is a timestamp as UTC ISO text to the microsecond (lib/lists/page.ts timeCursorKey),
 * strictly: PostgreSQL reads it back, and must never be handed text it refuses.
 */
export const timeKey = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/).refine((v) => {
    // A real calendar day (not 31 February, which a regular expression lets through).
    const time = Date.parse(v);
    return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === v.slice(0, 10);
  });
/** A key that is text of at most 300 characters (an address, a name). */
export const textKey = z.string().max(300);
/** A key that is a whole number (cents, a count). */
export const numberKey = z.number().int().safe();

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ k: cursor.keys, n: cursor.position }), 'utf8').toString('base64url');
}

/** `maxLength`: a list whose sort values can be long (delivery events' reasons) allows more. */
export function decodeCursor<S extends z.ZodTuple>(raw: unknown, keys: S, maxLength = MAX_CURSOR_LENGTH): { keys: z.infer<S>; position: number } | undefined {
  if (typeof raw !== 'string' || !raw || raw.length > maxLength) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = z.object({ k: keys, n: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).safeParse(value);
  if (!parsed.success) return undefined;
  const data = parsed.data as { k: z.infer<S>; n: number };
  return { keys: data.k, position: data.n };
}
