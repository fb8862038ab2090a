import { createDb } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { ensurePriceTiers } from '@/db/seed';
import { createScratchDatabase } from '@/lib/db-admin';

/**
 * One row of the bench table. `samples` are latencies in ms (p50/p95 are taken from them);
 * `throughput` (requests per second) is set by the load workloads, blank elsewhere.
 */
export type Measurement = {
  workload: string;
  size: string;
  samples: number[];
  /** p50 and p95 computed elsewhere (e.g. from a server's histogram), when there are no samples. */
  quantiles?: { p50: number; p95: number };
  unit: 'ms';
  throughput?: number;
  bar: string;
  /** Absent for a figure printed for information, with no bar of its own (the result column shows —). */
  met?: (p95: number) => boolean;
  note?: string;
};

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** A dedicated, migrated database for the bench: on DATABASE_URL's server or an embedded one. */
export async function benchDatabase() {
  // The harness's own input (which server to make its scratch database on), like the tests' global setup.
  const database = await createScratchDatabase('bench', process.env.DATABASE_URL);
  const { sql, db } = createDb(database.url, 1);
  await runMigrations(db);
  await ensurePriceTiers(db);
  await sql.end();
  return database;
}

export function printTable(rows: Measurement[]) {
  const lines = rows.map((r) => {
    const p50 = r.quantiles?.p50 ?? percentile(r.samples, 50);
    const p95 = r.quantiles?.p95 ?? percentile(r.samples, 95);
    const rate = r.throughput === undefined ? '' : `${r.throughput.toFixed(0)}/s`;
    return [r.workload, r.size, rate, `${p50.toFixed(0)} ms`, `${p95.toFixed(0)} ms`, r.bar, r.met ? (r.met(p95) ? 'met' : 'MISSED') : '—', r.note ?? ''];
  });
  const header = ['workload', 'size', 'req/s', 'p50', 'p95', 'bar', 'result', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(`\n${format(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const line of lines) console.log(format(line));
}
