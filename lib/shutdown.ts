/**
 * The order in which a stopping process lets go of things (scripts/start.ts). Each stage starts
 * once the one before has finished; the closers within a stage run together.
 * - intake: whatever takes work from outside stops taking it and finishes what is under way —
 *   the web server (gracefulClose), the cluster's workers; a mail gateway belongs here too
 *   (refuse new sessions, finish open ones);
 * - work: background job workers finish or release their jobs;
 * - resources: what that work used (the PDF browser, the database pool);
 * - database: the embedded PostgreSQL (demo mode), last, as everything above may still use it.
 */
export const SHUTDOWN_STAGES = ['intake', 'work', 'resources', 'database'] as const;
export type ShutdownStage = (typeof SHUTDOWN_STAGES)[number];

export type Closer = { name: string; close: () => Promise<unknown> };

/** Past this, a shutdown that hangs ends the process anyway (exit 1): intake drains for 10 s at most. */
export const SHUTDOWN_TIMEOUT_MS = 30_000;

export class Shutdown {
  private readonly stages = new Map<ShutdownStage, Closer[]>(SHUTDOWN_STAGES.map((stage) => [stage, []]));

  constructor(private readonly log: (message: string) => void = () => {}) {}

  add(stage: ShutdownStage, closer: Closer): this {
    this.stages.get(stage)?.push(closer);
    return this;
  }

  /** Runs every closer, stage by stage. One that fails is reported and the rest still run. */
  async run(): Promise<void> {
    for (const stage of SHUTDOWN_STAGES) {
      await Promise.all(
        (this.stages.get(stage) ?? []).map(async (closer) => {
          try {
            await closer.close();
            this.log(`stopped the ${closer.name}`);
          } catch (error) {
            this.log(`stopping the ${closer.name} failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        }),
      );
    }
  }
}

/**
 * What a serving process (the only one, or a cluster worker) stops: the web server (no new
 * connections; requests in flight finish, 10 s at most), the job workers (finish or release their
 * jobs), the PDF browser and the database pool. Loaded when called: the launcher needs none of it
 * before it serves.
 */
export async function addServerClosers(shutdown: Shutdown, closeServer: () => Promise<unknown>) {
  const { stopJobWorkers } = await import('@/lib/jobs/runtime');
  const { closeDb } = await import('@/db/client');
  shutdown
    .add('intake', { name: 'web server', close: closeServer })
    .add('work', { name: 'job workers', close: stopJobWorkers })
    .add('resources', {
      name: 'PDF browser',
      // lib/pdf/browser.ts runs in Next's bundle, outside the launcher's modules: reached through a global.
      close: async () => (globalThis as { __sealpostCloseBrowser?: () => Promise<void> }).__sealpostCloseBrowser?.(),
    })
    .add('resources', { name: 'database pool', close: closeDb });
}

/**
 * Runs `shutdown` once on SIGINT/SIGTERM (or when the returned function is called), then exits 0;
 * exits 1 if it is still running after `timeoutMs`.
 */
export function exitAfterShutdown(shutdown: Shutdown, options: { log?: (message: string) => void; timeoutMs?: number } = {}) {
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    options.log?.(`${reason}: shutting down …`);
    const force = setTimeout(() => {
      options.log?.('shutdown did not finish in time; exiting');
      process.exit(1);
    }, options.timeoutMs ?? SHUTDOWN_TIMEOUT_MS);
    force.unref();
    try {
      await shutdown.run();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return stop;
}
