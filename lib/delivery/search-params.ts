import { z } from 'zod';
import { decodeCursor, encodeCursor } from '@/lib/lists/cursor';
import { parseQuery, type QueryError, type QueryNode } from './query-language';
import { routeNamed, type DeliveryRoute } from './routes';

/**
 * The URL parameters of /delivery-events and /delivery-events/export. Lenient: parsing never
 * throws; a bad value is replaced by its default and explained. The query text stays in the URL
 * (`q`) so that a search can be shared as a link.
 */
export const DELIVERY_SORTS = ['time', 'message', 'sender', 'recipient', 'event', 'method', 'route', 'server', 'code', 'reason'] as const;
export type DeliverySort = (typeof DELIVERY_SORTS)[number];
export type SortDir = 'asc' | 'desc';

export type DeliveryCursor = { v: string | number; id: number };

export type DeliverySearchParams = {
  /** Whole UTC days, inclusive. */
  from: string;
  to: string;
  /** The query text as typed (kept for the form and links). */
  q: string;
  /** The parsed query; null for a blank one or when the text did not parse. */
  query: QueryNode | null;
  /** Set when `q` did not parse: the search is not run. */
  queryError: QueryError | null;
  sort: DeliverySort;
  dir: SortDir;
  /** The Route filter (NTA 7516 delivery route); undefined: any route. */
  route?: DeliveryRoute;
  /** Opaque keyset cursor (encodeDeliveryCursor). */
  after?: string;
  /** Id of the expanded row, if any. */
  open?: number;
};

export type DeliveryParamProblem = { field: 'from' | 'to' | 'sort' | 'dir' | 'after' | 'route'; message: string };

export type SearchParamsInput = URLSearchParams | Record<string, string | string[] | undefined>;

export const DEFAULT_RANGE_DAYS = 30;

function isCalendarDay(value: string): boolean {
  const date = new Date(`${value}T00:00:00Z`);
  return Number(value.slice(0, 4)) >= 1 && !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

const DATE_HINT = 'Use a date like 2026-11-22.';
const day = (message: string) => z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, message).refine(isCalendarDay, message);
const fromSchema = day(`The start date is not a valid date; showing the last ${DEFAULT_RANGE_DAYS} days. ${DATE_HINT}`);
const toSchema = day(`The end date is not a valid date; showing the last ${DEFAULT_RANGE_DAYS} days. ${DATE_HINT}`);
const sortSchema = z.enum(DELIVERY_SORTS);
const dirSchema = z.enum(['asc', 'desc']);
/** The cursor's keys (lib/lists/cursor.ts, the one codec): the sort and direction it belongs to, the sort value, the event id. */
const cursorKeys = z.tuple([sortSchema, dirSchema, z.union([z.string().max(1000), z.number().int()]), z.number().int().positive().max(Number.MAX_SAFE_INTEGER)]);

export function encodeDeliveryCursor(sort: DeliverySort, dir: SortDir, cursor: DeliveryCursor, position = 1): string {
  return encodeCursor({ keys: [sort, dir, cursor.v, cursor.id], position });
}

/** The cursor's keys when it belongs to this sort and direction, with the position of its row (1-based); null otherwise. */
export function decodeDeliveryCursor(value: string, sort: DeliverySort, dir: SortDir): (DeliveryCursor & { position: number }) | null {
  if (value.length > 2000 || !/^[A-Za-z0-9_-]+$/.test(value)) return null;
  const decoded = decodeCursor(value, cursorKeys, 2000);
  if (!decoded) return null;
  const [s, d, v, id] = decoded.keys;
  if (s !== sort || d !== dir) return null;
  if (sort === 'time' && (typeof v !== 'string' || !z.iso.datetime().safeParse(v).success)) return null;
  if (sort === 'code' && typeof v !== 'number') return null;
  if (sort !== 'time' && sort !== 'code' && typeof v !== 'string') return null;
  return { v, id, position: decoded.position };
}

function firstValue(params: SearchParamsInput, key: string): string | undefined {
  const raw = params instanceof URLSearchParams ? (params.get(key) ?? undefined) : params[key];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined || value.trim() === '' ? undefined : value;
}

function shiftDay(dayText: string, days: number): string {
  const date = new Date(`${dayText}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The last 30 days up to and including `now`'s UTC day. */
export function defaultRange(now: Date): { from: string; to: string } {
  const to = now.toISOString().slice(0, 10);
  return { from: shiftDay(to, -(DEFAULT_RANGE_DAYS - 1)), to };
}

export function parseDeliverySearchParams(
  params: SearchParamsInput,
  now = new Date(),
): { params: DeliverySearchParams; errors: DeliveryParamProblem[] } {
  const errors: DeliveryParamProblem[] = [];
  const defaults = defaultRange(now);

  const readDay = (field: 'from' | 'to', schema: typeof fromSchema): string | undefined => {
    const raw = firstValue(params, field);
    if (raw === undefined) return undefined;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    errors.push({ field, message: parsed.error.issues[0]?.message ?? 'Not a valid date.' });
    return undefined;
  };
  let from = readDay('from', fromSchema);
  let to = readDay('to', toSchema);
  if (from && to && from > to) {
    errors.push({ field: 'from', message: `The start date (${from}) is after the end date (${to}); showing the last ${DEFAULT_RANGE_DAYS} days instead.` });
    from = undefined;
    to = undefined;
  }
  // One end given: a 30-day window from or up to it.
  if (from && !to) to = shiftDay(from, DEFAULT_RANGE_DAYS - 1) < defaults.to ? shiftDay(from, DEFAULT_RANGE_DAYS - 1) : defaults.to < from ? from : defaults.to;
  if (to && !from) from = shiftDay(to, -(DEFAULT_RANGE_DAYS - 1));

  const sortRaw = firstValue(params, 'sort');
  const sortParsed = sortRaw === undefined ? null : sortSchema.safeParse(sortRaw.trim());
  if (sortParsed && !sortParsed.success) errors.push({ field: 'sort', message: 'Unknown sort column; sorting by time.' });
  const sort: DeliverySort = sortParsed?.success ? sortParsed.data : 'time';
  const dirRaw = firstValue(params, 'dir');
  const dirParsed = dirRaw === undefined ? null : dirSchema.safeParse(dirRaw.trim());
  if (dirParsed && !dirParsed.success) errors.push({ field: 'dir', message: 'Unknown sort direction; sorting in ascending order.' });
  const dir: SortDir = dirParsed?.success ? dirParsed.data : 'asc';

  const afterRaw = firstValue(params, 'after');
  let after: string | undefined;
  if (afterRaw !== undefined) {
    if (decodeDeliveryCursor(afterRaw, sort, dir)) after = afterRaw;
    else errors.push({ field: 'after', message: 'That page link is not valid; showing the first page.' });
  }

  const routeRaw = firstValue(params, 'route');
  const route = routeRaw === undefined ? undefined : (routeNamed(routeRaw) ?? undefined);
  if (routeRaw !== undefined && !route) errors.push({ field: 'route', message: 'Unknown route; showing every route.' });

  const openRaw = firstValue(params, 'open');
  const openNumber = openRaw !== undefined && /^\d{1,15}$/.test(openRaw) ? Number(openRaw) : undefined;

  const q = (params instanceof URLSearchParams ? params.get('q') : firstRaw(params.q)) ?? '';
  const parsedQuery = parseQuery(q);
  const result: DeliverySearchParams = {
    from: from ?? defaults.from,
    to: to ?? defaults.to,
    q,
    query: parsedQuery.ok ? parsedQuery.query : null,
    queryError: parsedQuery.ok ? null : parsedQuery.error,
    sort,
    dir,
  };
  if (route) result.route = route;
  if (after) result.after = after;
  if (openNumber !== undefined && openNumber > 0) result.open = openNumber;
  return { params: result, errors };
}

function firstRaw(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The search as URL parameters in a stable order; cursor and open row only when asked. */
export function deliverySearchToParams(
  p: Pick<DeliverySearchParams, 'from' | 'to' | 'q' | 'sort' | 'dir'> & { route?: DeliveryRoute; after?: string; open?: number },
  options: { withCursor?: boolean; withOpen?: boolean } = {},
): URLSearchParams {
  const params = new URLSearchParams();
  params.set('from', p.from);
  params.set('to', p.to);
  if (p.q.trim() !== '') params.set('q', p.q);
  if (p.route) params.set('route', p.route);
  if (p.sort !== 'time') params.set('sort', p.sort);
  if (p.dir !== 'asc') params.set('dir', p.dir);
  if (options.withCursor && p.after) params.set('after', p.after);
  if (options.withOpen && p.open !== undefined) params.set('open', String(p.open));
  return params;
}

export function withQuery(path: string, params: URLSearchParams): string {
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}
