/**
 * The job workers of the `smtp` bench, in a process of their own, as in `npm start` with
 * `WEB_CONCURRENCY` ≥ 2 (the gateway in the primary, the workers in the web processes): they
 * process and deliver what the gateway accepted, through SMTP_RELAY_HOST (the bench's sink).
 * Started by bench/smtp.ts with DATABASE_URL, SEALPOST_DATA_DIR and SMTP_RELAY_HOST set; stops
 * on SIGTERM. Over its IPC channel it answers `{ type: 'metrics' }` with this process's CPU time
 * since `{ type: 'reset' }`.
 */
import { closeDb, getDb } from '@/db/client';
import { getBoss, stopBoss } from '@/lib/jobs/runtime';
import { startWorkers } from '@/lib/jobs/workers';
import { outboxTransport } from '@/lib/mail/transport';

await startWorkers(await getBoss(), getDb(), { email: outboxTransport, sms: outboxTransport }, { pollingIntervalSeconds: 0.5 });
process.stdout.write('workers started\n');
process.send?.({ type: 'started' });
/** This process's CPU time since the last reset: the workers' cost per message, whatever else the machine runs. */
let cpuBase = process.cpuUsage();
process.on('message', (request: { type: string }) => {
  if (request.type === 'reset') {
    cpuBase = process.cpuUsage();
    process.send?.({ type: 'reset' });
  } else if (request.type === 'metrics') {
    process.send?.({ type: 'metrics', cpu: process.cpuUsage(cpuBase) });
  }
});
process.once('SIGTERM', () => {
  void (async () => {
    await stopBoss();
    await closeDb();
    process.exit(0);
  })();
});
