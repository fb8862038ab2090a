import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { csvField, csvRow } from './csv';
import { csvFieldSql, csvRowSql } from './csv-sql';

/** csvFieldSql over each value, in one query, in order. */
async function inSql(values: (string | null)[]): Promise<string[]> {
  const rows = await getDb().execute<{ out: string }>(
    sql`select ${csvFieldSql(sql`v`)} as out from unnest(${sql.param(values)}::text[]) with ordinality as t(v, n) order by n`,
  );
  return Array.from(rows, (r) => r.out);
}

// The characters the rules are about, and ordinary ones around them.
const special = fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', "'", ' ', 'a', 'Z', '9', 'é', '東', '😀');
const cell = fc.oneof(
  fc.string({ unit: special, maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constant(null),
);

describe('csvFieldSql', () => {
  it('writes exactly what csvField writes, for the fixed cases', async () => {
    const cases = ['hello', '', 'a,b', 'say "hi"', 'line 1\nline 2', 'line 1\r\nline 2', 'Müller – 東京', ' x', '=1+2', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', '=HYPERLINK("http://x.example","click")', 'a=b+c-d@e', 'owner@acme.example', null];
    expect(await inSql(cases)).toEqual(cases.map((c) => csvField(c)));
  });

  it('writes exactly what csvField writes, for generated text', async () => {
    // PostgreSQL text cannot hold NUL, so it is left out of the generated strings.
    const noNul = (values: (string | null)[]) => values.map((v) => (v === null ? v : v.replaceAll('\0', '')));
    await fc.assert(
      fc.asyncProperty(fc.array(cell, { minLength: 1, maxLength: 50 }).map(noNul), async (values) => {
        expect(await inSql(values)).toEqual(values.map((v) => csvField(v)));
      }),
      { numRuns: 40 },
    );
  });
});

describe('csvRowSql', () => {
  it('joins the fields with commas and ends the record with CRLF, like csvRow', async () => {
    const values = ['=1', 'a,b', '', 'plain'];
    const [row] = await getDb().execute<{ out: string }>(sql`select ${csvRowSql(values.map((v) => sql`${v}::text`))} as out`);
    expect(row.out).toBe(csvRow(values));
  });
});
