/** Starts this server process's background workers (mail and SMS delivery). */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { env } = await import('@/lib/env');
  if (!env().JOBS_WORKERS || !env().DATABASE_URL) return;
  const { getDb } = await import('@/db/client');
  const { getBoss } = await import('@/lib/jobs/runtime');
  const { startWorkers } = await import('@/lib/jobs/workers');
  try {
    await startWorkers(await getBoss(), getDb());
  } catch (error) {
    // The web server still serves; the queued jobs wait in the database for a worker.
    console.error('[jobs] workers did not start:', error instanceof Error ? error.message : error);
  }
}
