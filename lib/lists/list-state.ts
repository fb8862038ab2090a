import { z } from 'zod';
import { decodeCursor, encodeCursor, type Cursor, type CursorKey } from './cursor';

/**
 * The URL state of a list page — search, sort, direction, filters and the page's cursor — as one
 * zod schema per list, with parse and serialise. Every list speaks the same parameter vocabulary
 * (LIST_PARAMS); a list adds only its own filters. Parsing is lenient: an unknown sort, a bad
 * direction, an unreadable cursor or a filter value outside its enum falls back to the default,
 * so a hand-edited or old link shows a page rather than an error.
 */
export const LIST_PARAMS = {
  search: 'q',
  sort: 'sort',
  dir: 'dir',
  /** The rows after this cursor (the next page). */
  after: 'after',
  /** The rows before this cursor (the previous page). */
  before: 'before',
} as const;

export type SortDir = 'asc' | 'desc';
export type PageDirection = 'after' | 'before';
export type RawSearchParams = Record<string, string | string[] | undefined>;
export type FilterValue = string | boolean | undefined;

export type ListState<S extends string, F extends Record<string, FilterValue>, _K extends readonly unknown[] = readonly unknown[]> = {
  q: string;
  sort: S;
  dir: SortDir;
  filters: F;
  /** Absent on the first page. Its keys are as the list's cursor schema (K) read them. */
  page?: { direction: PageDirection; cursor: Cursor };
};

export type ListDefinition<S extends string, F extends Record<string, FilterValue>, K extends readonly unknown[]> = {
  path: string;
  pageSize: number;
  sorts: Record<S, SortDir>;
  defaultSort: S;
  /** The schema: parse a URL's parameters (first value of each) into the list's state. */
  schema: z.ZodType<ListState<S, F, K>>;
  parse(raw: RawSearchParams): ListState<S, F, K>;
  /** The URL of `state` with `patch` applied; changing search, sort or a filter goes back to the first page. */
  href(state: ListState<S, F, K>, patch?: Partial<Omit<ListState<S, F, K>, 'page' | 'filters'>> & { filters?: Partial<F>; page?: ListState<S, F, K>['page'] | null }): string;
  /** The direction a click on `column`'s header sorts by. */
  nextDir(state: ListState<S, F, K>, column: S): SortDir;
  /** The header links of every sortable column, for the table (components/data-table). */
  sortLinks(state: ListState<S, F, K>): Record<S, { href: string; active?: SortDir }>;
  /** The pager's links around `page` (lib/lists/page.ts). */
  pagerLinks(state: ListState<S, F, K>, page: { start: number; next: Cursor | null; previous: Cursor | null }): { first: string | null; previous: string | null; next: string | null };
};

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Defines a list's URL state. `sorts` names each sortable column with the direction it sorts by
 * first; `cursor` is the tuple of key schemas (lib/lists/cursor.ts) the list's query orders by;
 * each filter's schema parses the raw string (or undefined) and must not throw — give it a
 * `.catch(...)`.
 */
export function defineList<S extends string, FS extends Record<string, z.ZodType<FilterValue>>, K extends z.ZodTuple>(def: {
  path: string;
  pageSize?: number;
  sorts: Record<S, SortDir>;
  defaultSort: NoInfer<S>;
  cursor: K;
  filters?: FS;
  /** Longest search kept (characters). */
  searchMax?: number;
}): ListDefinition<S, { [P in keyof FS]: z.infer<FS[P]> }, z.infer<K>> {
  type F = { [P in keyof FS]: z.infer<FS[P]> };
  type State = ListState<S, F, z.infer<K>>;
  const sortNames = Object.keys(def.sorts) as S[];
  const filterShapes = (def.filters ?? {}) as FS;
  const searchMax = def.searchMax ?? 254;
  const filterDefaults = Object.fromEntries(Object.entries(filterShapes).map(([k, s]) => [k, s.parse(undefined)])) as F;

  const schema = z
    .record(z.string(), z.union([z.string(), z.array(z.string())]).optional())
    .transform((raw): State => {
      const sortRaw = first(raw[LIST_PARAMS.sort]);
      const sort = sortNames.includes(sortRaw as S) ? (sortRaw as S) : def.defaultSort;
      const dirRaw = first(raw[LIST_PARAMS.dir]);
      const dir: SortDir = dirRaw === 'asc' || dirRaw === 'desc' ? dirRaw : def.sorts[sort];
      const filters = Object.fromEntries(Object.entries(filterShapes).map(([k, s]) => [k, s.parse(first(raw[k]))])) as F;
      const state: State = { q: (first(raw[LIST_PARAMS.search]) ?? '').trim().slice(0, searchMax), sort, dir, filters };
      for (const direction of ['after', 'before'] as const) {
        const cursor = decodeCursor(first(raw[LIST_PARAMS[direction]]), def.cursor);
        if (cursor) {
          state.page = { direction, cursor: { keys: cursor.keys as readonly CursorKey[], position: cursor.position } };
          break;
        }
      }
      return state;
    });

  const pageSize = def.pageSize ?? 50;
  const nextDir = (state: State, column: S): SortDir => (state.sort === column ? (state.dir === 'asc' ? 'desc' : 'asc') : def.sorts[column]);

  const href: ListDefinition<S, F, z.infer<K>>['href'] = (state, patch = {}) => {
    const resets = 'q' in patch || 'sort' in patch || 'dir' in patch || 'filters' in patch;
    const next = { ...state, ...patch, filters: { ...state.filters, ...patch.filters } };
    const page = patch.page === null || (resets && !('page' in patch)) ? undefined : (patch.page ?? state.page);
    const search = new URLSearchParams();
    if (next.q) search.set(LIST_PARAMS.search, next.q);
    for (const [key, value] of Object.entries(next.filters) as [string, FilterValue][]) {
      if (value === undefined || value === '' || value === false || value === filterDefaults[key as keyof F]) continue;
      search.set(key, value === true ? '1' : value);
    }
    if (next.sort !== def.defaultSort || next.dir !== def.sorts[next.sort]) {
      search.set(LIST_PARAMS.sort, next.sort);
      search.set(LIST_PARAMS.dir, next.dir);
    }
    if (page) search.set(LIST_PARAMS[page.direction], encodeCursor(page.cursor));
    const query = search.toString();
    return query ? `${def.path}?${query}` : def.path;
  };

  return {
    path: def.path,
    pageSize,
    sorts: def.sorts,
    defaultSort: def.defaultSort,
    schema: schema as unknown as z.ZodType<State>,
    parse: (raw) => schema.parse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined))),
    href,
    nextDir,
    sortLinks: (state) =>
      Object.fromEntries(
        sortNames.map((column) => [column, { href: href(state, { sort: column, dir: nextDir(state, column) }), active: state.sort === column ? state.dir : undefined }]),
      ) as Record<S, { href: string; active?: SortDir }>,
    pagerLinks: (state, page) => {
      const firstPage = href(state, { page: null });
      type Position = NonNullable<State['page']>;
      const at = (direction: PageDirection, cursor: Cursor) => href(state, { page: { direction, cursor } as Position });
      return {
        first: page.start > 1 ? firstPage : null,
        // The page before starts at the top: link the first page itself (a "before" read would find it short and read it again).
        previous: page.previous ? (page.start - 1 <= pageSize ? firstPage : at('before', page.previous)) : null,
        next: page.next ? at('after', page.next) : null,
      };
    },
  };
}

/** A filter that is one of `values`, or undefined (all). */
export function enumFilter<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values).optional().catch(undefined);
}

/** A filter that is on ("1") or off. */
export function flagFilter() {
  return z
    .string()
    .optional()
    .transform((v) => v === '1' || v === 'true')
    .catch(false);
}
