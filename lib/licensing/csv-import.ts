/**
 * Parsing and validation of the licensed-email CSV upload on /licensed-emails (Add, CSV tab). Pure and synchronous so it
 * can run on the server for 100,000-line files (under 5 s, `npm run bench`) and be unit-tested without a database.
 *
 * The caller decodes the upload as UTF-8 *without* `fatal` (e.g. `new TextDecoder()` or
 * `file.text()`), so invalid bytes arrive here as U+FFFD and binary files can be recognised,
 * and caps the upload size before calling (a 100,000-line file is a few MB).
 */

export type CsvImportProblemReason =
  | 'not_an_address'
  | 'wrong_domain'
  | 'duplicate_in_file'
  | 'already_licensed'
  | 'bad_header'
  | 'malformed_line'
  /** The file is not text (a spreadsheet, an image, UTF-16...); reported once, on line 1. */
  | 'not_a_text_file'
  /** The last entry when more than MAX_REPORTED_PROBLEMS problems were found. */
  | 'too_many_problems';

export type CsvImportProblem = {
  /** 1-based physical line of the file as the user sees it in an editor; the header is line 1. */
  line: number;
  /** The offending text, truncated to MAX_ECHOED_CHARS. */
  value: string;
  reason: CsvImportProblemReason;
  /** A sentence for a person, starting with "Line N:" where there is a line to point at. */
  message: string;
};

export type CsvImportRules = {
  /** The organisation's domains; compared case-insensitively. */
  domains: string[];
  /** True when the (trimmed, lower-cased) address already has a license in the organisation. */
  alreadyLicensed: (email: string) => boolean;
};

export type CsvImportResult = {
  /** Valid, in-domain, not yet licensed addresses, trimmed, lower-cased, unique, in file order. */
  emails: string[];
  /** At most MAX_REPORTED_PROBLEMS entries, plus one `too_many_problems` summary if needed. */
  problems: CsvImportProblem[];
  /**
   * Non-blank lines after the header, i.e. the addresses the user asked for; every one of them
   * either became an entry of `emails` or a problem (so the UI can say "98 of 100 added").
   * 0 when the file was refused as a whole (bad header, not a text file).
   */
  totalLines: number;
  /** Every problem found, including those beyond the reporting cap. */
  problemCount: number;
};

/** A list longer than this is unreadable in a page, and a JSON payload that size helps nobody. */
export const MAX_REPORTED_PROBLEMS = 1000;
/** Echoed values are cut so that one absurd line cannot blow up a message or a response. */
export const MAX_ECHOED_CHARS = 100;

const MAX_ADDRESS_LENGTH = 254; // RFC 5321 path limit minus the angle brackets
const MAX_LOCAL_LENGTH = 64; // RFC 5321 §4.5.3.1.1
const MAX_LABEL_LENGTH = 63; // RFC 1035

const HEADER = 'email';
const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

// RFC 5322 dot-atom characters, minus the dot (handled separately). ASCII only: SMTPUTF8
// addresses are rare and would not survive every mail system our customers send through.
const LOCAL_ALLOWED = asciiTable("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-");
const LABEL_ALLOWED = asciiTable('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-');

function asciiTable(chars: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
}

/** Spaces a spreadsheet or a hand-edited file may leave around a field, outside or inside quotes. */
function isBlankChar(code: number): boolean {
  // Tab, space, no-break space (pasted from web pages), and a stray BOM from concatenated files.
  return code === 0x20 || code === 0x09 || code === 0xa0 || code === 0xfeff;
}

type Field = { value: string; next: number } | { error: string };

/**
 * Reads one field starting at `start` (blanks already skipped). Scans with explicit bounds rather
 * than `indexOf`, which would search past the end of the line: a file of 100,000 lines each with
 * an unclosed quote would then be quadratic.
 */
function readField(text: string, start: number, end: number): Field {
  if (start < end && text.charCodeAt(start) === QUOTE) {
    let value = '';
    let chunkStart = start + 1;
    let i = start + 1;
    while (i < end) {
      if (text.charCodeAt(i) === QUOTE) {
        if (i + 1 < end && text.charCodeAt(i + 1) === QUOTE) {
          // RFC 4180 escaped quote: valid CSV, but no address contains one (checked later).
          value += text.slice(chunkStart, i + 1);
          i += 2;
          chunkStart = i;
          continue;
        }
        value += text.slice(chunkStart, i);
        return { value: value.trim(), next: i + 1 };
      }
      i++;
    }
    return { error: 'has an opening double quote with no closing one' };
  }
  let i = start;
  while (i < end && text.charCodeAt(i) !== COMMA) i++;
  return { value: text.slice(start, i).trim(), next: i };
}

function skipBlanks(text: string, i: number, end: number): number {
  while (i < end && isBlankChar(text.charCodeAt(i))) i++;
  return i;
}

type ParsedLine = { kind: 'blank' } | { kind: 'value'; value: string } | { kind: 'malformed'; detail: string };

const BLANK: ParsedLine = { kind: 'blank' };

/**
 * One physical line. Records never span lines, unlike RFC 4180 quoted fields: an address cannot
 * contain a line break, and one unclosed quote must not swallow every following good line.
 */
function parseLine(text: string, start: number, end: number): ParsedLine {
  let i = skipBlanks(text, start, end);
  if (i === end) return BLANK;
  const first = readField(text, i, end);
  if ('error' in first) return { kind: 'malformed', detail: first.error };
  i = skipBlanks(text, first.next, end);
  while (i < end) {
    if (text.charCodeAt(i) !== COMMA) return { kind: 'malformed', detail: 'has text after the closing double quote' };
    // Excel adds empty columns (`"a@x.example",,`) when a sheet once had more; those are harmless.
    i = skipBlanks(text, i + 1, end);
    const extra = readField(text, i, end);
    if ('error' in extra) return { kind: 'malformed', detail: extra.error };
    if (extra.value !== '') {
      return {
        kind: 'malformed',
        detail: 'has more than one column; the file must have a single column, Email (put an address that contains a comma in double quotes)',
      };
    }
    i = skipBlanks(text, extra.next, end);
  }
  // A bare `""` (or `,,`) is how some tools write an empty cell: a blank line, not an error.
  if (first.value === '') return BLANK;
  return { kind: 'value', value: first.value };
}

export type AddressCheck =
  | { ok: true; email: string }
  | { ok: false; reason: 'not_an_address'; detail: string }
  | { ok: false; reason: 'wrong_domain'; email: string };

/**
 * Strict but practical address check: dot-atom local part, hostname domain that must be one of
 * `domains` (lower-case). Also suitable for the manual Add form, so both paths agree.
 */
export function checkLicensedAddress(raw: string, domains: ReadonlySet<string>): AddressCheck {
  const value = raw.trim();
  if (value.includes('"')) return { ok: false, reason: 'not_an_address', detail: 'it contains a double quote' };
  const at = value.indexOf('@');
  if (at < 0) return { ok: false, reason: 'not_an_address', detail: 'it has no @' };
  if (value.indexOf('@', at + 1) >= 0) return { ok: false, reason: 'not_an_address', detail: 'it has more than one @' };
  if (value.length > MAX_ADDRESS_LENGTH) {
    return { ok: false, reason: 'not_an_address', detail: `it is longer than ${MAX_ADDRESS_LENGTH} characters` };
  }
  const localEnd = at;
  if (localEnd === 0) return { ok: false, reason: 'not_an_address', detail: 'there is nothing before the @' };
  if (localEnd > MAX_LOCAL_LENGTH) {
    return { ok: false, reason: 'not_an_address', detail: `the part before the @ is longer than ${MAX_LOCAL_LENGTH} characters` };
  }
  // Characters are checked before lower-casing: toLowerCase maps some non-ASCII look-alikes
  // (the Kelvin sign K, U+212A) to ASCII letters, which would quietly license a different address.
  let previousDot = true; // true at the start, so a leading dot is refused like a double dot
  for (let i = 0; i < localEnd; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x2e) {
      if (previousDot) return { ok: false, reason: 'not_an_address', detail: 'the part before the @ has a misplaced dot' };
      previousDot = true;
    } else if (code < 128 && LOCAL_ALLOWED[code] === 1) {
      previousDot = false;
    } else {
      return { ok: false, reason: 'not_an_address', detail: describeBadChar(code) };
    }
  }
  if (previousDot) return { ok: false, reason: 'not_an_address', detail: 'the part before the @ has a misplaced dot' };

  const domainStart = at + 1;
  if (domainStart === value.length) return { ok: false, reason: 'not_an_address', detail: 'there is nothing after the @' };
  let labelStart = domainStart;
  for (let i = domainStart; i <= value.length; i++) {
    const code = i < value.length ? value.charCodeAt(i) : 0x2e; // a virtual dot closes the last label
    if (code === 0x2e) {
      const labelLength = i - labelStart;
      if (
        labelLength === 0 ||
        labelLength > MAX_LABEL_LENGTH ||
        value.charCodeAt(labelStart) === 0x2d ||
        value.charCodeAt(i - 1) === 0x2d
      ) {
        return { ok: false, reason: 'not_an_address', detail: 'the part after the @ is not a valid domain' };
      }
      labelStart = i + 1;
    } else if (!(code < 128 && LABEL_ALLOWED[code] === 1)) {
      return { ok: false, reason: 'not_an_address', detail: describeBadChar(code) };
    }
  }
  const email = value.toLowerCase();
  if (!domains.has(email.slice(domainStart))) return { ok: false, reason: 'wrong_domain', email };
  return { ok: true, email };
}

function describeBadChar(code: number): string {
  if (isBlankChar(code)) return 'it contains a space';
  if (code === COMMA) return 'it contains a comma';
  if (code === 0 || code === 0xfffd) return 'it contains characters that are not text';
  if (code < 0x20 || code === 0x7f) return 'it contains a control character';
  if (code >= 128) return 'it contains a character that is not allowed in an email address (only plain ASCII is)';
  return 'it contains a character that is not allowed in an email address';
}

// Control characters and bidirectional overrides would garble or disguise the echoed text.
const UNSAFE_FOR_DISPLAY = /[\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function echo(value: string): string {
  const short = value.length > MAX_ECHOED_CHARS ? `${value.slice(0, MAX_ECHOED_CHARS)}…` : value;
  return short.replace(UNSAFE_FOR_DISPLAY, '\uFFFD');
}

const count = new Intl.NumberFormat('en-US');

function domainList(domains: readonly string[]): string {
  if (domains.length === 0) return 'none are set up yet';
  const shown = domains.slice(0, 5).join(', ');
  return domains.length > 5 ? `${shown} and ${count.format(domains.length - 5)} more` : shown;
}

const EXPECTED_FORMAT = 'the first line must be "Email", followed by one address per line';
const NOT_TEXT =
  'This does not look like a CSV text file. In your spreadsheet, choose Save As > "CSV UTF-8 (Comma delimited)" and upload that file.';

/** Finds the end of the line starting at `pos`: the index of its CR or LF, or text.length. */
function lineEnd(text: string, pos: number): number {
  let end = pos;
  while (end < text.length) {
    const code = text.charCodeAt(end);
    if (code === LF || code === CR) break;
    end++;
  }
  return end;
}

/** Skips one line ending (CRLF, LF or a lone CR, as old Mac Excel writes). */
function nextLineStart(text: string, end: number): number {
  return end + 1 < text.length && text.charCodeAt(end) === CR && text.charCodeAt(end + 1) === LF ? end + 2 : end + 1;
}

/**
 * "Most lines" hold NUL or U+FFFD: a spreadsheet (.xlsx is a zip), an image or a UTF-16 export.
 * One report for the whole file beats 100,000 "not an address" lines. Only scans line by line
 * when one of those characters is present at all, which native indexOf finds quickly.
 */
function looksBinary(text: string, start: number): boolean {
  if (text.indexOf('\0', start) < 0 && text.indexOf('\uFFFD', start) < 0) return false;
  let lines = 0;
  let bad = 0;
  for (let pos = start; pos < text.length; ) {
    const end = lineEnd(text, pos);
    const line = text.slice(pos, end);
    if (line.trim() !== '') {
      lines++;
      if (line.includes('\0') || line.includes('\uFFFD')) bad++;
    }
    pos = nextLineStart(text, end);
  }
  return bad * 2 > lines;
}

/**
 * Parses the licensed-email CSV (a first line "Email", one address per line) in one pass. Never throws on any input: every
 * problem is a line in `problems`, and the good lines are kept whatever the bad ones look like.
 */
export function parseLicensedEmailCsv(text: string, rules: CsvImportRules): CsvImportResult {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const refuse = (problem: CsvImportProblem): CsvImportResult => ({ emails: [], problems: [problem], totalLines: 0, problemCount: 1 });

  if (looksBinary(text, start)) return refuse({ line: 1, value: '', reason: 'not_a_text_file', message: NOT_TEXT });

  const domains = new Set(rules.domains.map((d) => d.trim().toLowerCase()));
  const domainText = domainList([...domains]);
  const emails: string[] = [];
  const problems: CsvImportProblem[] = [];
  const firstSeen = new Map<string, number>();
  let problemCount = 0;
  let firstUnreportedLine = 0;
  let totalLines = 0;
  let headerSeen = false;

  const report = (line: number, value: string, reason: CsvImportProblemReason, message: string) => {
    problemCount++;
    if (problems.length < MAX_REPORTED_PROBLEMS) problems.push({ line, value: echo(value), reason, message });
    else if (firstUnreportedLine === 0) firstUnreportedLine = line;
  };

  let lineNo = 0;
  for (let pos = start; pos < text.length; ) {
    const end = lineEnd(text, pos);
    lineNo++;
    const parsed = parseLine(text, pos, end);
    const lineStart = pos;
    pos = nextLineStart(text, end);

    if (parsed.kind === 'blank') continue;

    if (!headerSeen) {
      // Leading blank lines are tolerated like any blank line; the first real line is the header.
      if (parsed.kind === 'value' && parsed.value.toLowerCase() === HEADER) {
        headerSeen = true;
        continue;
      }
      const found = echo(text.slice(lineStart, end).trim());
      // Not guessed: a file without the header may be any column of any spreadsheet.
      const hint = parsed.kind === 'value' && parsed.value.includes('@') ? ' Add a line with just Email above the addresses.' : '';
      return refuse({
        line: lineNo,
        value: found,
        reason: 'bad_header',
        message: `Line ${lineNo}: ${EXPECTED_FORMAT} (found "${found}").${hint}`,
      });
    }

    totalLines++;
    if (parsed.kind === 'malformed') {
      report(lineNo, text.slice(lineStart, end).trim(), 'malformed_line', `Line ${lineNo}: ${parsed.detail}.`);
      continue;
    }
    const check = checkLicensedAddress(parsed.value, domains);
    if (!check.ok) {
      if (check.reason === 'not_an_address') {
        report(lineNo, parsed.value, 'not_an_address', `Line ${lineNo}: "${echo(parsed.value)}" is not an email address (${check.detail}).`);
      } else {
        report(
          lineNo,
          check.email,
          'wrong_domain',
          `Line ${lineNo}: "${echo(check.email)}" is not in your organisation's domains (${domainText}).`,
        );
      }
      continue;
    }
    const email = check.email;
    const earlier = firstSeen.get(email);
    if (earlier !== undefined) {
      report(lineNo, email, 'duplicate_in_file', `Line ${lineNo}: "${echo(email)}" is a duplicate of line ${earlier}.`);
      continue;
    }
    firstSeen.set(email, lineNo);
    if (rules.alreadyLicensed(email)) {
      report(lineNo, email, 'already_licensed', `Line ${lineNo}: "${echo(email)}" is already licensed.`);
      continue;
    }
    emails.push(email);
  }

  if (!headerSeen) {
    return refuse({ line: 1, value: '', reason: 'bad_header', message: `The file is empty: ${EXPECTED_FORMAT}.` });
  }
  const unreported = problemCount - problems.length;
  if (unreported > 0) {
    problems.push({
      line: firstUnreportedLine,
      value: '',
      reason: 'too_many_problems',
      message: `… and ${count.format(unreported)} more ${unreported === 1 ? 'problem' : 'problems'} from line ${count.format(firstUnreportedLine)} on.`,
    });
  }
  return { emails, problems, totalLines, problemCount };
}
