/**
 * CSV writing for every export (events, licensed emails, delivery events): RFC 4180 fields and
 * CRLF line ends, with spreadsheet formula injection neutralised (OWASP "CSV injection").
 */

/**
 * Rows per query of the streaming exports (events, licensed emails). PostgreSQL writes each batch
 * as one piece of CSV text (./csv-sql.ts), about 170 KB of events, passed on as bytes outside the
 * JavaScript heap. 1,000 rows: a million events export in about 8 s of queries, against 11 s
 * with 400-row batches. (As a JavaScript string, a batch over V8's 128 KB large-object size goes
 * straight to the old generation, which is what made the heap climb; bytes do not.)
 */
export const EXPORT_BATCH_ROWS = 1000;

/** Excel reads a UTF-8 file as ANSI unless it starts with a byte-order mark. */
export const CSV_BOM = '\uFEFF';

export type CsvValue = string | number | null | undefined;

// Excel, LibreOffice and Google Sheets evaluate a cell starting with any of these as a formula
// (tab and CR because some importers strip them and then see the `=` behind them).
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One field. Numbers follow the same rule as text, so a negative number comes out as `'-5`
 * (text in a spreadsheet): one rule with no exceptions is easier to trust than a list of them,
 * and no export has negative numbers today.
 */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? String(value) : value;
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF-terminated as RFC 4180 asks. */
export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
