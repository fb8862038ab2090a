import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql as dsql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeDb, createDb, getDb } from '@/db/client';
import { outboxMessages } from '@/db/schema';
import { runMigrations } from '@/db/migrate';
import { ensurePriceTiers } from '@/db/seed';
import { createDatabase, withDatabase } from '@/lib/db-admin';
import { createApiKey } from '@/lib/delivery/api-keys';
import { startEmbeddedPostgres, type EmbeddedServer } from '@/lib/embedded-postgres';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '@/lib/errors/database-unavailable';
import { getBoss, retryUntilStarted, stopBoss } from '@/lib/jobs/runtime';
import { startWorkers } from '@/lib/jobs/workers';
import { queueMessage } from '@/lib/mail/queue-message';
import { outboxTransport, resendTransport } from '@/lib/mail/transport';
import { startFakeResend } from '@/tests/servers/fake-resend';
import { databaseUrl, resetEnvCache } from '@/lib/env';
import { actorFor, createTestOrg } from '@/tests/factories';
import { injector, outcome, waitFor, watchProcess } from './support';

// The delivery-events route authenticates by API key; this keeps next-auth (which needs the
// Next.js server runtime) out of the test, as in lib/delivery/ingest.db.test.ts.
vi.mock('@/lib/auth/session', () => ({ getCurrentAdmin: async () => null }));

type Watch = ReturnType<typeof watchProcess>;
let watch: Watch;
beforeEach(() => {
  watch = watchProcess();
});
afterEach(() => {
  watch.stop();
});

/** Rejects instead of hanging when a pool never recovers. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function backendPid(run: (query: ReturnType<typeof dsql>) => Promise<unknown>): Promise<number> {
  const rows = (await run(dsql`select pg_backend_pid() as pid`)) as { pid: number }[];
  return rows[0].pid;
}

describe('a connection terminated inside a transaction (postgres.js #1066, #1208)', () => {
  // One connection in the pool: the next query must reuse the very slot whose backend died.
  let pool: ReturnType<typeof createDb>;
  let probe: ReturnType<typeof injector>;
  beforeEach(() => {
    pool = createDb(databaseUrl(), 1);
    probe = injector();
  });
  afterEach(async () => {
    await pool.sql.end({ timeout: 1 });
    await probe.end();
  });

  it('fails the transaction with a catchable "database unavailable" error; the process and the pool survive', async () => {
    for (let round = 0; round < 3; round++) {
      let pid = 0;
      const tx = outcome(
        pool.db.transaction(async (t) => {
          pid = await backendPid((q) => t.execute(q));
          await t.execute(dsql`select pg_sleep(30)`);
        }),
      );
      await waitFor(async () => pid !== 0 && (await probe.currentQuery(pid)).includes('pg_sleep'), 'the statement in flight');
      await probe.terminate(pid);

      const result = await within(tx, 10_000, 'the transaction');
      expect(result.ok).toBe(false);
      expect(!result.ok && isDatabaseUnavailable(result.error)).toBe(true);
      // Unpatched, the dead session's pending FATAL error is handed to this query.
      expect([...(await within(pool.db.execute(dsql`select 1 as one`), 15_000, 'the next query'))]).toEqual([{ one: 1 }]);
    }
    await watch.settle();
    expect(watch.crashes).toEqual([]);
  });

  it("never runs a transaction's later statement elsewhere once its connection is gone, even after the slot reconnected", async () => {
    const table = `fault_probe_${Math.random().toString(36).slice(2, 8)}`;
    await probe.sql.unsafe(`create table ${table} (n int not null)`);
    try {
      let pid = 0;
      let firstDone = false;
      let bodyDone = false;
      let resume = () => {};
      const paused = new Promise<void>((resolve) => {
        resume = resolve;
      });
      const tx = outcome(
        pool.db.transaction(async (t) => {
          pid = await backendPid((q) => t.execute(q));
          await t.execute(dsql.raw(`insert into ${table} values (1)`));
          firstDone = true;
          // The process is busy elsewhere (hashing a password, calling a provider) when the connection dies.
          await paused;
          try {
            await t.execute(dsql.raw(`insert into ${table} values (2)`));
          } finally {
            bodyDone = true;
          }
        }),
      );
      await waitFor(
        async () => firstDone && (await probe.sql`select state from pg_stat_activity where pid = ${pid}`)[0]?.state === 'idle in transaction',
        'the transaction to sit between statements',
      );
      await probe.terminate(pid);
      await waitFor(() => probe.isGone(pid), 'the backend to exit');
      // Another request reconnects the pool's only slot meanwhile.
      expect([...(await within(pool.db.execute(dsql`select 1 as one`), 15_000, 'the next query'))]).toEqual([{ one: 1 }]);

      resume();
      const result = await within(tx, 10_000, 'the transaction');
      expect(result.ok).toBe(false);
      await waitFor(async () => bodyDone, 'the transaction body to finish');
      await watch.settle();
      // Unpatched, the second insert ran in autocommit on the slot's new session and stayed.
      expect([...(await probe.sql.unsafe(`select n from ${table}`))]).toEqual([]);
      expect(watch.crashes).toEqual([]);
    } finally {
      await probe.sql.unsafe(`drop table if exists ${table}`);
    }
  });

  it('a reserved connection (the job queue runs its own BEGIN … COMMIT there) fails cleanly and goes back to the pool', async () => {
    const reserved = await pool.sql.reserve();
    const [{ pid }] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const sleeping = outcome(reserved`select pg_sleep(30)`);
    await waitFor(async () => (await probe.currentQuery(pid)).includes('pg_sleep'), 'the statement in flight');
    await probe.terminate(pid);

    const result = await within(sleeping, 10_000, 'the reserved query');
    expect(!result.ok && isDatabaseUnavailable(result.error)).toBe(true);
    // The dead connection is not written to (unpatched: an uncaught TypeError from a timer).
    const later = await within(outcome(reserved`select 1`), 10_000, 'a later reserved query');
    expect(!later.ok && isDatabaseUnavailable(later.error)).toBe(true);
    reserved.release();

    expect([...(await within(pool.sql`select 1 as one`, 15_000, 'the next pooled query'))]).toEqual([{ one: 1 }]);
    await watch.settle();
    expect(watch.crashes).toEqual([]);
  });
});

describe('the database server restarting under the app', () => {
  const savedUrl = process.env.DATABASE_URL;
  let dir = '';
  let server: EmbeddedServer | undefined;
  let dbUrl = '';
  let resend: Awaited<ReturnType<typeof startFakeResend>> | undefined;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-faults-pg-'));
    // The embedded server runs as its own OS user when we are root: it must reach the folder.
    fs.chmodSync(dir, 0o777);
    server = await startEmbeddedPostgres(path.join(dir, 'data'), 0);
    await createDatabase(server.url, 'sealpost_faults');
    dbUrl = withDatabase(server.url, 'sealpost_faults');
    const setup = createDb(dbUrl, 1);
    await runMigrations(setup.db);
    await ensurePriceTiers(setup.db);
    await setup.sql.end({ timeout: 5 });
    // The app's process-wide pool now points at this server.
    await stopBoss();
    await closeDb();
    process.env.DATABASE_URL = dbUrl;
    resetEnvCache();
    vi.spyOn(console, 'error').mockImplementation(() => {});
    // This process's mail workers run on the same pool.
    resend = await startFakeResend();
    await startMailWorkers();
  });

  async function startMailWorkers() {
    const transports = { email: resendTransport('re_faults', 'Sealpost <no-reply@sealpost.test>', resend?.url), sms: outboxTransport };
    await startWorkers(await getBoss(), getDb(), transports, { pollingIntervalSeconds: 0.5 });
  }

  afterAll(async () => {
    vi.restoreAllMocks();
    await stopBoss();
    await resend?.close();
    await closeDb();
    process.env.DATABASE_URL = savedUrl;
    resetEnvCache();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const ingestRequest = (key: string) =>
    new Request('http://sealpost.test/api/delivery-events', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify([
        { occurredAt: '2026-03-01T12:00:00Z', messageId: '<m1@mail.example.com>', sender: 'billing@example.com', recipient: 'person@example.org', event: 'delivered', method: 'tls' },
      ]),
    });

  async function expectMailDelivered(recipient: string) {
    const id = await getDb().transaction((tx) => queueMessage(tx, { orgId: null, channel: 'email', kind: 'test', recipient, subject: 'Hello', bodyText: 'Body', carriesSecret: false }));
    const status = async () => (await getDb().select({ status: outboxMessages.status }).from(outboxMessages).where(eq(outboxMessages.id, id)))[0]?.status;
    await waitFor(async () => (await status()) === 'sent', `the mail to ${recipient} to be sent`, 20_000);
    expect(resend?.requests.filter((r) => r.body.to[0] === recipient).map((r) => r.status)).toEqual([200]);
  }

  async function expectGeneric503(response: Response) {
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'unavailable', message: DATABASE_UNAVAILABLE_MESSAGE } });
    expect(text).not.toMatch(/select|update|api_keys|postgres|\bat \S+ \(/i);
  }

  it('answers 503 to the requests in flight and while it is down, then serves again by itself', async () => {
    const { GET: health } = await import('@/app/api/health/route');
    const { POST: ingest } = await import('@/app/api/delivery-events/route');
    const org = await createTestOrg();
    const { key } = await createApiKey({ actor: await actorFor(org.ownerId), name: 'MTA' });
    expect((await health()).status).toBe(200);
    await expectMailDelivered('before@example.org');

    // A request in flight when the server goes down: it waits on a lock another session holds.
    const holder = postgres(dbUrl, { max: 1, onnotice: () => {} });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = false;
    const holding = outcome(
      holder.begin(async (t) => {
        await t`lock table api_keys in access exclusive mode`;
        locked = true;
        await held;
      }),
    );
    await waitFor(async () => locked, 'the lock');
    const inFlight = outcome(ingest(ingestRequest(key)));
    const probe = injector(dbUrl);
    await waitFor(async () => (await probe.waitingOn('api_keys')).length > 0, 'the request to wait on the lock');
    await probe.end();

    // Fast shutdown: every backend is terminated, then the server is gone.
    await server?.stop();
    const answered = await within(inFlight, 15_000, 'the request in flight');
    expect(answered.ok).toBe(true);
    if (answered.ok) await expectGeneric503(answered.value);
    release();
    expect((await holding).ok).toBe(false);
    await holder.end({ timeout: 1 });

    // While it is down.
    const healthDown = await health();
    expect([healthDown.status, await healthDown.json()]).toEqual([503, { status: 'unavailable' }]);
    await expectGeneric503(await within(ingest(ingestRequest(key)), 15_000, 'a request while down'));

    // Back on the same port; nothing in this process is restarted or reconfigured.
    const port = new URL(dbUrl).port;
    server = await startEmbeddedPostgres(path.join(dir, 'data'), Number(port));
    expect(new URL(server.url).port).toBe(port);
    await waitFor(async () => (await health()).status === 200, 'the health check to pass again', 30_000);
    const back = await ingest(ingestRequest(key));
    expect(back.status).toBe(202);
    expect(await back.json()).toMatchObject({ accepted: 1 });
    // The job workers, started before the outage, deliver again too.
    await expectMailDelivered('after@example.org');

    await watch.settle();
    expect(watch.crashes).toEqual([]);
  });

  it('starts the job workers once the database answers, when the process started without it', async () => {
    // As instrumentation.ts does at process start, but with the database down.
    await stopBoss();
    await server?.stop();
    const failures: unknown[] = [];
    const workers = retryUntilStarted(startMailWorkers, { firstDelayMs: 200, maxDelayMs: 1000, onError: (error) => failures.push(error) });
    try {
      await waitFor(async () => failures.length >= 2, 'failed attempts while the database is down');
      expect(failures.every(isDatabaseUnavailable)).toBe(true);
      server = await startEmbeddedPostgres(path.join(dir, 'data'), Number(new URL(dbUrl).port));
      expect(await within(workers.started, 30_000, 'the workers')).toBe(true);
      await expectMailDelivered('late@example.org');
    } finally {
      workers.stop();
    }
    await watch.settle();
    expect(watch.crashes).toEqual([]);
  });
});
