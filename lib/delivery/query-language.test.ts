import { and, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileQuery,
  describeQuery,
  formatQuery,
  MAX_QUERY_DEPTH,
  MAX_QUERY_LENGTH,
  MAX_QUERY_TERMS,
  parseQuery,
  type QueryNode,
} from './query-language';
import { escapeLike } from '@/lib/like';

const dialect = new PgDialect();
const toQuery = (condition: SQL) => dialect.sqlToQuery(condition);

/** Parses a query the test expects to be valid and non-empty. */
function parsed(text: string): QueryNode {
  const result = parseQuery(text);
  if (!result.ok) throw new Error(`${text}: ${result.error.message} at ${result.error.position}`);
  if (result.query === null) throw new Error(`${text}: empty`);
  return result.query;
}

const text = (value: string, quoted = false): QueryNode => ({ kind: 'text', value, quoted });

describe('parseQuery: accepted queries', () => {
  // Query → normalised form (formatQuery): explicit AND, upper-case operators, parentheses around
  // every nested AND / OR, canonical field values.
  const accepted: [string, string][] = [
    // The example shown on /delivery-events
    ['person@example.com AND delivery', 'person@example.com AND delivery'],
    ['bounce', 'bounce'],
    ['  padded\t\n', 'padded'],
    // implicit AND
    ['a b', 'a AND b'],
    ['a b c', 'a AND b AND c'],
    // precedence NOT > AND > OR
    ['a OR b c', 'a OR (b AND c)'],
    ['a b OR c', '(a AND b) OR c'],
    ['a OR b AND c OR d', 'a OR (b AND c) OR d'],
    ['NOT a b', 'NOT a AND b'],
    ['a NOT b', 'a AND NOT b'],
    ['NOT a OR b', 'NOT a OR b'],
    ['NOT (a OR b)', 'NOT (a OR b)'],
    ['NOT NOT a', 'NOT NOT a'],
    ['(a OR b) (c OR d)', '(a OR b) AND (c OR d)'],
    ['(a AND b) AND c', '(a AND b) AND c'],
    ['((a))', 'a'],
    ['a(b)', 'a AND b'],
    // operators in any case
    ['a and b', 'a AND b'],
    ['a And b oR c', '(a AND b) OR c'],
    ['not a', 'NOT a'],
    ['nOt a', 'NOT a'],
    // quoted phrases
    ['"hello world"', '"hello world"'],
    ['"say \\"hi\\" now"', '"say \\"hi\\" now"'],
    ['"or"', '"or"'],
    ['"a" "b"', '"a" AND "b"'],
    ['x"y"', 'x AND "y"'],
    ['"(not) an operator"', '"(not) an operator"'],
    // text that is not a field: no letters before the colon
    ['12:30', '12:30'],
    ['[::1]', '[::1]'],
    ['café 😀', 'café AND 😀'],
    // every field, case-insensitive names
    ['from:alice@example.com', 'from:alice@example.com'],
    ['FROM:alice', 'from:alice'],
    ['to:"Bob Smith"', 'to:"Bob Smith"'],
    ['To:bob', 'to:bob'],
    ['server:mx.example.com:25', 'server:mx.example.com:25'],
    ['id:<abc.123@mail.example>', 'id:<abc.123@mail.example>'],
    ['id:"Case Kept"', 'id:"Case Kept"'],
    ['status:bounced', 'status:bounced'],
    ['STATUS:Deferred', 'status:deferred'],
    ['status:"opened"', 'status:opened'],
    ['code:550', 'code:550'],
    ['code:5.1.1', 'code:5.1.1'],
    ['code:5.1', 'code:5.1'],
    ['code:5', 'code:5'],
    ['code:4.7.0', 'code:4.7.0'],
    ['code:2.0.0', 'code:2.0.0'],
    ['method:tls', 'method:tls'],
    ['method:TLS', 'method:tls'],
    ['method:plain', 'method:plain'],
    ['method:secure_portal', 'method:secure_portal'],
    ['method:secure-portal', 'method:secure_portal'],
    ['method:portal', 'method:secure_portal'],
    ['method:secure', 'method:secure_portal'],
    ['method:sms', 'method:sms_two_factor'],
    ['method:SMS_two_factor', 'method:sms_two_factor'],
    ['class:hard', 'class:hard'],
    ['Class:SOFT', 'class:soft'],
    ['reason:mailbox_full', 'reason:mailbox_full'],
    ['reason:Mailbox-Full', 'reason:mailbox_full'],
    ['reason:full', 'reason:mailbox_full'],
    ['reason:dmarc', 'reason:auth_failure'],
    ['reason:"user unknown"', 'reason:user_unknown'],
    ['route:tls_verified', 'route:tls_verified'],
    ['route:Secure-Portal-SMS', 'route:secure_portal_sms'],
    ['route:sms', 'route:secure_portal_sms'],
    ['route:unverified', 'route:tls_unverified'],
    ['route:"secure portal"', 'route:secure_portal'],
    // field values that must be quoted to re-parse
    ['from:"a b"', 'from:"a b"'],
    ['to:"and"', 'to:"and"'],
    ['from:"x:y"', 'from:"x:y"'],
    ['from:"q\\"uote"', 'from:"q\\"uote"'],
    // a mix
    [
      '(from:alice OR from:bob) status:bounced NOT class:soft code:5.1',
      '(from:alice OR from:bob) AND status:bounced AND NOT class:soft AND code:5.1',
    ],
  ];

  it.each(accepted)('%s → %s', (query, expected) => {
    expect(formatQuery(parsed(query))).toBe(expected);
  });

  it('returns null for a blank query', () => {
    expect(parseQuery('')).toEqual({ ok: true, query: null });
    expect(parseQuery('  \t\n ')).toEqual({ ok: true, query: null });
  });

  it('builds the expected trees', () => {
    expect(parsed('person@example.com AND delivery')).toEqual({
      kind: 'and',
      children: [text('person@example.com'), text('delivery')],
    });
    expect(parsed('a OR b c')).toEqual({
      kind: 'or',
      children: [text('a'), { kind: 'and', children: [text('b'), text('c')] }],
    });
    expect(parsed('NOT (a OR b)')).toEqual({
      kind: 'not',
      child: { kind: 'or', children: [text('a'), text('b')] },
    });
    expect(parsed('a AND b AND c')).toEqual({ kind: 'and', children: [text('a'), text('b'), text('c')] });
    expect(parsed('(a AND b) AND c')).toEqual({
      kind: 'and',
      children: [{ kind: 'and', children: [text('a'), text('b')] }, text('c')],
    });
  });

  it('reads escapes in quoted phrases', () => {
    expect(parsed('"say \\"hi\\""')).toEqual(text('say "hi"', true));
    expect(parsed('"back\\\\slash"')).toEqual(text('back\\slash', true));
    // Other backslashes are kept as written.
    expect(parsed('"C:\\path\\n"')).toEqual(text('C:\\path\\n', true));
    expect(parsed('100%_off\\')).toEqual(text('100%_off\\'));
  });

  it('builds field terms with canonical values', () => {
    expect(parsed('FROM:Alice')).toEqual({ kind: 'field', field: 'from', value: 'Alice' });
    expect(parsed('to:"Bob Smith"')).toEqual({ kind: 'field', field: 'to', value: 'Bob Smith' });
    expect(parsed('server:mx1')).toEqual({ kind: 'field', field: 'server', value: 'mx1' });
    expect(parsed('id:AbC')).toEqual({ kind: 'field', field: 'id', value: 'AbC' });
    expect(parsed('status:BOUNCED')).toEqual({ kind: 'field', field: 'status', value: 'bounced' });
    expect(parsed('method:sms')).toEqual({ kind: 'field', field: 'method', value: 'sms_two_factor' });
    expect(parsed('method:portal')).toEqual({ kind: 'field', field: 'method', value: 'secure_portal' });
    expect(parsed('class:Hard')).toEqual({ kind: 'field', field: 'class', value: 'hard' });
    expect(parsed('code:550')).toEqual({ kind: 'field', field: 'code', value: '550', codeKind: 'smtp' });
    expect(parsed('code:5.1')).toEqual({ kind: 'field', field: 'code', value: '5.1', codeKind: 'enhanced' });
  });

  it('accepts queries exactly at the limits', () => {
    expect(parseQuery('a'.repeat(MAX_QUERY_LENGTH)).ok).toBe(true);
    expect(parseQuery(Array.from({ length: MAX_QUERY_TERMS }, (_, i) => `t${i}`).join(' ')).ok).toBe(true);
    const deep = `${'('.repeat(MAX_QUERY_DEPTH)}a${')'.repeat(MAX_QUERY_DEPTH)}`;
    expect(parseQuery(deep).ok).toBe(true);
    // Depth is the nesting, not the number of groups side by side.
    expect(parseQuery('(a) (b) (c) (d) (e) (f) (g) (h) (i) (j)').ok).toBe(true);
  });
});

describe('parseQuery: refused queries', () => {
  const tooLong = 'x'.repeat(MAX_QUERY_LENGTH + 1);
  const manyTerms = 'a '.repeat(MAX_QUERY_TERMS + 1);
  const tooDeep = `${'('.repeat(MAX_QUERY_DEPTH + 1)}a${')'.repeat(MAX_QUERY_DEPTH + 1)}`;
  // [query, message (exact string or pattern), position]
  const refused: [string, string | RegExp, number][] = [
    // unknown fields
    [
      'frm:x',
      'Unknown field "frm". Use from:, to:, status:, code:, method:, id:, server:, class:, reason: or route: (or put the text in quotes to search for it)',
      0,
    ],
    ['a FRM:x', /^Unknown field "FRM"\. Use from:, to:/, 2],
    ['http://example.com', /^Unknown field "http".*quotes/, 0],
    // invalid values point at the value
    ['status:bounce', 'Unknown status "bounce". Use one of: delivered, bounced, deferred, dropped, rejected, opened, complained, unparsed', 7],
    ['a status:"sent"', /^Unknown status "sent"/, 9],
    ['method:fax', /^Unknown method "fax"\. Use one of: tls, secure_portal, sms_two_factor, plain/, 7],
    ['class:medium', 'Unknown bounce class "medium". Use hard or soft', 6],
    ['reason:bored', /^Unknown reason "bored"\. Use one of: user_unknown, host_unknown, mailbox_full/, 7],
    ['route:carrier-pigeon', /^Unknown route "carrier-pigeon"\. Use one of: tls_verified, tls_unverified, plain, secure_portal, secure_portal_sms/, 6],
    ['code:55', /^Invalid code "55"\. Use a 3-digit SMTP code \(550\) or an enhanced status code/, 5],
    ['code:5500', /^Invalid code "5500"/, 5],
    ['code:650', /^Invalid code "650"/, 5],
    ['code:5.1.', /^Invalid code "5\.1\."/, 5],
    ['code:5.1.1.1', /^Invalid code/, 5],
    ['code:6.1.1', /^Invalid code/, 5],
    ['code:5.01', /^Invalid code/, 5],
    ['code:5xx', /^Invalid code/, 5],
    // missing values
    ['from:', 'from: needs a value right after the colon (use quotes for a value with spaces)', 0],
    ['a to: b', /^to: needs a value/, 2],
    ['from:""', /^from: needs a value/, 0],
    ['from:(a)', /^from: needs a value/, 0],
    // parentheses
    ['(a', 'This opening parenthesis is never closed', 0],
    ['from:anne x (y OR z', 'This opening parenthesis is never closed', 12],
    ['((a) OR b', 'This opening parenthesis is never closed', 0],
    ['(', 'This opening parenthesis is never closed', 0],
    ['a)', 'Unexpected closing parenthesis: there is no opening one for it', 1],
    [')', /^Unexpected closing parenthesis/, 0],
    ['(a)) b', /^Unexpected closing parenthesis/, 3],
    ['()', 'Empty parentheses: put a search term between them', 0],
    ['a ( ) b', /^Empty parentheses/, 2],
    ['(())', /^Empty parentheses/, 1],
    // lone and trailing operators
    ['AND', 'AND needs a term on both sides', 0],
    ['and b', 'AND needs a term on both sides', 0],
    ['a AND', 'AND needs a term on both sides', 2],
    ['OR', 'OR needs a term on both sides', 0],
    ['OR a', 'OR needs a term on both sides', 0],
    ['a or', 'OR needs a term on both sides', 2],
    ['a AND OR b', 'AND needs a term on both sides', 2],
    ['a OR AND b', 'OR needs a term on both sides', 2],
    ['a AND AND b', 'AND needs a term on both sides', 2],
    ['(AND a)', 'AND needs a term on both sides', 1],
    ['(a AND) b', 'AND needs a term on both sides', 3],
    ['a OR (b OR)', 'OR needs a term on both sides', 8],
    ['NOT', 'NOT needs a term after it', 0],
    ['a not', 'NOT needs a term after it', 2],
    ['NOT AND a', 'NOT needs a term after it', 0],
    ['(NOT) a', 'NOT needs a term after it', 1],
    ['a NOT OR b', 'NOT needs a term after it', 2],
    // quotes
    ['"abc', 'This quote is never closed: the phrase has no closing "', 0],
    ['a "b\\"', /^This quote is never closed/, 2],
    ['"ends in backslash\\', /^This quote is never closed/, 0],
    ['from:"alice', /^This quote is never closed/, 5],
    ['""', 'Empty quotes: put the text to search for between them', 0],
    ['a "" b', /^Empty quotes/, 2],
    // characters the database cannot take
    ['a\u0000b', 'The query contains an invalid character (U+0000)', 1],
    ['"x\u0007"', /U\+0007\)$/, 2],
    ['ok\u007f', /U\+007F/, 2],
    ['a\uD800', /U\+D800\)$/, 1],
    ['\uDC00a', /U\+DC00\)$/, 0],
    // limits
    [tooLong, `The query is too long: ${MAX_QUERY_LENGTH + 1} characters, at most ${MAX_QUERY_LENGTH}`, MAX_QUERY_LENGTH],
    ['y'.repeat(10_000), /^The query is too long: 10000 characters/, MAX_QUERY_LENGTH],
    [manyTerms, `Too many terms: a query can have at most ${MAX_QUERY_TERMS}`, MAX_QUERY_TERMS * 2],
    [tooDeep, `Too deeply nested: at most ${MAX_QUERY_DEPTH} levels of parentheses`, MAX_QUERY_DEPTH],
  ];

  it.each(refused)('%j', (query, message, position) => {
    const result = parseQuery(query);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    if (typeof message === 'string') expect(result.error.message).toBe(message);
    else expect(result.error.message).toMatch(message);
    expect(result.error.position).toBe(position);
  });

  it('accepts a valid surrogate pair, refusing only lone halves', () => {
    expect(parseQuery('\uD83D\uDE00').ok).toBe(true);
    expect(parseQuery('\uDE00\uD83D').ok).toBe(false);
  });
});

describe('escapeLike', () => {
  it.each([
    ['plain', 'plain'],
    ['100%', '100\\%'],
    ['a_b', 'a\\_b'],
    ['back\\slash', 'back\\\\slash'],
    ['%_\\', '\\%\\_\\\\'],
    ['\\%', '\\\\\\%'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(escapeLike(input)).toBe(expected);
  });
});

const col = (name: string) => `"delivery_events"."${name}"`;
const WORDS_SQL = col('words');

describe('compileQuery', () => {
  it('matches the words of free text and phrases with the words index, as a parameter', () => {
    const { sql: text, params } = toQuery(compileQuery(parsed('alice "user unknown"')));
    const words = (a: number, b: number) =>
      `${WORDS_SQL} @@ (phraseto_tsquery('simple'::regconfig, $${a}) || phraseto_tsquery('simple'::regconfig, translate($${b}, '@.<>', '    ')))`;
    expect(text).toBe(`((${words(1, 2)}) and (${words(3, 4)}))`);
    expect(params).toEqual(['alice', 'alice', 'user unknown', 'user unknown']);
  });

  it('searches text with no letter or digit as it is, in every text column', () => {
    const { sql: text, params } = toQuery(compileQuery(parsed('"%_"')));
    expect(text).toBe(
      `(${['sender', 'recipient', 'message_id', 'diagnostic', 'remote_server']
        .map((name, i) => `${col(name)} ilike $${i + 1}`)
        .join(' or ')})`,
    );
    expect(params).toEqual(Array(5).fill('%\\%\\_%'));
  });

  it('compiles each field', () => {
    const cases: [string, string, unknown[]][] = [
      ['from:Alice', `(${col('sender')} ilike $1)`, ['%Alice%']],
      ['to:bob', `(${col('recipient')} ilike $1)`, ['%bob%']],
      ['server:mx_1', `(${col('remote_server')} ilike $1)`, ['%mx\\_1%']],
      ['id:AbC%', `(${col('message_id')} = $1)`, ['AbC%']],
      ['status:bounced', `(${col('event')} = $1)`, ['bounced']],
      ['method:sms', `(${col('method')} = $1)`, ['sms_two_factor']],
      ['class:hard', `coalesce(${col('bounce_class')} = $1, false)`, ['hard']],
      ['reason:spam', `coalesce(${col('reason')} = $1, false)`, ['spam_blocked']],
      ['route:verified', `coalesce(${col('route')} = $1, false)`, ['tls_verified']],
      ['code:550', `coalesce(${col('smtp_code')} = $1, false)`, [550]],
      ['code:5.1', `(${col('enhanced_code')} = $1 or ${col('enhanced_code')} like $2)`, ['5.1', '5.1.%']],
      ['code:5.1.1', `(${col('enhanced_code')} = $1 or ${col('enhanced_code')} like $2)`, ['5.1.1', '5.1.1.%']],
    ];
    for (const [query, expectedSql, expectedParams] of cases) {
      const { sql: text, params } = toQuery(compileQuery(parsed(query)));
      expect({ text, params }, query).toEqual({ text: expectedSql, params: expectedParams });
    }
  });

  it('maps AND / OR / NOT with parentheses that keep the precedence', () => {
    expect(toQuery(compileQuery(parsed('from:a OR from:b to:c'))).sql).toBe(
      `((${col('sender')} ilike $1) or ((${col('sender')} ilike $2) and (${col('recipient')} ilike $3)))`,
    );
    expect(toQuery(compileQuery(parsed('NOT (status:bounced OR class:hard)'))).sql).toBe(
      `(not ((${col('event')} = $1) or coalesce(${col('bounce_class')} = $2, false)))`,
    );
  });

  it('keeps user text out of the SQL string and escapes LIKE metacharacters in the parameter', () => {
    const hostile = `"'; DROP TABLE delivery_events; --" from:"100%_sure\\\\" to:$1 id:"x' OR '1'='1"`;
    const { sql: text, params } = toQuery(compileQuery(parsed(hostile)));
    // Only the fixed words expression (its own quotes) and placeholders: no user text.
    const userVisible = text.replace(SQL_TOKEN, (token) => (token.includes('phraseto_tsquery') ? token.replace(/'[^']*'/g, '') : token));
    for (const fragment of ["'", 'DROP', '--', '100', '%_', 'sure', '1=1', 'x']) {
      expect(userVisible).not.toContain(fragment);
    }
    expect(params).toContain("'; DROP TABLE delivery_events; --");
    expect(params).toContain('%100\\%\\_sure\\\\%');
    expect(params).toContain('%$1%');
    expect(params).toContain("x' OR '1'='1");
  });

  it('stays one parenthesised condition under drizzle and(), so a top-level OR cannot escape the tenant filter', () => {
    const tenant = sql`org_id = ${'org-1'}`;
    const { sql: text } = toQuery(and(tenant, compileQuery(parsed('from:a OR from:b'))) ?? sql``);
    expect(text).toBe(`(org_id = $1 and ((${col('sender')} ilike $2) or (${col('sender')} ilike $3)))`);
  });
});

describe('describeQuery', () => {
  it.each([
    ['person@example.com AND delivery', 'any field has "person@example.com" and any field has "delivery"'],
    ['from:a OR to:b c', 'sender contains "a" or (recipient contains "b" and any field has "c")'],
    ['NOT (status:bounced OR class:hard)', 'not (status is bounced or hard bounce)'],
    ['method:sms code:550 code:5.1 code:5.1.1', 'method is SMS two-factor and SMTP code 550 and enhanced code 5.1.* and enhanced code 5.1.1'],
    ['server:mx id:abc', 'remote server contains "mx" and message id is "abc"'],
    ['reason:full class:soft', 'reason is mailbox full and soft bounce'],
    ['route:sms', 'route is secure portal with SMS'],
  ])('%s', (query, expected) => {
    expect(describeQuery(parsed(query))).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Property-based: garbage in never throws, never yields an out-of-range position, and whatever
// parses compiles to SQL whose text is only column names, operators and placeholders.

/** Everything compileQuery may put into the SQL text; anything else would have come from input. */
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SQL_TOKEN = new RegExp(
  `${escapeRegExp(WORDS_SQL)} @@ \\(phraseto_tsquery\\('simple'::regconfig, \\$[1-9][0-9]*\\) \\|\\| phraseto_tsquery\\('simple'::regconfig, translate\\(\\$[1-9][0-9]*, '@\\.<>', ' {4}'\\)\\)\\)|${
    /"delivery_events"\."(?:sender|recipient|message_id|diagnostic|remote_server|event|method|bounce_class|smtp_code|enhanced_code)"|\$[1-9][0-9]*|\b(?:ilike|like|or|and|not|coalesce|false)\b|[=(),]|\s+/.source
  }`,
  'g',
);

/** True when the first character is "(" whose match is the last character (or a coalesce call). */
function isSelfContained(text: string): boolean {
  const body = text.startsWith('coalesce(') ? text.slice('coalesce'.length) : text;
  if (!body.startsWith('(') || !body.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '(') depth++;
    else if (body[i] === ')') depth--;
    if (depth === 0 && i < body.length - 1) return false;
  }
  return depth === 0;
}

function checkAnyInput(input: string): void {
  let result: ReturnType<typeof parseQuery> | undefined;
  expect(() => {
    result = parseQuery(input);
  }).not.toThrow();
  if (result === undefined) throw new Error('no result');
  if (!result.ok) {
    expect(result.error.message.length).toBeGreaterThan(0);
    expect(Number.isInteger(result.error.position)).toBe(true);
    expect(result.error.position).toBeGreaterThanOrEqual(0);
    expect(result.error.position).toBeLessThanOrEqual(input.length);
    return;
  }
  const query = result.query;
  if (query === null) {
    expect(input.trim()).toBe('');
    return;
  }
  const compiled = toQuery(compileQuery(query));
  expect(compiled.sql.replace(SQL_TOKEN, '')).toBe('');
  expect(isSelfContained(compiled.sql)).toBe(true);
  const placeholders = compiled.sql.match(/\$[0-9]+/g) ?? [];
  expect(placeholders.length).toBe(compiled.params.length);
  for (const param of compiled.params) expect(['string', 'number']).toContain(typeof param);
  expect(describeQuery(query).length).toBeGreaterThan(0);

  // The normalised form means the same query (unless canonical values made it too long).
  const again = parseQuery(formatQuery(query));
  if (again.ok) expect(again.query).toEqual(query);
  else expect(again.error.message).toMatch(/^The query is too long/);
}

const TOKENS = [
  'a', 'b', 'x@y.z', '"', '\\"', '\\', '(', ')', 'AND', 'and', 'or', 'OR', 'NOT', 'not', ':', 'from:', 'to:',
  'status:bounced', 'status:', 'method:sms', 'code:550', 'code:5.1', 'code:5.', 'class:hard', 'id:', 'frm:',
  '%', '_', ' ', ' ', '\t', '\u0000', '\uD800', '😀', "'", ';', '$1', '--',
];
const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((parts) => parts.join(''));
/** Mostly well-formed queries, so that the compile half of the property is exercised a lot. */
const WORDS = [
  'a', 'x@y.z', '100%_off', 'back\\slash', "o'brien", '"p q"', '"\\"x\\""', 'AND', 'or', 'NOT', '(', ')',
  'from:a', 'to:"b c"', 'server:mx_1', 'id:<m@x>', 'status:bounced', 'method:sms', 'code:550', 'code:5.1',
  'class:hard',
];
const wordSequences = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 24 }).map((parts) => parts.join(' '));
const spacedTokens = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((parts) => parts.join(' '));
/** Any UTF-16 code units, including NUL and lone surrogates. */
const codeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)) });

describe('parseQuery / compileQuery on arbitrary input', () => {
  it('fc.string', () => {
    fc.assert(fc.property(fc.string(), checkAnyInput), { numRuns: 500 });
  });

  it('full Unicode strings (fast-check 4: string with unit "binary")', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), checkAnyInput), { numRuns: 500 });
  });

  it('arbitrary UTF-16 code units (NUL, lone surrogates)', () => {
    fc.assert(fc.property(codeUnits, checkAnyInput), { numRuns: 500 });
  });

  it('token soup', () => {
    fc.assert(fc.property(tokenSoup, checkAnyInput), { numRuns: 3000 });
  });

  it('space-separated tokens', () => {
    fc.assert(fc.property(spacedTokens, checkAnyInput), { numRuns: 3000 });
  });

  it('mostly well-formed word sequences', () => {
    let compiled = 0;
    fc.assert(
      fc.property(wordSequences, (input) => {
        checkAnyInput(input);
        if (parseQuery(input).ok) compiled++;
      }),
      { numRuns: 3000 },
    );
    // Guard against a generator that only ever produces errors.
    expect(compiled).toBeGreaterThan(300);
  });

  it('long inputs', () => {
    fc.assert(fc.property(fc.string({ minLength: 400, maxLength: 10_000 }), checkAnyInput), { numRuns: 50 });
    checkAnyInput('('.repeat(10_000));
    checkAnyInput('NOT '.repeat(125));
    checkAnyInput(`${'NOT '.repeat(124)}a`);
    checkAnyInput('"'.repeat(499));
  });
});
