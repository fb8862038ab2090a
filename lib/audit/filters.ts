import { z } from 'zod';
import { decodeCursor, encodeCursor } from '@/lib/lists/cursor';
import { formatDay } from '@/lib/format';
import { auditCategories, type AuditCategory } from './catalog';

/**
 * The filters of /events and /events/export, read from the URL. Parsing never throws: a bad
 * value is dropped and explained, so a hand-edited or stale link still shows a page.
 */
export type AuditFilters = {
  /** Free text, found anywhere in an event's summary or target (case-insensitive, taken literally). */
  q?: string;
  /** A preset: the events of the last 24 hours, 7 or 30 days, counted back from now. */
  period?: AuditPeriod;
  category?: AuditCategory;
  /** The actor as the events name it (an email address, or e.g. "operator"), matched exactly. */
  actor?: string;
  /** Whole UTC days, inclusive. */
  from?: string;
  to?: string;
  /** Opaque keyset position (see encodeAuditCursor): the page starts after (older) or before (newer) this event. */
  cursor?: string;
};

export type AuditFilterField = keyof AuditFilters;

/** The presets of /events, in display order; `hours` back from now. */
export const auditPeriods = [
  { id: '24h', label: 'Last 24 hours', hours: 24 },
  { id: '7d', label: 'Last 7 days', hours: 7 * 24 },
  { id: '30d', label: 'Last 30 days', hours: 30 * 24 },
] as const;
export type AuditPeriod = (typeof auditPeriods)[number]['id'];
const periodIds = auditPeriods.map((p) => p.id) as [AuditPeriod, ...AuditPeriod[]];

export function periodHours(period: AuditPeriod): number {
  return auditPeriods.find((p) => p.id === period)?.hours ?? 24;
}

/** Longest search text: a summary is a sentence, and a longer query is not a search. */
export const MAX_SEARCH_LENGTH = 200;
export type AuditFilterProblem = { field: AuditFilterField; message: string };
/** An event's position; `newer` asks for the page of events newer than it. */
export type AuditCursor = { t: string; id: number; newer?: true };

/** `URLSearchParams`, or the record a Next.js page receives as `searchParams`. */
export type SearchParamsInput = URLSearchParams | Record<string, string | string[] | undefined>;

const categoryIds = auditCategories.map((c) => c.id) as [AuditCategory, ...AuditCategory[]];

function isCalendarDay(value: string): boolean {
  const date = new Date(`${value}T00:00:00Z`);
  // Date rolls 2026-02-30 over to 2 March, so the round trip is what catches impossible days.
  return Number(value.slice(0, 4)) >= 1 && !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

const day = (message: string) =>
  z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, message).refine(isCalendarDay, message);

/** The cursor's keys (lib/lists/cursor.ts, the one codec): the time to the microsecond, the event id, and 1 for "newer than". */
const cursorKeys = z.tuple([
  // Microseconds kept: PostgreSQL stores them, and a millisecond cursor would skip or repeat rows.
  z.iso.datetime().refine((t) => Number(t.slice(0, 4)) >= 1),
  z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  z.union([z.literal(0), z.literal(1)]),
]);

export function encodeAuditCursor(cursor: AuditCursor): string {
  return encodeCursor({ keys: [cursor.t, cursor.id, cursor.newer ? 1 : 0], position: 1 });
}

/** The cursor's position, or null for anything that is not one of ours. */
export function decodeAuditCursor(value: string): AuditCursor | null {
  if (value.length > 200 || !/^[A-Za-z0-9_-]+$/.test(value)) return null;
  const decoded = decodeCursor(value, cursorKeys);
  if (!decoded) return null;
  const [t, id, n] = decoded.keys;
  return n ? { t, id, newer: true } : { t, id };
}

const DATE_HINT = 'Use a date like 2026-11-22.';

/** One schema per parameter, so one bad value does not cost the others. */
export const auditFilterSchemas = {
  q: z
    .string()
    .trim()
    .max(MAX_SEARCH_LENGTH, `Search for at most ${MAX_SEARCH_LENGTH} characters; showing all events.`)
    .regex(/^[^\p{Cc}]*$/u, 'The search contains control characters; showing all events.'),
  period: z.enum(periodIds, 'Unknown period; showing any time.'),
  category: z.enum(categoryIds, 'Unknown event type; showing all types.'),
  // Actors are who the events name: an email address, or a system actor such as "operator"
  // (the CLI). Matched exactly, as a bound parameter.
  actor: z
    .string()
    .trim()
    .max(254, 'The actor is too long; showing all actors.')
    .regex(/^[^\p{Cc}]+$/u, 'The actor is not one the events name; showing all actors.'),
  from: day(`The start date is not a valid date. ${DATE_HINT}`),
  to: day(`The end date is not a valid date. ${DATE_HINT}`),
  cursor: z.string().refine((value) => decodeAuditCursor(value) !== null, 'That page link is not valid; showing the newest events.'),
} satisfies { [K in AuditFilterField]-?: z.ZodType<AuditFilters[K]> };

/** The whole set, for callers that want all-or-nothing (unknown parameters are ignored). */
export const auditFiltersSchema = z.object({
  q: auditFilterSchemas.q.optional(),
  period: auditFilterSchemas.period.optional(),
  category: auditFilterSchemas.category.optional(),
  actor: auditFilterSchemas.actor.optional(),
  from: auditFilterSchemas.from.optional(),
  to: auditFilterSchemas.to.optional(),
  cursor: auditFilterSchemas.cursor.optional(),
});

function firstValue(params: SearchParamsInput, key: string): string | undefined {
  const raw = params instanceof URLSearchParams ? (params.get(key) ?? undefined) : params[key];
  const value = Array.isArray(raw) ? raw[0] : raw;
  // An empty field from the GET form ("All types") means no filter, not a bad one.
  return value === undefined || value.trim() === '' ? undefined : value;
}

export function parseAuditFilters(params: SearchParamsInput): { filters: AuditFilters; errors: AuditFilterProblem[] } {
  const filters: AuditFilters = {};
  const errors: AuditFilterProblem[] = [];
  const take = <K extends AuditFilterField>(field: K) => {
    const raw = firstValue(params, field);
    if (raw === undefined) return;
    const parsed = (auditFilterSchemas[field] as unknown as z.ZodType<AuditFilters[K]>).safeParse(raw);
    if (parsed.success) filters[field] = parsed.data;
    else errors.push({ field, message: parsed.error.issues[0]?.message ?? 'Not a valid value.' });
  };
  take('q');
  take('period');
  take('category');
  take('actor');
  take('from');
  take('to');
  take('cursor');
  if (filters.from && filters.to && filters.from > filters.to) {
    errors.push({ field: 'from', message: 'The start date is after the end date.' });
    delete filters.from;
    delete filters.to;
  }
  return { filters, errors };
}

/** The filters as URL parameters, in a stable order; the cursor only when asked for. */
export function auditFiltersToSearchParams(filters: AuditFilters, options: { withCursor?: boolean } = {}): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q) params.set('q', filters.q);
  if (filters.period) params.set('period', filters.period);
  if (filters.category) params.set('category', filters.category);
  if (filters.actor) params.set('actor', filters.actor);
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (options.withCursor && filters.cursor) params.set('cursor', filters.cursor);
  return params;
}

export function withQuery(path: string, params: URLSearchParams): string {
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

export function hasAuditFilters(filters: AuditFilters): boolean {
  return Boolean(filters.q || filters.period || filters.category || filters.actor || filters.from || filters.to);
}

/** "category: Sign-ins, actor: a@b.example, 1 Nov 2026 – 22 Nov 2026"; empty with no filters. */
export function describeAuditFilters(filters: AuditFilters): string {
  const parts: string[] = [];
  if (filters.q) parts.push(`search: "${filters.q}"`);
  if (filters.period) parts.push((auditPeriods.find((p) => p.id === filters.period)?.label ?? filters.period).toLowerCase());
  if (filters.category) parts.push(`category: ${auditCategories.find((c) => c.id === filters.category)?.label ?? filters.category}`);
  if (filters.actor) parts.push(`actor: ${filters.actor}`);
  if (filters.from && filters.to) parts.push(`${formatDay(filters.from)} – ${formatDay(filters.to)}`);
  else if (filters.from) parts.push(`from ${formatDay(filters.from)}`);
  else if (filters.to) parts.push(`until ${formatDay(filters.to)}`);
  return parts.join(', ');
}
