import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { databaseUrl } from '@/lib/env';
import * as schema from './schema';

export type Db = PostgresJsDatabase<typeof schema>;
/** A transaction handle; query functions accept `Db | Tx`. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

type Holder = { sql: postgres.Sql; db: Db; url: string };
const globalHolder = globalThis as unknown as { __sealpostDb?: Holder };

export function createDb(url: string, max = 10): { sql: postgres.Sql; db: Db } {
  const sql = postgres(url, { max, onnotice: () => {}, idle_timeout: 30, connect_timeout: 10 });
  return { sql, db: drizzle({ client: sql, schema }) };
}

function holder(): Holder {
  const url = databaseUrl();
  if (!globalHolder.__sealpostDb || globalHolder.__sealpostDb.url !== url) {
    globalHolder.__sealpostDb = { ...createDb(url), url };
  }
  return globalHolder.__sealpostDb;
}

/** The process-wide pool, created on first use (never at build time). */
export function getDb(): Db {
  return holder().db;
}

export function getSql(): postgres.Sql {
  return holder().sql;
}

export async function closeDb() {
  const holder = globalHolder.__sealpostDb;
  globalHolder.__sealpostDb = undefined;
  if (holder) await holder.sql.end({ timeout: 5 });
}

/**
 * The postgres.js client under a Drizzle transaction. Drizzle keeps it on `session.client`;
 * the job queue needs it to enqueue inside the same transaction. Covered by
 * lib/jobs/queue.test.ts (a rolled-back transaction leaves no job).
 */
export function rawClient(tx: DbOrTx): postgres.Sql {
  const client = (tx as unknown as { session?: { client?: postgres.Sql } }).session?.client;
  if (!client || typeof client.unsafe !== 'function') throw new Error('No postgres.js client under this handle');
  return client;
}

/**
 * The first row of a built query (`.toSQL()`) with every column as the bytes PostgreSQL sent
 * (null for SQL null): for results that only pass through, like an export's CSV text, which then
 * never becomes a string in the JavaScript heap.
 */
export async function rawRow(db: DbOrTx, query: { sql: string; params: unknown[] }): Promise<(Buffer | null)[]> {
  const rows = await rawClient(db).unsafe(query.sql, query.params as postgres.ParameterOrJSON<never>[]).raw();
  return (rows[0] ?? []) as (Buffer | null)[];
}
