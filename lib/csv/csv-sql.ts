import { sql, type SQL } from 'drizzle-orm';

/**
 * `csvField` (./csv.ts) as a SQL expression, so the million-row exports can have PostgreSQL
 * write each batch of CSV lines as one piece of text. Turning every row into JavaScript objects
 * first (driver row, mapped row, fields, joined line) made the server's heap climb by hundreds of
 * megabytes between full garbage collections during a large export; text made by the database
 * and passed on as bytes keeps it flat.
 *
 * The rules are csvField's, character for character (csv-sql.db.test.ts compares the two on
 * generated input): a cell starting with = + - @ tab or CR gets a leading apostrophe; a cell
 * holding a double quote, comma, CR or LF is quoted with its quotes doubled; null is empty.
 * The patterns are bound as parameters, so no SQL escaping applies to them.
 */
const FORMULA_START = '^[=+@\t\r-]';
const NEEDS_QUOTES = '[",\r\n]';

export function csvFieldSql(value: SQL): SQL {
  const text = sql`coalesce((${value})::text, '')`;
  const neutralised = sql`(case when ${text} ~ ${FORMULA_START}::text then '''' || ${text} else ${text} end)`;
  return sql`(case when ${text} ~ ${NEEDS_QUOTES}::text then '"' || replace(${neutralised}, '"', '""') || '"' else ${neutralised} end)`;
}

/** One CSV record (`csvRow`): the fields joined by commas, CRLF-terminated. */
export function csvRowSql(values: SQL[]): SQL {
  return sql`(${sql.join(
    values.map((v) => csvFieldSql(v)),
    sql` || ',' || `,
  )} || ${'\r\n'}::text)`;
}
