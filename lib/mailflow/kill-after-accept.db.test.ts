import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { ensurePriceTiers } from '@/db/seed';
import { gatewayMessages, gatewayRecipients, licensedEmails, mailConnectors } from '@/db/schema';
import { createScratchDatabase } from '@/lib/db-admin';
import { createOrganisation } from '@/lib/organisations/create-organisation';
import { waitFor } from '@/tests/faults/support';
import { startMx, type TestMx } from './outbound/test-servers';

/**
 * Issue #17: "a kill after 250 (delivered after restart, once)". The gateway runs in a process of
 * its own (bench/smtp-gateway.ts, as `npm start`'s primary runs it) with no job workers anywhere,
 * so an accepted message can only be waiting in the database when the process is SIGKILLed right
 * after its 250. A fresh process then starts the job workers (bench/smtp-workers.ts) and the
 * message must reach the organisation's smart host (SMTP_RELAY_HOST: a local smtp-server) exactly
 * once. Its own scratch database: the other test files' workers cannot take its jobs, nor its
 * workers theirs.
 */
const ROOT = path.join(import.meta.dirname, '..', '..');
const DOMAIN = 'kill-test.example';
const SENDER = `clinician@${DOMAIN}`;
const RECIPIENT = 'patient@partner-kill.example';

let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let handle: ReturnType<typeof createDb>;
let sink: TestMx;
let dataDir = '';
const children: ChildProcess[] = [];

function start(script: string): ChildProcess {
  const child = fork(path.join(ROOT, 'bench', script), [], {
    cwd: ROOT,
    // scripts/server-only.mjs: the bench's modules `import 'server-only'`, which plain Node cannot resolve alone.
    execArgv: ['--import', './scripts/server-only.mjs', '--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      SEALPOST_DATA_DIR: dataDir,
      SEALPOST_DEMO: '0',
      AUTH_SECRET: 'kill-test-secret-kill-test-secret-0123456789',
      SMTP_RELAY_HOST: `127.0.0.1:${sink.port}`,
      JOBS_WORKERS: '1',
    },
  });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}

beforeAll(async () => {
  database = await createScratchDatabase('kill', process.env.DATABASE_URL);
  handle = createDb(database.url, 2);
  await runMigrations(handle.db);
  await ensurePriceTiers(handle.db);
  const { orgId } = await createOrganisation(handle.db, {
    name: 'Kill Test Clinic',
    domains: [DOMAIN],
    owner: { name: 'Owner', email: `owner@${DOMAIN}`, password: 'Kill-Test-Passphrase-2026', mustChangePassword: false },
  });
  // A licensed sender and no policy: the message goes through processing on to SMTP delivery.
  await handle.db.insert(licensedEmails).values({ orgId, email: SENDER });
  // Recognised by its client address: plain SMTP, no AUTH, as the organisation's server relays.
  await handle.db.insert(mailConnectors).values({ orgId, name: 'Clinic relay', allowedRanges: ['127.0.0.1/32'], createdBy: `owner@${DOMAIN}` });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-kill-test-'));
  sink = await startMx({ tls: null, keepBodies: true });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(children.map(exited));
  await sink?.close();
  await handle?.sql.end({ timeout: 5 });
  await database?.cleanup();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('a kill after 250', () => {
  it('(delivered after restart, once)', { timeout: 120_000 }, async () => {
    const gateway = start('smtp-gateway.ts');
    const { port } = await new Promise<{ port: number }>((resolve, reject) => {
      gateway.once('exit', (code) => reject(new Error(`the gateway exited (${code})`)));
      gateway.on('message', (m: { type: string; port: number }) => m.type === 'listening' && resolve(m));
    });

    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    const messageId = `<kill-after-250.${Date.now()}@${DOMAIN}>`;
    const info = await transport.sendMail({ from: SENDER, to: RECIPIENT, subject: 'Results of 7 December', text: 'Kept once the 250 is given.', messageId });
    // The 250, and at once the kill: no clean shutdown, no chance to finish anything after it.
    gateway.kill('SIGKILL');
    transport.close();
    expect(await exited(gateway)).toBe('SIGKILL');
    const id = /Accepted as ([0-9a-f-]{36})/.exec(info.response)?.[1];
    if (!id) throw new Error(`not accepted: ${info.response}`);

    // Nothing could have delivered it yet: no worker has run.
    expect(sink.received).toHaveLength(0);
    const [stored] = await handle.db.select({ status: gatewayMessages.status }).from(gatewayMessages).where(eq(gatewayMessages.id, id));
    expect(stored?.status).toBe('received');

    // The restart: a fresh process with the job workers.
    const workers = start('smtp-workers.ts');
    await waitFor(
      async () => {
        const [recipient] = await handle.db.select({ status: gatewayRecipients.status }).from(gatewayRecipients).where(eq(gatewayRecipients.gatewayMessageId, id));
        return recipient?.status === 'delivered' ? recipient : null;
      },
      `message ${id} to be delivered after the restart`,
      90_000,
    );
    // Settled: no job of this database is waiting, running or due for a retry, so nothing more will be sent.
    await waitFor(
      async () => {
        const [{ pending }] = await handle.sql<{ pending: number }[]>`select count(*)::int as pending from pgboss.job where state in ('created', 'retry', 'active')`;
        return pending === 0 ? true : null;
      },
      'the queue to settle',
      60_000,
    );
    workers.kill('SIGTERM');
    await exited(workers);

    const copies = sink.received.filter((m) => m.body?.toString('utf8').includes(messageId));
    expect(copies).toHaveLength(1);
    // The envelope sender is the organisation's bounce address (VERP); the recipient is the one given.
    expect(copies[0].to).toEqual([RECIPIENT]);
    expect(sink.received).toHaveLength(1);
    const [{ completed }] = await handle.sql<{ completed: number }[]>`select count(*)::int as completed from pgboss.job where state = 'completed' and data->>'id' = ${id}`;
    expect(completed).toBeGreaterThanOrEqual(1);
  });
});
