import 'server-only';
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

/** Statements with more parameters than this (bulk inserts) are not kept prepared. */
export const MAX_PREPARED_PARAMETERS = 100;

type Unsafe = postgres.Sql['unsafe'];
type WithScope = (...args: unknown[]) => unknown;

/**
 * The client Drizzle queries through. Drizzle runs a query as an unnamed statement unless it was
 * built with `.prepare(name)`, and postgres.js then needs two round trips for any query with
 * parameters: Parse/Describe to learn their types, wait, then Bind/Execute. This client prepares
 * every query with 1 to MAX_PREPARED_PARAMETERS parameters as a named statement instead, once per
 * connection (postgres.js keeps them, forgets them when the connection closes, and re-prepares one
 * that a schema change invalidated), so each later run is one round trip. In transactions and
 * savepoints too. Bulk statements stay unnamed, so a connection only keeps the app's query shapes.
 */
export function preparingClient<T extends postgres.Sql | postgres.TransactionSql>(client: T): T {
  const unsafe: Unsafe = (query, params = [], options) =>
    client.unsafe(query, params, { ...options, prepare: Boolean(options?.prepare) || (params.length > 0 && params.length <= MAX_PREPARED_PARAMETERS) });
  // begin(options?, fn) and savepoint(name?, fn): the scope's own client is wrapped too.
  const scoped = (method: WithScope) => (...args: unknown[]) => {
    const fn = args.at(-1);
    if (typeof fn !== 'function') return method(...args);
    return method(...args.slice(0, -1), (scope: postgres.TransactionSql) => fn(preparingClient(scope)));
  };
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') return unsafe;
      if (property === 'begin' || property === 'savepoint') {
        const method = Reflect.get(target, property, receiver) as WithScope | undefined;
        return method && scoped(method);
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

export function createDb(url: string, max = 10): { sql: postgres.Sql; db: Db } {
  const sql = postgres(url, {
    max,
    onnotice: () => {},
    idle_timeout: 30,
    connect_timeout: 10,
    connection: {
      // Prepared statements are planned for their parameters on every run, as unnamed ones are: a
      // generic plan, which PostgreSQL may switch to after five runs, can be far slower for an
      // organisation much larger or smaller than the average.
      plan_cache_mode: 'force_custom_plan',
      // A sequential scan starts at the table's beginning, not where another scan of it last
      // stopped: a search that stops at its first N matches (recipient search's candidates)
      // then takes the same time, and finds the same rows, every time.
      synchronize_seqscans: 'off',
    },
  });
  return { sql, db: drizzle({ client: preparingClient(sql), schema }) };
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
