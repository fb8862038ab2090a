import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDb } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { ensurePriceTiers } from '@/db/seed';
import { createDatabase, dropDatabase, withDatabase } from '@/lib/db-admin';
import { startEmbeddedPostgres } from '@/lib/embedded-postgres';

export type Measurement = { workload: string; size: string; samples: number[]; unit: 'ms'; bar: string; met: (p95: number) => boolean; note?: string };

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
  let serverUrl = process.env.DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  let dir: string | undefined;
  if (!serverUrl) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-bench-pg-'));
    fs.chmodSync(dir, 0o777);
    const server = await startEmbeddedPostgres(path.join(dir, 'data'), 0);
    serverUrl = server.url;
    stop = server.stop;
  }
  const name = `bench_${Date.now().toString(36)}`;
  await createDatabase(serverUrl, name);
  const url = withDatabase(serverUrl, name);
  const { sql, db } = createDb(url, 1);
  await runMigrations(db);
  await ensurePriceTiers(db);
  await sql.end();
  const server = serverUrl;
  return {
    url,
    cleanup: async () => {
      await dropDatabase(server, name).catch(() => undefined);
      if (stop) await stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function printTable(rows: Measurement[]) {
  const lines = rows.map((r) => {
    const p50 = percentile(r.samples, 50);
    const p95 = percentile(r.samples, 95);
    return [r.workload, r.size, `${p50.toFixed(0)} ms`, `${p95.toFixed(0)} ms`, r.bar, r.met(p95) ? 'met' : 'MISSED', r.note ?? ''];
  });
  const header = ['workload', 'size', 'p50', 'p95', 'bar', 'result', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(`\n${format(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const line of lines) console.log(format(line));
}
