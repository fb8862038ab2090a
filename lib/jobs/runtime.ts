import 'server-only';
import type PgBoss from 'pg-boss';
import { getSql } from '@/db/client';
import { createBoss, prepareBoss } from './queue';

// On globalThis: the workers start inside Next's bundle (instrumentation.ts), and the launcher
// (scripts/start.ts), which runs outside it, stops them on shutdown.
const g = globalThis as unknown as { __sealpostBoss?: Promise<PgBoss>; __sealpostJobStarter?: { stop: () => void } };

/** The process's job queue over the process's database pool, started once. */
export function getBoss(): Promise<PgBoss> {
  g.__sealpostBoss ??= (async () => {
    const boss = createBoss(getSql());
    boss.on('error', (error) => console.error('[jobs]', error.message));
    await prepareBoss(boss);
    return boss;
  })().catch((error) => {
    g.__sealpostBoss = undefined;
    throw error;
  });
  return g.__sealpostBoss;
}

/**
 * Stops the queue: its workers take no new jobs, those working get up to 5 s to finish, and pg-boss
 * then fails the rest so that they are retried (by another process, or this one's next start).
 */
export async function stopBoss() {
  const pending = g.__sealpostBoss;
  g.__sealpostBoss = undefined;
  if (pending) await (await pending).stop({ graceful: true, wait: true, timeout: 5000 });
}

/** This process's job workers, started as soon as the database answers (retryUntilStarted). */
export function startJobWorkers(start: () => Promise<void>, options: Parameters<typeof retryUntilStarted>[1] = {}) {
  g.__sealpostJobStarter?.stop();
  const starter = retryUntilStarted(start, options);
  g.__sealpostJobStarter = starter;
  return starter;
}

/** On shutdown: no further start attempt, and the started workers finish or release their jobs. */
export async function stopJobWorkers() {
  g.__sealpostJobStarter?.stop();
  g.__sealpostJobStarter = undefined;
  await stopBoss();
}

/**
 * Runs `start` until it succeeds, waiting longer after each failure (up to `maxDelayMs`): a web
 * process that starts while its database is down or restarting gets its job workers as soon as
 * the database is back, instead of never. `started` settles true once started, false if stopped
 * first; the retry timer does not keep the process alive.
 */
export function retryUntilStarted(
  start: () => Promise<void>,
  options: { firstDelayMs?: number; maxDelayMs?: number; onError?: (error: unknown, retryInMs: number) => void } = {},
) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let delay = options.firstDelayMs ?? 1000;
  let settle: (started: boolean) => void = () => {};
  const started = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  const attempt = async () => {
    if (stopped) return;
    try {
      await start();
      settle(true);
    } catch (error) {
      if (stopped) return;
      options.onError?.(error, delay);
      timer = setTimeout(() => void attempt(), delay);
      timer.unref();
      delay = Math.min(delay * 2, options.maxDelayMs ?? 60_000);
    }
  };
  void attempt();
  return {
    started,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      settle(false);
    },
  };
}
