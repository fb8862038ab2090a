import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Shutdown } from './shutdown';

describe('Shutdown', () => {
  it('runs the stages in order whatever the order of adding, a stage’s closers together, and goes on past a failure', async () => {
    const events: string[] = [];
    const closer = (name: string, ms: number, fail = false) => ({
      name,
      close: async () => {
        events.push(`start ${name}`);
        await sleep(ms);
        events.push(`end ${name}`);
        if (fail) throw new Error('stuck');
      },
    });
    const log: string[] = [];
    await new Shutdown((line) => log.push(line))
      .add('database', closer('database', 1))
      .add('intake', closer('web server', 30))
      .add('intake', closer('gateway', 10, true))
      .add('work', closer('job workers', 1))
      .run();
    expect(events).toEqual(['start web server', 'start gateway', 'end gateway', 'end web server', 'start job workers', 'end job workers', 'start database', 'end database']);
    expect(log).toEqual(['stopping the gateway failed: stuck', 'stopped the web server', 'stopped the job workers', 'stopped the database']);
  });
});
