import { randomUUID } from 'node:crypto';
import { eq, inArray, sql as dsql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, MAX_PREPARED_PARAMETERS } from '@/db/client';
import { domains, organisations } from '@/db/schema';
import { databaseUrl } from '@/lib/env';

// One connection: every statement below runs in the same PostgreSQL session, whose prepared
// statements pg_prepared_statements lists.
const { sql, db } = createDb(databaseUrl(), 1);
afterAll(() => sql.end({ timeout: 5 }));

async function preparedStatements(): Promise<string[]> {
  const rows = await db.execute<{ statement: string }>(dsql`select statement from pg_prepared_statements`);
  return rows.map((row) => row.statement);
}

describe('the database client Drizzle queries through', () => {
  it('prepares a query with parameters once per connection and reuses it', async () => {
    const id = randomUUID();
    const query = () => db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, id));
    expect(await query()).toEqual([]);
    expect(await query()).toEqual([]);
    const text = query().toSQL().sql;
    expect((await preparedStatements()).filter((statement) => statement === text)).toHaveLength(1);
  });

  it('prepares the queries of transactions and savepoints too, and rolls back as before', async () => {
    const orgId = randomUUID();
    const outer = () => db.select({ id: organisations.id }).from(organisations).where(eq(organisations.name, 'prepared-in-a-transaction'));
    const inner = () => db.select({ domain: domains.domain }).from(domains).where(eq(domains.orgId, orgId));
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(organisations).values({ id: orgId, name: 'prepared-in-a-transaction' });
        expect(await tx.select({ id: organisations.id }).from(organisations).where(eq(organisations.name, 'prepared-in-a-transaction'))).toEqual([{ id: orgId }]);
        await tx.transaction(async (savepoint) => {
          expect(await savepoint.select({ domain: domains.domain }).from(domains).where(eq(domains.orgId, orgId))).toEqual([]);
        });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await outer()).toEqual([]);
    const statements = await preparedStatements();
    expect(statements).toContain(outer().toSQL().sql);
    expect(statements).toContain(inner().toSQL().sql);
  });

  it(`leaves a bulk statement (more than ${MAX_PREPARED_PARAMETERS} parameters) unnamed`, async () => {
    const ids = (n: number) => Array.from({ length: n }, () => randomUUID());
    const query = (n: number) => db.select({ id: organisations.id }).from(organisations).where(inArray(organisations.id, ids(n)));
    expect(await query(MAX_PREPARED_PARAMETERS)).toEqual([]);
    expect(await query(MAX_PREPARED_PARAMETERS + 1)).toEqual([]);
    const statements = await preparedStatements();
    expect(statements).toContain(query(MAX_PREPARED_PARAMETERS).toSQL().sql);
    expect(statements).not.toContain(query(MAX_PREPARED_PARAMETERS + 1).toSQL().sql);
  });

  it('still plans every run for its own parameters, and starts every sequential scan at the beginning', async () => {
    const [plans] = await db.execute<{ plan_cache_mode: string }>(dsql`show plan_cache_mode`);
    expect(plans.plan_cache_mode).toBe('force_custom_plan');
    const [scans] = await db.execute<{ synchronize_seqscans: string }>(dsql`show synchronize_seqscans`);
    expect(scans.synchronize_seqscans).toBe('off');
  });

  it('survives a schema change under a prepared statement, and a terminated connection', async () => {
    await db.execute(dsql`create table prepared_probe (id int primary key, label text)`);
    try {
      await db.execute(dsql`insert into prepared_probe values (1, 'one')`);
      const read = () => db.execute<Record<string, unknown>>(dsql`select * from prepared_probe where id = ${1}`);
      expect(await read()).toEqual([{ id: 1, label: 'one' }]);
      // The cached statement's result type changes: postgres.js prepares it again.
      await db.execute(dsql`alter table prepared_probe add column extra text default 'x'`);
      expect(await read()).toEqual([{ id: 1, label: 'one', extra: 'x' }]);
      // The session (and its prepared statements) ends: the next query opens a new one.
      const [{ pid }] = await db.execute<{ pid: number }>(dsql`select pg_backend_pid() as pid`);
      const admin = postgres(databaseUrl(), { max: 1, onnotice: () => {} });
      try {
        await admin`select pg_terminate_backend(${pid})`;
      } finally {
        await admin.end({ timeout: 5 });
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await read()).toEqual([{ id: 1, label: 'one', extra: 'x' }]);
      const [{ pid: next }] = await db.execute<{ pid: number }>(dsql`select pg_backend_pid() as pid`);
      expect(next).not.toBe(pid);
    } finally {
      await db.execute(dsql`drop table if exists prepared_probe`);
    }
  });
});
