import { describe, expect, it } from 'vitest';
import {
  auditFiltersToSearchParams,
  decodeAuditCursor,
  describeAuditFilters,
  encodeAuditCursor,
  hasAuditFilters,
  parseAuditFilters,
  withQuery,
  type AuditFilters,
} from './filters';

const cursor = encodeAuditCursor({ t: '2026-11-22T10:15:30.123456Z', id: 42 });
const b64 = (value: string) => Buffer.from(value).toString('base64url');

describe('parseAuditFilters', () => {
  const accepted: [string, Record<string, string | string[] | undefined>, AuditFilters][] = [
    ['nothing', {}, {}],
    ['empty form fields', { category: '', actor: '', from: '', to: '' }, {}],
    ['a category', { category: 'sign-in' }, { category: 'sign-in' }],
    ['an actor, trimmed', { actor: '  manager@acme.example ' }, { actor: 'manager@acme.example' }],
    ['a system actor', { actor: 'operator' }, { actor: 'operator' }],
    ['a date range', { from: '2026-11-01', to: '2026-11-22' }, { from: '2026-11-01', to: '2026-11-22' }],
    ['one day', { from: '2026-11-22', to: '2026-11-22' }, { from: '2026-11-22', to: '2026-11-22' }],
    ['a leap day', { from: '2028-02-29' }, { from: '2028-02-29' }],
    ['the last representable day', { to: '9999-12-31' }, { to: '9999-12-31' }],
    ['the first value of a repeated parameter', { category: ['password', 'sign-in'] }, { category: 'password' }],
    ['a cursor', { cursor }, { cursor }],
    ['unknown parameters, ignored', { page: '3', orgId: 'x' }, {}],
    [
      'everything',
      { category: 'exports', actor: 'owner@acme.example', from: '2026-01-01', to: '2026-12-31', cursor },
      { category: 'exports', actor: 'owner@acme.example', from: '2026-01-01', to: '2026-12-31', cursor },
    ],
  ];
  it.each(accepted)('accepts %s', (_name, params, expected) => {
    expect(parseAuditFilters(params)).toEqual({ filters: expected, errors: [] });
  });

  const refused: [string, Record<string, string>, AuditFilters, string, RegExp][] = [
    ['an unknown category', { category: 'payments', actor: 'a@b.example' }, { actor: 'a@b.example' }, 'category', /Unknown event type/],
    ['an actor with control characters', { actor: 'a\u0000b' }, {}, 'actor', /not one the events name/],
    ['an actor that is too long', { actor: `${'a'.repeat(250)}@b.example` }, {}, 'actor', /too long/],
    ['an impossible day', { from: '2026-02-30', to: '2026-03-05' }, { to: '2026-03-05' }, 'from', /start date is not a valid date/],
    ['month 13', { to: '2026-13-01' }, {}, 'to', /end date is not a valid date/],
    ['a non-ISO date', { from: '22/11/2026' }, {}, 'from', /not a valid date/],
    ['a date with a time', { from: '2026-11-22T00:00' }, {}, 'from', /not a valid date/],
    ['year zero', { from: '0000-01-01' }, {}, 'from', /not a valid date/],
    ['a reversed range', { from: '2026-11-22', to: '2026-11-01', category: 'sign-in' }, { category: 'sign-in' }, 'from', /^The start date is after the end date\.$/],
    ['a garbage cursor', { cursor: 'not!base64' }, {}, 'cursor', /page link is not valid/],
    ['a cursor that is not JSON', { cursor: b64('hello') }, {}, 'cursor', /page link is not valid/],
    ['a cursor with extra fields', { cursor: b64(JSON.stringify({ t: '2026-11-22T10:00:00Z', id: 1, orgId: 'x' })) }, {}, 'cursor', /page link/],
    ['a cursor with a bad time', { cursor: b64(JSON.stringify({ t: '2026-02-30T10:00:00Z', id: 1 })) }, {}, 'cursor', /page link/],
    ['a cursor with an offset time', { cursor: b64(JSON.stringify({ t: '2026-11-22T10:00:00+01:00', id: 1 })) }, {}, 'cursor', /page link/],
    ['a cursor with a negative id', { cursor: b64(JSON.stringify({ t: '2026-11-22T10:00:00Z', id: -1 })) }, {}, 'cursor', /page link/],
    ['a cursor with a string id', { cursor: b64(JSON.stringify({ t: '2026-11-22T10:00:00Z', id: '1' })) }, {}, 'cursor', /page link/],
    ['an oversized cursor', { cursor: 'a'.repeat(500) }, {}, 'cursor', /page link/],
  ];
  it.each(refused)('ignores %s and says why', (_name, params, expected, field, message) => {
    const { filters, errors } = parseAuditFilters(params);
    expect(filters).toEqual(expected);
    expect(errors).toHaveLength(1);
    expect(errors[0].field).toBe(field);
    expect(errors[0].message).toMatch(message);
  });

  it('reads URLSearchParams the same way', () => {
    const params = new URLSearchParams('category=sign-in&actor=&from=2026-11-01&to=nope');
    expect(parseAuditFilters(params)).toEqual({
      filters: { category: 'sign-in', from: '2026-11-01' },
      errors: [{ field: 'to', message: 'The end date is not a valid date. Use a date like 2026-11-22.' }],
    });
  });

  it('reports every bad value, not only the first', () => {
    const { errors } = parseAuditFilters({ category: 'x', actor: 'y'.repeat(300), from: 'z', to: 'w', cursor: '!' });
    expect(errors.map((e) => e.field)).toEqual(['category', 'actor', 'from', 'to', 'cursor']);
  });
});

describe('audit cursors', () => {
  it('round-trip with microseconds', () => {
    expect(decodeAuditCursor(cursor)).toEqual({ t: '2026-11-22T10:15:30.123456Z', id: 42 });
  });
  it('are URL-safe', () => {
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });
  it('refuse anything else', () => {
    for (const value of ['', '!!', b64('[]'), b64('null'), b64('{"t":"x","id":1}')]) expect(decodeAuditCursor(value)).toBeNull();
  });
});

describe('auditFiltersToSearchParams', () => {
  const filters: AuditFilters = { category: 'sign-in', actor: 'a+b@acme.example', from: '2026-11-01', to: '2026-11-22', cursor };
  it('writes the filters in a stable order and leaves the cursor out unless asked', () => {
    expect(auditFiltersToSearchParams(filters).toString()).toBe('category=sign-in&actor=a%2Bb%40acme.example&from=2026-11-01&to=2026-11-22');
    expect(auditFiltersToSearchParams(filters, { withCursor: true }).get('cursor')).toBe(cursor);
  });
  it('round-trips through parseAuditFilters', () => {
    expect(parseAuditFilters(auditFiltersToSearchParams(filters, { withCursor: true })).filters).toEqual(filters);
  });
  it('builds links with or without a query', () => {
    expect(withQuery('/events', new URLSearchParams())).toBe('/events');
    expect(withQuery('/events/export', auditFiltersToSearchParams({ category: 'password' }))).toBe('/events/export?category=password');
  });
});

describe('describeAuditFilters', () => {
  const cases: [AuditFilters, string][] = [
    [{}, ''],
    [{ cursor }, ''],
    [{ category: 'sign-in', from: '2026-11-01', to: '2026-11-22' }, 'category: Sign-ins, 1 Nov 2026 – 22 Nov 2026'],
    [{ actor: 'owner@acme.example', from: '2026-11-01' }, 'actor: owner@acme.example, from 1 Nov 2026'],
    [{ to: '2026-11-22' }, 'until 22 Nov 2026'],
  ];
  it.each(cases)('%j → %s', (filters, expected) => {
    expect(describeAuditFilters(filters)).toBe(expected);
    expect(hasAuditFilters(filters)).toBe(expected !== '');
  });
});
