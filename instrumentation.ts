/** Starts this server process's background workers (mail and SMS delivery). */
export async function register() {
  // Not through lib/env.ts: Next sets NEXT_RUNTIME per bundle and inlines this read at build time.
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { env } = await import('@/lib/env');
  if (!env().JOBS_WORKERS || !env().DATABASE_URL) return;
  const { getDb } = await import('@/db/client');
  const { getBoss, startJobWorkers } = await import('@/lib/jobs/runtime');
  const { startWorkers } = await import('@/lib/jobs/workers');
  // The web server serves meanwhile; the queued jobs wait in the database for a worker, which
  // starts as soon as the database answers (tests/faults/database.db.test.ts).
  startJobWorkers(async () => startWorkers(await getBoss(), getDb()), {
    onError: (error, retryInMs) =>
      console.error(`[jobs] workers did not start (${error instanceof Error ? error.message : String(error)}); trying again in ${Math.round(retryInMs / 1000)} s`),
  });
}
