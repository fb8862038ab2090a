import postgres from 'postgres';
import { databaseUrl } from '@/lib/env';

/**
 * Records what would crash a Node process with default settings: an uncaught exception, or an
 * unhandled promise rejection. (Vitest reports them too; this lets a test assert on them.)
 */
export function watchProcess() {
  const crashes: string[] = [];
  const onException = (e: unknown) => crashes.push(`uncaughtException: ${e instanceof Error ? e.stack : String(e)}`);
  const onRejection = (e: unknown) => crashes.push(`unhandledRejection: ${e instanceof Error ? e.stack : String(e)}`);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return {
    crashes,
    /** Lets timers and immediates queued by a dying connection run before looking. */
    settle: () => new Promise((resolve) => setTimeout(resolve, 300)),
    stop: () => {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
    },
  };
}

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Settles a promise into a value the test can inspect, with its handler attached at once. */
export function outcome<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/**
 * A separate connection to the test database for the fault injector: it looks at
 * pg_stat_activity and pg_locks and terminates backends, only ever of this database.
 */
export function injector(url: string = databaseUrl()) {
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  return {
    sql,
    /** Backends of this database waiting for a lock on `table`. */
    async waitingOn(table: string): Promise<number[]> {
      const rows = await sql<{ pid: number }[]>`
        select distinct l.pid from pg_locks l
        join pg_class c on c.oid = l.relation
        join pg_stat_activity a on a.pid = l.pid
        where c.relname = ${table} and not l.granted and a.datname = current_database()`;
      return rows.map((r) => r.pid);
    },
    async currentQuery(pid: number): Promise<string> {
      const [row] = await sql<{ query: string }[]>`select query from pg_stat_activity where pid = ${pid} and datname = current_database()`;
      return row?.query ?? '';
    },
    async isGone(pid: number): Promise<boolean> {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where pid = ${pid}`;
      return row.n === 0;
    },
    async terminate(pid: number) {
      const [row] = await sql<{ ok: boolean }[]>`
        select pg_terminate_backend(pid) as ok from pg_stat_activity where pid = ${pid} and datname = current_database()`;
      if (!row?.ok) throw new Error(`could not terminate backend ${pid}`);
    },
    end: () => sql.end({ timeout: 5 }),
  };
}
