import { describe, expect, it } from 'vitest';
import { parseAuditFilters } from '@/lib/audit/filters';
import { emailField } from '@/lib/auth/schemas';
import { checkPassword, isCommonPassword } from '@/lib/auth/password-policy';
import { csvField, csvRow } from '@/lib/csv/csv';
import { explainBounce } from '@/lib/delivery/bounces';
import { parseDeliveryEvents } from '@/lib/delivery/ingest';
import { parseQuery } from '@/lib/delivery/query-language';
import { parseDeliverySearchParams } from '@/lib/delivery/search-params';
import { isAppError } from '@/lib/errors/app-error';
import { likePattern } from '@/lib/like';
import { checkLicensedAddress, parseLicensedEmailCsv } from '@/lib/licensing/csv-import';
import { licensedEmailList } from '@/lib/licensing/licensed-email-list';
import { contentDisposition, safeFileName } from '@/lib/messaging/attachments';
import { secureMessageList, withLegacyStatus } from '@/lib/messaging/secure-message-list';
import { htmlToText, quoteForReply, sanitizeMessageHtml, textToHtml } from '@/lib/messaging/sanitize';
import { messageTokens, parseSearch } from '@/lib/messaging/search-index';
import { sendMessageSchema } from '@/lib/messaging/schemas';
import { trimEndMatching } from '@/lib/trim';

/**
 * Every path that takes text from a user must take time linear in its length. A regular expression
 * such as `/[.,]+$/` is tried from every start position and scans the whole run from each, so one
 * 200,000-character message body once held the event loop (and /api/health) for about a minute.
 *
 * Each case times the same path on a 50,000- and a 200,000-character input of the same shape and
 * asserts the ratio stays near 4 (linear), not 16 (quadratic), plus an absolute ceiling. Times are
 * the process's CPU time, not wall time, and the best of a few runs: the tests share a 2-core
 * machine with other work, and only our own CPU time says anything about the algorithm.
 */

const SMALL = 50_000;
const LARGE = 200_000;
const RUNS = 3;
/** Linear is 4; quadratic is 16. Eight leaves room for noise and for n log n. */
const MAX_RATIO = 8;
/** 200,000 characters of any path must stay under a second even on a slow, busy 2-core machine. */
const CEILING_MS = 1000;
/**
 * Below this a measurement is mostly timer resolution and a stray garbage collection; the ratio
 * is taken against at least this much. A quadratic path cannot hide under it: at 200,000
 * characters its ~10¹⁰ steps take seconds.
 */
const NOISE_FLOOR_MS = 2;

function cpuMs(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Runs `path`, treating a refusal (an AppError such as "too long") as a finished run: only the time counts. */
function attempt(path: (input: string) => unknown, input: string): void {
  try {
    path(input);
  } catch (error) {
    if (!isAppError(error)) throw error;
  }
}

function bestOf(path: (input: string) => unknown, input: string, giveUpAfterMs: number): number {
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) {
    best = Math.min(best, cpuMs(() => attempt(path, input)));
    // The old quadratic code took a minute per run here: one run over the limit is the answer.
    if (best > giveUpAfterMs) break;
  }
  return best;
}

/** `length` characters: `head`, then `unit` repeated (cut to fit), then `tail`. */
function fill(head: string, unit: string, tail: string, length: number): string {
  const middle = length - head.length - tail.length;
  return head + unit.repeat(Math.ceil(middle / unit.length)).slice(0, middle) + tail;
}

type Case = [name: string, make: (length: number) => string, path: (input: string) => unknown];

function expectLinear(make: (length: number) => string, path: (input: string) => unknown): void {
  const small = make(SMALL);
  const large = make(LARGE);
  expect(small.length).toBe(SMALL);
  expect(large.length).toBe(LARGE);
  attempt(path, small); // warm-up: the first run pays for compilation
  const smallMs = bestOf(path, small, CEILING_MS);
  // Already over the ceiling at a quarter of the size: no need to wait for the large input.
  expect(smallMs, `${SMALL} characters took ${smallMs.toFixed(1)} ms`).toBeLessThan(CEILING_MS);
  const largeMs = bestOf(path, large, CEILING_MS);
  const summary = `${SMALL} characters: ${smallMs.toFixed(1)} ms, ${LARGE}: ${largeMs.toFixed(1)} ms`;
  expect(largeMs, summary).toBeLessThan(CEILING_MS);
  expect(largeMs / Math.max(smallMs, NOISE_FLOOR_MS), summary).toBeLessThan(MAX_RATIO);
}

function runCases(cases: Case[]): void {
  for (const [name, make, path] of cases) {
    it(name, () => expectLinear(make, path), 120_000);
  }
}

const noDomains = { domains: ['acme.example'], alreadyLicensed: () => false };

describe('compose body: text to HTML and links', () => {
  runCases([
    ['an address followed by dots that do not end the line', (n) => fill('http://a', '.', 'a', n), textToHtml],
    ['an address followed by closing brackets', (n) => fill('see http://a', ')]', 'a', n), textToHtml],
    ['an address followed by mixed punctuation and a space', (n) => fill('http://a', '.,;:!?\'*', ' x', n), textToHtml],
    ['addresses back to back', (n) => fill('', 'http://', '', n), textToHtml],
    ['many short addresses', (n) => fill('', 'http://a.example/(x) ', '', n), textToHtml],
    ['a line break, then a long run of spaces', (n) => fill('a\n', ' ', 'a', n), textToHtml],
    ['line breaks, each followed by spaces', (n) => fill('a', '\n                ', 'a', n), textToHtml],
    ['blank lines of spaces and no-break spaces', (n) => fill('a', '\n \u00a0\n', 'a', n), textToHtml],
    ['single line breaks', (n) => fill('a', '\na', '', n), textToHtml],
    ['control characters and CRs', (n) => fill('a', '\u0001\r', 'a', n), textToHtml],
  ]);
});

describe('message HTML: sanitising on write', () => {
  runCases([
    ['an unclosed link with a long address', (n) => fill('<a href="http://a', '.', '', n), sanitizeMessageHtml],
    ['a run of < signs', (n) => fill('', '<', '', n), sanitizeMessageHtml],
    ['a run of unterminated tags', (n) => fill('', '<a', '', n), sanitizeMessageHtml],
    ['one tag with very many attributes', (n) => fill('<p ', 'a=b ', '>x</p>', n), sanitizeMessageHtml],
    ['an unterminated attribute value', (n) => fill('<p title="', 'x', '', n), sanitizeMessageHtml],
    ['comment openers', (n) => fill('', '<!--', '', n), sanitizeMessageHtml],
    ['entity openers', (n) => fill('', '&#', '', n), sanitizeMessageHtml],
    ['flat formatting', (n) => fill('', '<b>x</b>', '', n), sanitizeMessageHtml],
    ['nesting just within the limit, again and again', (n) => fill('', `${'<div>'.repeat(400)}${'</div>'.repeat(400)}`, '', n), sanitizeMessageHtml],
    ['nesting over the limit (refused)', (n) => fill('', '<b>', '', n), sanitizeMessageHtml],
    ['dropped elements with content', (n) => fill('', '<script>x</script>', '', n), sanitizeMessageHtml],
    ['links with javascript: addresses', (n) => fill('', '<a href="javascript:x">y</a>', '', n), sanitizeMessageHtml],
    ['a table of cells with spans', (n) => fill('<table><tr>', '<td colspan="   9">x</td>', '</tr></table>', n), sanitizeMessageHtml],
  ]);
});

describe('message HTML to text: reply quoting and the search index', () => {
  runCases([
    ['line breaks between two words', (n) => fill('<p>a', '<br>', 'a</p>', n), htmlToText],
    ['line breaks between two words, quoted into a reply', (n) => fill('<p>a', '<br>', 'a</p>', n), quoteForReply],
    ['empty blocks', (n) => fill('a', '<div></div>', 'a', n), quoteForReply],
    ['empty paragraphs', (n) => fill('a', '<p></p>', 'a', n), htmlToText],
    ['list items', (n) => fill('<ul>', '<li>x', '</ul>', n), quoteForReply],
    ['preformatted line breaks', (n) => fill('<pre>a', '\n', 'a</pre>', n), quoteForReply],
    ['nested links', (n) => fill('', '<a href="http://a.example/">x', '', n), quoteForReply],
    ['entities', (n) => fill('', '&amp;&#x41;&nbsp;', '', n), htmlToText],
    ['whitespace', (n) => fill('a', ' \t\u00a0', 'a', n), htmlToText],
  ]);
});

describe('attachment file names (the X-File-Name header)', () => {
  runCases([
    ['dots inside the name', (n) => fill('a', '.', 'a', n), safeFileName],
    ['dots and spaces inside the name', (n) => fill('a', '. ', 'a', n), safeFileName],
    ['leading and trailing dots and spaces', (n) => fill('', ' .', 'a. .', n), safeFileName],
    ['path separators', (n) => fill('', '/\\', 'a', n), safeFileName],
    ['control and format characters', (n) => fill('a', '\u202e\r\n\u0000', 'a.txt', n), safeFileName],
    ['a long name with an extension', (n) => fill('', 'é', '.txt', n), safeFileName],
    ['a reserved device name with dots', (n) => fill('con', '.', '', n), safeFileName],
    ['the download header for a long name', (n) => fill('', 'é "%\'()', '.txt', n), contentDisposition],
  ]);
});

const SEARCH_KEY = Buffer.alloc(32, 7);

describe('searches', () => {
  runCases([
    ['portal search: words', (n) => fill('', 'ab ', '', n), parseSearch],
    ['portal search: search syntax', (n) => fill('', ' or -', '"', n), parseSearch],
    ['portal search: unclosed quotes', (n) => fill('', '-"a ', '', n), parseSearch],
    ['portal search: separators only', (n) => fill('', '.-_', '', n), parseSearch],
    ['search index: a body of distinct words', (n) => Array.from({ length: n / 4 }, (_, i) => `w${(i * 7919).toString(36)}`).join(' ').slice(0, n), (bodyText) => messageTokens(SEARCH_KEY, { subject: '', bodyText })],
    ['search index: one long word', (n) => fill('', 'a', '', n), (bodyText) => messageTokens(SEARCH_KEY, { subject: bodyText, bodyText })],
    ['LIKE patterns', (n) => fill('', '%_\\', '', n), likePattern],
    ['delivery-event query language', (n) => fill('', 'from:"a\\" ', '', n), parseQuery],
    ['delivery-event query language: parentheses', (n) => fill('', '(', '', n), parseQuery],
    ['delivery-event search parameters', (n) => fill('', 'not (a or b) ', '', n), (q) => parseDeliverySearchParams(new URLSearchParams({ q, from: q, to: q, after: q, sort: q, dir: q, open: q }), new Date('2026-11-22T12:00:00Z'))],
    ['secure-message monitoring parameters', (n) => fill('', 'a-', '', n), (q) => secureMessageList.parse(withLegacyStatus({ q, after: q, before: q, status: q, read: q, expired: q }))],
    ['licensed-email list parameters', (n) => fill('', 'a=', '', n), (q) => licensedEmailList.parse({ q, after: q, before: q, sort: q, dir: q })],
  ]);
});

describe('audit filters', () => {
  runCases([
    ['an actor with a control character at the end', (n) => fill('', 'a', '\u0001', n), (actor) => parseAuditFilters({ actor })],
    ['dates and cursor', (n) => fill('2026-11-22', '-', '', n), (v) => parseAuditFilters({ from: v, to: v, cursor: v, category: v })],
    ['a cursor of base64url characters', (n) => fill('', 'A-_', '', n), (cursor) => parseAuditFilters({ cursor })],
  ]);
});

describe('CSV', () => {
  runCases([
    ['export: a cell of quotes', (n) => fill('=', '"', '', n), csvField],
    ['export: a row of commas and line breaks', (n) => fill('', ',\r\n"', '', n), (v) => csvRow([v, v, v])],
    ['import: lines with an unclosed quote', (n) => fill('Email\n', '"a@acme.example\n', '', n), (t) => parseLicensedEmailCsv(t, noDomains)],
    ['import: one line of escaped quotes', (n) => fill('Email\n"', '""', '', n), (t) => parseLicensedEmailCsv(t, noDomains)],
    ['import: one line of commas', (n) => fill('Email\na@acme.example', ',', '', n), (t) => parseLicensedEmailCsv(t, noDomains)],
    ['import: blank characters', (n) => fill('Email\n', ' \t\u00a0\ufeff', 'a@acme.example', n), (t) => parseLicensedEmailCsv(t, noDomains)],
    ['import: the same address again and again', (n) => fill('Email\r\n', 'a@acme.example\r\n', '', n), (t) => parseLicensedEmailCsv(t, noDomains)],
    ['import: dots and hyphens in addresses', (n) => fill('Email\n', 'a..b@-x.\r', '', n), (t) => parseLicensedEmailCsv(t, noDomains)],
    ['import: a header line with no end', (n) => fill('', 'Email', '', n), (t) => parseLicensedEmailCsv(t, noDomains)],
    ['import: binary-looking text', (n) => fill('Email\n', 'a\u0000\n', '', n), (t) => parseLicensedEmailCsv(t, noDomains)],
    ['one address checked on its own', (n) => fill('', 'a.', '@acme.example', n), (a) => checkLicensedAddress(a, new Set(noDomains.domains))],
  ]);
});

describe('other text from users', () => {
  runCases([
    ['common-password check: decoration inside', (n) => fill('a', '1!', 'a', n), isCommonPassword],
    ['password checklist', (n) => fill('Pass', '1! ', 'word', n), (p) => checkPassword(p, { email: 'alice@acme.example' })],
    ['an email address field', (n) => fill('', 'a.', '@', n), (v) => emailField.safeParse(v)],
    ['an email address field: a long domain', (n) => fill('a@', 'a-a.', '1', n), (v) => emailField.safeParse(v)],
    ['compose recipients', (n) => fill('', 'a', '@a', n), (v) => sendMessageSchema.safeParse({ to: [v], subject: v, body: v })],
    ['delivery events ingest: JSON lines', (n) => fill('', '{"a":1}\n\n', '', n), parseDeliveryEvents],
    ['delivery events ingest: a deep array', (n) => fill('', '[', '', n), parseDeliveryEvents],
    ['bounce explanations', (n) => fill('5.', '1', '', n), (code) => explainBounce({ smtpCode: null, enhancedCode: code, bounceClass: null })],
    ['identity-provider issuer with slashes', (n) => fill('https://a', '/', 'a', n), (issuer) => trimEndMatching(issuer, /\//)],
  ]);
});
