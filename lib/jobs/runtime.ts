import type PgBoss from 'pg-boss';
import { getSql } from '@/db/client';
import { createBoss, prepareBoss } from './queue';

const g = globalThis as unknown as { __sealpostBoss?: Promise<PgBoss> };

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

export async function stopBoss() {
  const pending = g.__sealpostBoss;
  g.__sealpostBoss = undefined;
  if (pending) await (await pending).stop({ graceful: true, wait: true, timeout: 5000 });
}
