/**
 * The child process of tests/faults/shutdown.db.test.ts: our HTTP server wrapper as scripts/server.ts
 * builds it (requestListener, observeRequests, gracefulClose) around a slow stand-in for Next, real
 * pg-boss job workers on the test database, and the shutdown scripts/start.ts runs on SIGTERM.
 * Arguments: how long /slow takes, the drain bound, and how long the job takes (ms).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gracefulClose } from '@/lib/http/graceful-close';
import { observeRequests } from '@/lib/http/observe';
import { requestListener } from '@/lib/http/request-listener';
import { RETRY_POLICY } from '@/lib/jobs/queue';
import { getBoss, startJobWorkers } from '@/lib/jobs/runtime';
import { addServerClosers, exitAfterShutdown, Shutdown } from '@/lib/shutdown';

const [slowMs, drainMs, jobMs] = process.argv.slice(2).map(Number);
const QUEUE = 'shutdown-test';
const say = (line: string) => process.stdout.write(`${line}\n`);

const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
  if (req.url === '/slow') {
    say('slow request started');
    await sleep(slowMs);
  }
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end(`done ${req.url}`);
};
const server = http.createServer(observeRequests(requestListener(handle, {
    dev: false,
    stripe: false,
    https: false,
    maxInFlight: 64,
    timeouts: { idleMs: 10_000, totalMs: 60_000, uploadWindowMs: 30_000, uploadMinBytesPerSecond: 1024 },
  })));
const drain = gracefulClose(server);
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

const boss = await getBoss();
if (!(await boss.getQueue(QUEUE))) await boss.createQueue(QUEUE, { name: QUEUE, ...RETRY_POLICY });
const workersStarted = startJobWorkers(async () => {
  await boss.work(QUEUE, { pollingIntervalSeconds: 0.5 }, async () => {
    say('job started');
    await sleep(jobMs);
    say('job finished');
  });
});
await workersStarted.started;

const shutdown = new Shutdown(say);
await addServerClosers(shutdown, () => drain(drainMs).then((outcome) => say(`web server ${outcome}`)));
shutdown.add('database', { name: 'database stand-in', close: async () => {} });
exitAfterShutdown(shutdown, { log: say });

say(`job ${await boss.send(QUEUE, {}, RETRY_POLICY)}`);
say(`listening ${(server.address() as AddressInfo).port}`);
