import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '@/db/client';
import { databaseUrl } from '@/lib/env';
import { createBoss } from './queue';

// One connection only: a session left inside an aborted transaction would be the one the next
// query gets.
const { sql } = createDb(databaseUrl(), 1);

afterAll(async () => {
  await sql.end({ timeout: 5 });
});

describe("pg-boss's statements on our pool", () => {
  it('a failed BEGIN … COMMIT is rolled back, so the connection goes on working', async () => {
    const db = createBoss(sql).getDb();
    await expect(db.executeSql('BEGIN; SELECT 1; SELECT 1 / 0; COMMIT;', [])).rejects.toThrow(/division by zero/);
    const { rows } = await db.executeSql('SELECT 2 AS two', []);
    expect(rows).toEqual([{ two: 2 }]);
    expect(await sql`select 3 as three`).toEqual([{ three: 3 }]);
  });
});
