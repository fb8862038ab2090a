import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeCursor, encodeCursor, idKey, MAX_CURSOR_LENGTH, textKey, timeKey } from './cursor';
import { defineList, enumFilter, flagFilter } from './list-state';
import { cutPage } from './page';
import { formatTotal, rangeLabel } from './count';

const ID = '0b6c1a52-8f1e-4d7e-9a55-2f0d8e3c4b11';
const list = defineList({
  path: '/things',
  pageSize: 2,
  sorts: { created: 'desc', name: 'asc' },
  defaultSort: 'created',
  cursor: z.tuple([z.union([textKey, timeKey]), idKey]),
  filters: { status: enumFilter(['open', 'closed']), expired: flagFilter() },
});

describe('the cursor codec', () => {
  it.each([
    ['text key', { keys: ['a@example.com', ID] as const, position: 1 }],
    ['time key', { keys: ['2026-11-22T12:00:00.000Z', ID] as const, position: 9_720 }],
  ])('round-trips a %s', (_, cursor) => {
    expect(decodeCursor(encodeCursor(cursor), z.tuple([z.union([textKey, timeKey]), idKey]))).toEqual(cursor);
  });

  it.each([
    ['empty', ''],
    ['not base64 JSON', '!!!'],
    ['JSON of the wrong shape', Buffer.from('{"value":"a","id":"b"}').toString('base64url')],
    ['an id that is not a uuid', encodeCursor({ keys: ['a', 'not-a-uuid'], position: 1 })],
    ['a position below 1', encodeCursor({ keys: ['a', ID], position: 0 })],
    ['a fractional position', encodeCursor({ keys: ['a', ID], position: 1.5 })],
    ['too long', 'A'.repeat(MAX_CURSOR_LENGTH + 1)],
    ['not a string', 42],
  ])('refuses %s', (_, raw) => {
    expect(decodeCursor(raw, z.tuple([textKey, idKey]))).toBeUndefined();
  });
});

describe('a list URL state (parse and serialise)', () => {
  it('parses defaults, and falls back to them for bad values', () => {
    expect(list.parse({})).toEqual({ q: '', sort: 'created', dir: 'desc', filters: { status: undefined, expired: false } });
    expect(list.parse({ sort: 'nope', dir: 'up', status: 'gone', expired: 'maybe', after: 'garbage' })).toEqual({
      q: '',
      sort: 'created',
      dir: 'desc',
      filters: { status: undefined, expired: false },
    });
    expect(list.parse({ sort: 'name', q: '  ada  ', status: ['closed', 'open'], expired: '1' })).toMatchObject({
      q: 'ada',
      sort: 'name',
      dir: 'asc',
      filters: { status: 'closed', expired: true },
    });
  });

  it('serialises only what differs from the defaults, and parses its own output back', () => {
    const state = list.parse({});
    expect(list.href(state)).toBe('/things');
    const sorted = list.parse({ sort: 'name', dir: 'desc', status: 'open', expired: '1', q: 'x y' });
    const href = list.href(sorted);
    expect(href).toBe('/things?q=x+y&status=open&expired=1&sort=name&dir=desc');
    expect(list.parse(Object.fromEntries(new URL(href, 'http://x').searchParams))).toEqual(sorted);
  });

  it('keeps the cursor when paging and drops it when the search, sort or a filter changes', () => {
    const cursor = { keys: ['2026-11-22T12:00:00.000Z', ID] as const, position: 2 };
    const paged = list.parse({ after: encodeCursor(cursor) });
    expect(paged.page).toEqual({ direction: 'after', cursor });
    expect(list.href(paged)).toContain('after=');
    expect(list.href(paged, { q: 'new' })).toBe('/things?q=new');
    expect(list.href(paged, { filters: { status: 'open', expired: false } })).toBe('/things?status=open');
    expect(list.sortLinks(paged).name).toEqual({ href: '/things?sort=name&dir=asc', active: undefined });
    expect(list.sortLinks(paged).created).toEqual({ href: '/things?sort=created&dir=asc', active: 'desc' });
    const before = list.parse({ before: encodeCursor(cursor) });
    expect(before.page?.direction).toBe('before');
  });

  it('links the pager in both directions, the page before the second being the first', () => {
    const state = list.parse({});
    const key = (n: number) => ({ keys: [`k${n}`, ID] as const, position: n });
    expect(list.pagerLinks(state, { start: 1, next: key(2), previous: null })).toEqual({ first: null, previous: null, next: expect.stringContaining('after=') });
    expect(list.pagerLinks(state, { start: 3, next: null, previous: key(3) })).toEqual({ first: '/things', previous: '/things', next: null });
    expect(list.pagerLinks(state, { start: 5, next: key(6), previous: key(5) }).previous).toContain('before=');
  });
});

describe('cutting a keyset page', () => {
  const keyOf = (n: number) => [String(n), ID] as const;
  it('reads forwards from the start and after a cursor', () => {
    expect(cutPage([1, 2, 3], 2, undefined, keyOf)).toMatchObject({ rows: [1, 2], start: 1, previous: null, next: { position: 2 } });
    const after = { direction: 'after' as const, cursor: { keys: keyOf(2), position: 2 } };
    expect(cutPage([3, 4], 2, after, keyOf)).toMatchObject({ rows: [3, 4], start: 3, next: null, previous: { position: 3 } });
  });
  it('reads backwards before a cursor and turns the rows around; a short page is the first page', () => {
    const before = { direction: 'before' as const, cursor: { keys: keyOf(5), position: 5 } };
    expect(cutPage([4, 3, 2], 2, before, keyOf)).toMatchObject({ rows: [3, 4], start: 3, next: { position: 4 }, previous: { position: 3 } });
    expect(cutPage([4, 3], 2, before, keyOf)).toBeNull();
  });
});

describe('totals', () => {
  it.each([
    [{ n: 0, exact: true }, '0'],
    [{ n: 9_720, exact: true }, '9,720'],
    [{ n: 123_456, exact: false }, 'about 120,000'],
    [{ n: 1_234_567, exact: false }, 'about 1.2 million'],
    [{ n: 12_345_678, exact: false }, 'about 12 million'],
  ])('%o reads %s', (total, text) => {
    expect(formatTotal(total)).toBe(text);
  });
  it('labels a range', () => {
    expect(rangeLabel(1, 50, { n: 9_720, exact: true })).toBe('1–50 of 9,720');
    expect(rangeLabel(51, 50, { n: 1_200_000, exact: false })).toBe('51–100 of about 1.2 million');
  });
});
