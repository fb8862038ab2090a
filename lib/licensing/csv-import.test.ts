import { describe, expect, it } from 'vitest';
import {
  MAX_ECHOED_CHARS,
  MAX_REPORTED_PROBLEMS,
  checkLicensedAddress,
  parseLicensedEmailCsv,
  type CsvImportProblemReason,
  type CsvImportRules,
} from './csv-import';

const licensed = new Set(['taken@acme.example']);
const rules: CsvImportRules = { domains: ['acme.example', 'Acme.Test'], alreadyLicensed: (email) => licensed.has(email) };

const parse = (text: string) => parseLicensedEmailCsv(text, rules);
/** The problems as [line, reason] pairs: what most cases care about. */
const brief = (text: string) => parse(text).problems.map((p) => [p.line, p.reason]);

describe('parseLicensedEmailCsv: accepted shapes of a good file', () => {
  const cases: [string, string, string[]][] = [
    ['the seed format (quoted, CRLF)', '"Email"\r\n"a@acme.example"\r\n"b@acme.example"\r\n', ['a@acme.example', 'b@acme.example']],
    ['a UTF-8 byte-order mark', '\uFEFF"Email"\r\n"a@acme.example"\r\n', ['a@acme.example']],
    ['LF line ends', 'Email\na@acme.example\nb@acme.example\n', ['a@acme.example', 'b@acme.example']],
    ['lone CR line ends (old Mac Excel)', 'Email\ra@acme.example\rb@acme.example\r', ['a@acme.example', 'b@acme.example']],
    ['mixed line ends', 'Email\r\na@acme.example\nb@acme.example\rc@acme.example', ['a@acme.example', 'b@acme.example', 'c@acme.example']],
    ['no trailing newline', '"Email"\r\n"a@acme.example"', ['a@acme.example']],
    ['spaces inside the quotes', '"Email"\n"  a@acme.example  "\n" b@acme.example"\n', ['a@acme.example', 'b@acme.example']],
    ['spaces and tabs outside the quotes', '  "Email"  \n \t"a@acme.example"\t \n', ['a@acme.example']],
    ['unquoted fields with spaces', ' Email \n  a@acme.example  \n', ['a@acme.example']],
    ['a mix of quoted and unquoted', 'Email\n"a@acme.example"\nb@acme.example\n', ['a@acme.example', 'b@acme.example']],
    ['a case-insensitive header', 'EMAIL\na@acme.example\n', ['a@acme.example']],
    ['a lower-case quoted header', '"email"\na@acme.example\n', ['a@acme.example']],
    ['blank lines anywhere', '\n\n"Email"\n\n"a@acme.example"\n   \n\t\n"b@acme.example"\n\n\n', ['a@acme.example', 'b@acme.example']],
    ['empty quoted cells as blank lines', '"Email"\n""\n"a@acme.example"\n" "\n', ['a@acme.example']],
    ['Excel trailing commas', '"Email",,\r\n"a@acme.example",,\r\nb@acme.example,\r\n,,\r\n"c@acme.example","",\r\n', ['a@acme.example', 'b@acme.example', 'c@acme.example']],
    ['upper-case addresses are lower-cased', 'Email\nAlice.Smith@ACME.Example\n', ['alice.smith@acme.example']],
    ['any of several domains, case-insensitively', 'Email\na@acme.test\nb@ACME.TEST\n', ['a@acme.test', 'b@acme.test']],
    ['every allowed local-part character', "Email\nx!#$%&'*+/=?^_`{|}~-.y@acme.example\n", ["x!#$%&'*+/=?^_`{|}~-.y@acme.example"]],
    ['a no-break space around the address', 'Email\n\u00a0a@acme.example\u00a0\n', ['a@acme.example']],
  ];
  it.each(cases)('%s', (_name, text, emails) => {
    const result = parse(text);
    expect(result.problems).toEqual([]);
    expect(result.emails).toEqual(emails);
    expect(result.totalLines).toBe(emails.length);
  });
});

describe('parseLicensedEmailCsv: refused files (one problem, no emails)', () => {
  const cases: [string, string, CsvImportProblemReason, RegExp][] = [
    ['an empty file', '', 'bad_header', /file is empty.*first line must be "Email"/],
    ['only blank lines', '\r\n\r\n  \n', 'bad_header', /file is empty/],
    ['only a BOM', '\uFEFF', 'bad_header', /file is empty/],
    ['a missing header', 'a@acme.example\nb@acme.example\n', 'bad_header', /^Line 1: the first line must be "Email".*found "a@acme\.example".*Add a line with just Email/],
    ['a wrong header', 'E-mail address\na@acme.example\n', 'bad_header', /^Line 1: the first line must be "Email".*found "E-mail address"/],
    ['a two-column header', 'Email,Name\na@acme.example,Ann\n', 'bad_header', /found "Email,Name"/],
    ['a header with an escaped quote', '"Em""ail"\na@acme.example\n', 'bad_header', /first line must be "Email"/],
    ['a header with an unclosed quote', '"Email\na@acme.example\n', 'bad_header', /first line must be "Email"/],
    ['a binary file with NULs', '\0\0\x01\x02PK\0\0\n\0\0\0\n\x03\0\x04\n', 'not_a_text_file', /does not look like a CSV text file/],
    ['invalid UTF-8 (replacement characters)', '\uFFFD\uFFFD\n\uFFFDPNG\uFFFD\n\uFFFD\uFFFD\uFFFD\n', 'not_a_text_file', /does not look like a CSV text file/],
    ['a UTF-16 export read as UTF-8', '\uFFFD\uFFFDE\0m\0a\0i\0l\0\r\0\n\0a\0@\0a\0c\0m\0e\0.\0e\0x\0a\0m\0p\0l\0e\0\r\0\n\0', 'not_a_text_file', /CSV UTF-8/],
  ];
  it.each(cases)('%s', (_name, text, reason, message) => {
    const result = parse(text);
    expect(result.emails).toEqual([]);
    expect(result.totalLines).toBe(0);
    expect(result.problemCount).toBe(1);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0].reason).toBe(reason);
    expect(result.problems[0].line).toBe(1);
    expect(result.problems[0].message).toMatch(message);
  });

  it('refuses 100,000 lines of binary garbage with a single problem', () => {
    const garbage = Array.from({ length: 100_000 }, (_, i) => `\0\uFFFD${String.fromCharCode(i % 500)}\x07`).join('\n');
    const result = parse(`Email\n${garbage}`);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0].reason).toBe('not_a_text_file');
  });

  it('accepts a header-only file with nothing to add and nothing wrong', () => {
    expect(parse('"Email"\r\n')).toEqual({ emails: [], problems: [], totalLines: 0, problemCount: 0 });
  });
});

describe('parseLicensedEmailCsv: bad lines', () => {
  const cases: [string, string, CsvImportProblemReason, string, RegExp][] = [
    ['plain garbage', 'hello world', 'not_an_address', 'hello world', /is not an email address \(it has no @\)/],
    ['no @', '"acme.example"', 'not_an_address', 'acme.example', /it has no @/],
    ['two @', '"a@b@acme.example"', 'not_an_address', 'a@b@acme.example', /more than one @/],
    ['nothing before @', '"@acme.example"', 'not_an_address', '@acme.example', /nothing before the @/],
    ['nothing after @', '"bob@"', 'not_an_address', 'bob@', /nothing after the @/],
    ['a leading dot', '".bob@acme.example"', 'not_an_address', '.bob@acme.example', /misplaced dot/],
    ['a trailing dot', '"bob.@acme.example"', 'not_an_address', 'bob.@acme.example', /misplaced dot/],
    ['a double dot', '"bo..b@acme.example"', 'not_an_address', 'bo..b@acme.example', /misplaced dot/],
    ['a space inside', '"bob smith@acme.example"', 'not_an_address', 'bob smith@acme.example', /contains a space/],
    ['a comma inside quotes', '"bob,smith@acme.example"', 'not_an_address', 'bob,smith@acme.example', /contains a comma/],
    ['an escaped quote', '"bo""b@acme.example"', 'not_an_address', 'bo"b@acme.example', /contains a double quote/],
    ['a bare quote in an unquoted field', 'bo"b@acme.example', 'not_an_address', 'bo"b@acme.example', /contains a double quote/],
    ['a non-ASCII letter', '"josé@acme.example"', 'not_an_address', 'josé@acme.example', /only plain ASCII/],
    ['a Kelvin sign that lower-cases to k', '"\u212Aate@acme.example"', 'not_an_address', '\u212Aate@acme.example', /not allowed/],
    ['a local part over 64 characters', `"${'a'.repeat(65)}@acme.example"`, 'not_an_address', `${'a'.repeat(65)}@acme.example`, /longer than 64/],
    ['an address over 254 characters', `"a@${'b'.repeat(250)}.example"`, 'not_an_address', '', /longer than 254/],
    ['a domain ending in a dot', '"bob@acme.example."', 'not_an_address', 'bob@acme.example.', /not a valid domain/],
    ['a domain label starting with a hyphen', '"bob@-acme.example"', 'not_an_address', 'bob@-acme.example', /not a valid domain/],
    ['an IP literal', '"bob@[10.0.0.1]"', 'not_an_address', 'bob@[10.0.0.1]', /not allowed/],
    ['a control character', '"bob\x07@acme.example"', 'not_an_address', 'bob\uFFFD@acme.example', /control character/],
    ['another domain', '"Bob@Other.com"', 'wrong_domain', 'bob@other.com', /is not in your organisation's domains \(acme\.example, acme\.test\)/],
    ['a subdomain', '"bob@mail.acme.example"', 'wrong_domain', 'bob@mail.acme.example', /not in your organisation's domains/],
    ['already licensed', '"Taken@acme.example"', 'already_licensed', 'taken@acme.example', /"taken@acme\.example" is already licensed/],
    ['a second column', '"bob@acme.example","Bob"', 'malformed_line', '"bob@acme.example","Bob"', /more than one column/],
    ['an unquoted address with a comma', 'bob@acme.example,extra', 'malformed_line', 'bob@acme.example,extra', /more than one column/],
    ['an unclosed quote', '"bob@acme.example', 'malformed_line', '"bob@acme.example', /opening double quote with no closing one/],
    ['text after the closing quote', '"bob"@acme.example', 'malformed_line', '"bob"@acme.example', /text after the closing double quote/],
  ];
  it.each(cases)('%s', (_name, line, reason, value, message) => {
    const result = parse(`"Email"\r\n"good@acme.example"\r\n${line}\r\n"after@acme.example"\r\n`);
    expect(result.emails).toEqual(['good@acme.example', 'after@acme.example']);
    expect(result.totalLines).toBe(3);
    expect(result.problemCount).toBe(1);
    expect(result.problems).toHaveLength(1);
    const [problem] = result.problems;
    expect(problem.reason).toBe(reason);
    expect(problem.line).toBe(3);
    expect(problem.message).toMatch(/^Line 3: /);
    expect(problem.message).toMatch(message);
    if (value) expect(problem.value).toBe(value.slice(0, MAX_ECHOED_CHARS));
  });

  it('uses the exact wording of the spec example for a wrong domain', () => {
    const result = parseLicensedEmailCsv('Email\n\n\n\n\n\nbob@other.com\n', { domains: ['acme.example'], alreadyLicensed: () => false });
    expect(result.problems[0].message).toBe('Line 7: "bob@other.com" is not in your organisation\'s domains (acme.example).');
  });

  it('keeps the first of duplicates and reports each later one with both line numbers', () => {
    const result = parse('Email\na@acme.example\nb@acme.example\n"A@ACME.example"\n\n a@acme.example \n');
    expect(result.emails).toEqual(['a@acme.example', 'b@acme.example']);
    expect(brief('Email\na@acme.example\nb@acme.example\n"A@ACME.example"\n\n a@acme.example \n')).toEqual([
      [4, 'duplicate_in_file'],
      [6, 'duplicate_in_file'],
    ]);
    expect(result.problems[0].message).toBe('Line 4: "a@acme.example" is a duplicate of line 2.');
    expect(result.totalLines).toBe(4);
  });

  it('asks the callback about each distinct address once, lower-cased', () => {
    const asked: string[] = [];
    parseLicensedEmailCsv('Email\nA@acme.example\na@acme.example\nb@other.com\nnot-an-address\nc@acme.example\n', {
      domains: ['acme.example'],
      alreadyLicensed: (email) => {
        asked.push(email);
        return false;
      },
    });
    expect(asked).toEqual(['a@acme.example', 'c@acme.example']);
  });

  it('reports a duplicate of an already-licensed address as a duplicate', () => {
    expect(brief('Email\ntaken@acme.example\ntaken@acme.example\n')).toEqual([
      [2, 'already_licensed'],
      [3, 'duplicate_in_file'],
    ]);
  });

  it('counts physical lines whatever the line ends, blank lines included', () => {
    expect(brief('Email\r\n\r\nbad\r\rbad\n\nbad')).toEqual([
      [3, 'not_an_address'],
      [5, 'not_an_address'],
      [7, 'not_an_address'],
    ]);
  });

  it('does not let an unclosed quote swallow the following lines', () => {
    const result = parse('Email\n"a@acme.example\nb@acme.example\nc@acme.example\n');
    expect(result.emails).toEqual(['b@acme.example', 'c@acme.example']);
    expect(brief('Email\n"a@acme.example\nb@acme.example\n')).toEqual([[2, 'malformed_line']]);
  });

  it('keeps every good line of a file mixing good and bad ones', () => {
    const lines = ['"Email"'];
    const expected: string[] = [];
    for (let i = 0; i < 300; i++) {
      const kind = i % 6;
      if (kind === 0) lines.push(`"user${i}@acme.example"`);
      if (kind === 1) lines.push(`"user${i}@elsewhere.example"`);
      if (kind === 2) lines.push(`"not an address ${i}"`);
      if (kind === 3) lines.push(`"user${i - 3}@acme.example"`);
      if (kind === 4) lines.push(`user${i}@acme.example,surplus`);
      if (kind === 5) lines.push(` "USER${i}@Acme.Example" `);
      if (kind === 0) expected.push(`user${i}@acme.example`);
      if (kind === 5) expected.push(`user${i}@acme.example`);
    }
    const result = parse(lines.join('\r\n'));
    expect(result.emails).toEqual(expected);
    expect(result.totalLines).toBe(300);
    expect(result.problemCount).toBe(200);
    const reasons = new Map<string, number>();
    for (const p of result.problems) reasons.set(p.reason, (reasons.get(p.reason) ?? 0) + 1);
    expect(Object.fromEntries(reasons)).toEqual({ wrong_domain: 50, not_an_address: 50, duplicate_in_file: 50, malformed_line: 50 });
    expect(result.problems.find((p) => p.line === 5)?.message).toBe('Line 5: "user0@acme.example" is a duplicate of line 2.');
  });

  it('truncates long values in problems and messages to 100 characters', () => {
    const long = `${'x'.repeat(5000)}@acme.example`;
    const [problem] = parse(`Email\n"${long}"\n`).problems;
    expect(problem.value).toBe(`${'x'.repeat(MAX_ECHOED_CHARS)}…`);
    expect(problem.message.length).toBeLessThan(250);
  });

  it('does not echo control or bidirectional-override characters', () => {
    const [problem] = parse('Email\n"evil\u202Eelpmaxe.emca@x"\n').problems;
    expect(problem.message).not.toMatch(/\u202E/);
  });

  it('reports a line with a stray NUL as not an address when the file is mostly text', () => {
    const result = parse('Email\na@acme.example\nb\0@acme.example\nc@acme.example\n');
    expect(result.emails).toEqual(['a@acme.example', 'c@acme.example']);
    expect(result.problems[0].message).toMatch(/^Line 3: .*characters that are not text/);
  });

  it('says when the organisation has no domains yet', () => {
    const result = parseLicensedEmailCsv('Email\na@acme.example\n', { domains: [], alreadyLicensed: () => false });
    expect(result.problems[0].message).toMatch(/none are set up yet/);
  });
});

describe('parseLicensedEmailCsv: problem cap', () => {
  it(`lists at most ${MAX_REPORTED_PROBLEMS} problems, then a summary with the true count`, () => {
    const bad = Array.from({ length: 2500 }, (_, i) => `"bad ${i}"`);
    const result = parse(['Email', 'ok@acme.example', ...bad, 'last@acme.example'].join('\n'));
    expect(result.emails).toEqual(['ok@acme.example', 'last@acme.example']);
    expect(result.problemCount).toBe(2500);
    expect(result.totalLines).toBe(2502);
    expect(result.problems).toHaveLength(MAX_REPORTED_PROBLEMS + 1);
    const summary = result.problems[MAX_REPORTED_PROBLEMS];
    expect(summary.reason).toBe('too_many_problems');
    expect(summary.line).toBe(MAX_REPORTED_PROBLEMS + 3);
    expect(summary.message).toBe('… and 1,500 more problems from line 1,003 on.');
  });

  it('adds no summary at exactly the cap', () => {
    const bad = Array.from({ length: MAX_REPORTED_PROBLEMS }, () => 'bad');
    const result = parse(['Email', ...bad].join('\n'));
    expect(result.problems).toHaveLength(MAX_REPORTED_PROBLEMS);
    expect(result.problems.every((p) => p.reason === 'not_an_address')).toBe(true);
  });
});

describe('parseLicensedEmailCsv: scale', () => {
  it('parses a 100,000-line file in the seed format', () => {
    const lines = ['\uFEFF"Email"'];
    for (let i = 0; i < 100_000; i++) lines.push(`"user${i}@acme.example"`);
    // A few bad lines spread through the file, and one already licensed.
    lines[10] = '"user0@acme.example"';
    lines[50_000] = '"someone@other.example"';
    lines[99_999] = '"taken@acme.example"';
    const result = parse(`${lines.join('\r\n')}\r\n`);
    expect(result.totalLines).toBe(100_000);
    expect(result.emails).toHaveLength(99_997);
    expect(new Set(result.emails).size).toBe(99_997);
    expect(brief(`${lines.join('\r\n')}\r\n`)).toEqual([
      [11, 'duplicate_in_file'],
      [50_001, 'wrong_domain'],
      [100_000, 'already_licensed'],
    ]);
  });

  it('stays linear when every line has an unclosed quote', () => {
    const text = `Email\n${'"a@acme.example\n'.repeat(100_000)}`;
    const result = parse(text);
    expect(result.problemCount).toBe(100_000);
    expect(result.problems).toHaveLength(MAX_REPORTED_PROBLEMS + 1);
  });
});

describe('checkLicensedAddress', () => {
  const domains = new Set(['acme.example']);
  it.each([
    ['a@acme.example', 'ok'],
    [' A@Acme.Example ', 'ok'],
    [`${'a'.repeat(64)}@acme.example`, 'ok'],
    ['a@other.example', 'wrong_domain'],
    ['a@localhost', 'wrong_domain'],
    ['a@', 'not_an_address'],
    ['', 'not_an_address'],
  ])('%j is %s', (input, expected) => {
    const check = checkLicensedAddress(input, domains);
    expect(check.ok ? 'ok' : check.reason).toBe(expected);
  });
});
