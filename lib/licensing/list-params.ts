import type { LicensedEmailCursor, LicensedEmailSort } from './queries';
import { isUuid } from '@/lib/ids';

/** The /licensed-emails URL's search, sort and cursor, parsed leniently: bad values fall back to defaults. */
export type LicensedEmailListParams = { q: string; sort: LicensedEmailSort; dir: 'asc' | 'desc'; after?: LicensedEmailCursor };

export function parseListParams(params: Record<string, string | string[] | undefined>): LicensedEmailListParams {
  const get = (key: string) => (typeof params[key] === 'string' ? (params[key] as string) : '');
  const sort: LicensedEmailSort = get('sort') === 'email' ? 'email' : 'added';
  const dir = get('dir') === 'asc' || get('dir') === 'desc' ? (get('dir') as 'asc' | 'desc') : sort === 'email' ? 'asc' : 'desc';
  return { q: get('q').trim().slice(0, 254), sort, dir, after: decodeCursor(get('after')) };
}

export function encodeCursor(cursor: LicensedEmailCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(raw: string): LicensedEmailCursor | undefined {
  if (!raw || raw.length > 600) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      value &&
      typeof value === 'object' &&
      typeof (value as LicensedEmailCursor).value === 'string' &&
      typeof (value as LicensedEmailCursor).id === 'string' &&
      isUuid((value as LicensedEmailCursor).id)
    ) {
      return { value: (value as LicensedEmailCursor).value.slice(0, 300), id: (value as LicensedEmailCursor).id };
    }
  } catch {
    // Ignored: a hand-edited cursor just shows the first page.
  }
  return undefined;
}

export function listHref(params: Partial<Omit<LicensedEmailListParams, 'after'>> & { after?: string }): string {
  const search = new URLSearchParams();
  if (params.q) search.set('q', params.q);
  if (params.sort) search.set('sort', params.sort);
  if (params.dir) search.set('dir', params.dir);
  if (params.after) search.set('after', params.after);
  const query = search.toString();
  return `/licensed-emails${query ? `?${query}` : ''}`;
}
