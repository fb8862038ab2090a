/**
 * The SMTP gateway of the `smtp` bench, in a process of its own like `npm start`'s (the primary
 * runs it): lib/mailflow/gateway.ts on the bench's database, without TLS (smtp-source speaks
 * plain SMTP; its connector is recognised by its client address). Started by bench/smtp.ts over
 * an IPC channel: it sends `{ port }` once listening, answers `{ type: 'metrics' }` with the
 * gateway's counters, its DATA-end-to-250 histogram and this process's CPU time, resets them on
 * `{ type: 'reset' }`, and
 * stops on SIGTERM like `npm start` (sessions under way finish).
 */
import { closeDb } from '@/db/client';
import { stopBoss } from '@/lib/jobs/runtime';
import { startGateway } from '@/lib/mailflow/gateway';
import { metrics } from '@/lib/metrics';

const gateway = await startGateway({
  port: 0,
  host: '127.0.0.1',
  hostname: 'bench.localhost',
  maxMessageBytes: 50 * 1024 * 1024,
  maxRecipients: 100,
  rateLimitPerMinute: 10_000_000,
});

/** CPU time of this process since the last reset: the gateway's cost per message, whatever else the machine runs. */
let cpuBase = process.cpuUsage();

process.on('message', (request: { type: string }) => {
  void (async () => {
    if (request.type === 'reset') {
      metrics().smtpAcceptDuration.reset();
      metrics().smtpMessages.reset();
      metrics().smtpRefusals.reset();
      cpuBase = process.cpuUsage();
      process.send?.({ type: 'reset' });
    } else if (request.type === 'metrics') {
      process.send?.({
        type: 'metrics',
        histogram: (await metrics().smtpAcceptDuration.get()).values,
        messages: (await metrics().smtpMessages.get()).values,
        refusals: (await metrics().smtpRefusals.get()).values,
        cpu: process.cpuUsage(cpuBase),
      });
    }
  })();
});
process.send?.({ type: 'listening', port: gateway.port });

process.once('SIGTERM', () => {
  void (async () => {
    await gateway.close();
    await stopBoss();
    await closeDb();
    process.exit(0);
  })();
});
