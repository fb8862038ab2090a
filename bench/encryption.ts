import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { sql } from 'drizzle-orm';
import { createDb, getDb } from '@/db/client';
import { hashPassword } from '@/lib/auth/passwords';
import { KEY_BYTES, currentKek } from '@/lib/crypto/keys';
import { rotateKeys } from '@/lib/crypto/maintenance';
import { wrapDataKey } from '@/lib/crypto/envelope';
import { issueDraftId, openAttachment, uploadAttachment } from '@/lib/messaging/attachments';
import { createOrganisation } from '@/lib/organisations/create-organisation';
import { localBlobStore, newStorageKey } from '@/lib/storage/storage';
import { BENCH_PORT, signInOverHttp, startApp, type BenchApp } from './app-server';
import { percentile, type Measurement } from './harness';

const MB = 1024 * 1024;
const FILE_BYTES = 50 * MB;
const RUNS = 5;
/** Over HTTP the figures scatter more (two processes, the client and the server, share two cores): more runs for a steady median. */
const HTTP_RUNS = 15;
const ROTATION_KEYS = 100_000;
const PORTAL_PASSWORD = 'Bench-Portal-Passphrase-2026';

const PATTERN = randomBytes(64 * 1024);

/**
 * 50 MB in 64 KiB chunks, as a request body arrives: each chunk a buffer of its own (as a socket
 * read gives), never the file whole.
 */
function fiftyMegabytes(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= FILE_BYTES) return void this.push(null);
      sent += PATTERN.length;
      this.push(Buffer.from(PATTERN));
    },
  });
}

async function drain(stream: Readable): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) bytes += chunk.length;
  return bytes;
}

function timedMs<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  return fn().then((value) => ({ ms: performance.now() - started, value }));
}

/**
 * What sealing costs a 50 MB upload and download, in process, for information: the product's path
 * today (`uploadAttachment`: sealed in 1 MiB segments on the sealing thread while the event loop
 * reads on, the row written; `openAttachment`: its key opened, every segment authenticated) beside
 * the bare store (the bytes streamed in, hashed and counted, and streamed back), alternating, five
 * runs each, on a local store in a temporary folder. The process's resident memory is sampled to
 * show it stays flat (a 50 MB file is never held whole). Issue #19's bar, no more than 10% slower
 * than before, is the user's upload and download over HTTP against the release before encryption:
 * `attachment-http` with BENCH_BEFORE_DIR. Here a read from the page cache (20 to 50 ms for 50 MB)
 * is set against the same read with the cipher, so the download's ratio shows the cipher alone.
 */
export async function attachmentWorkload(): Promise<Measurement[]> {
  const db = getDb();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-attachment-bench-'));
  const store = localBlobStore(root);
  await db.execute(sql`insert into portal_users (email, display_name, status) values ('uploader@attachment-bench.example', 'Uma Uploader', 'active') on conflict do nothing`);
  const [user] = await db.execute<{ id: string }>(sql`select id from portal_users where email = 'uploader@attachment-bench.example'`);
  const viewer = { id: user.id, email: 'uploader@attachment-bench.example', sessionId: 'bench' };
  const times = { plainUp: [] as number[], plainDown: [] as number[], sealedUp: [] as number[], sealedDown: [] as number[] };
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
  try {
    for (let run = 0; run < RUNS + 1; run++) {
      // Before: straight into the store and back, hashed and counted on the way in.
      const key = newStorageKey();
      const hash = createHash('sha256');
      let size = 0;
      const counted = fiftyMegabytes().pipe(
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            size += chunk.length;
            hash.update(chunk);
            done(null, chunk);
          },
        }),
      );
      const plainUp = await timedMs(() => store.put(key, counted, { maxBytes: FILE_BYTES }));
      hash.digest('hex');
      const plainDown = await timedMs(async () => drain(await store.get(key)));
      if (plainDown.value !== FILE_BYTES || size !== FILE_BYTES) throw new Error('the plain copy came back short');
      await store.delete(key);

      // After: the product's upload and download.
      const draftId = issueDraftId(user.id);
      const sealedUp = await timedMs(() => uploadAttachment({ user, draftId, fileName: 'scan.pdf', contentType: 'application/pdf', body: fiftyMegabytes(), declaredSize: FILE_BYTES, store }));
      const sealedDown = await timedMs(async () => drain((await openAttachment({ user: viewer, id: sealedUp.value.id, store })).stream));
      if (sealedDown.value !== FILE_BYTES) throw new Error('the sealed copy came back short');
      await db.execute(sql`delete from attachments where id = ${sealedUp.value.id}`);
      if (run === 0) continue; // warm-up
      times.plainUp.push(plainUp.ms);
      times.plainDown.push(plainDown.ms);
      times.sealedUp.push(sealedUp.ms);
      times.sealedDown.push(sealedDown.ms);
    }
  } finally {
    clearInterval(sampler);
    fs.rmSync(root, { recursive: true, force: true });
  }
  const median = (values: number[]) => percentile(values, 50);
  const upRatio = median(times.sealedUp) / median(times.plainUp);
  const downRatio = median(times.sealedDown) / median(times.plainDown);
  const growth = Math.round((rssPeak - rssBefore) / MB);
  const rows = (direction: 'upload' | 'download', sealed: number[], plain: number[], ratio: number): Measurement => ({
    workload: `attachment 50 MB ${direction}`,
    size: `${RUNS} runs each, alternating`,
    samples: sealed,
    unit: 'ms',
    bar: 'information (the bar: attachment-http)',
    note: `sealed median ${median(sealed).toFixed(0)} ms vs the bare store ${median(plain).toFixed(0)} ms: ${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%; ${(FILE_BYTES / MB / (median(sealed) / 1000)).toFixed(0)} MB/s; resident memory grew at most ${growth} MB`,
  });
  return [rows('upload', times.sealedUp, times.plainUp, upRatio), rows('download', times.sealedDown, times.plainDown, downRatio)];
}

/**
 * Issue #19's rotation bar: `rotateKeys` (what `npm run keys -- rotate` runs) rewraps ≥ 5,000
 * data keys a second. One organisation with 100,000 message data keys under version 1 of its
 * key-encryption key (real wrapped keys, inserted in bulk); the rotation to version 2 is timed
 * end to end, and every key is checked to be under the new version afterwards.
 */
export async function rotationWorkload(): Promise<Measurement> {
  const db = getDb();
  const { orgId } = await createOrganisation(db, {
    name: 'Bench Rotation',
    domains: ['rotation-bench.example'],
    owner: { name: 'Owner', email: 'owner@rotation-bench.example', password: 'Bench-Passphrase-2026', mustChangePassword: false },
  });
  await db.execute(sql`insert into portal_users (email, display_name, status) values ('sender@rotation-bench.example', 'Sam Sender', 'active') on conflict do nothing`);
  const [sender] = await db.execute<{ id: string }>(sql`select id from portal_users where email = 'sender@rotation-bench.example'`);
  const kek = await currentKek(orgId, db);
  for (let done = 0; done < ROTATION_KEYS; done += 10_000) {
    const ids: string[] = [];
    const keys: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const id = crypto.randomUUID();
      ids.push(id);
      keys.push(wrapDataKey(kek.key, randomBytes(KEY_BYTES), { id, orgId }, kek.version).toString('hex'));
    }
    await db.execute(sql`
      insert into secure_messages (id, org_id, sender_id, direction, data_key, key_version, subject_sealed, body_sealed, sent_at)
      select v.id, ${orgId}::uuid, ${sender.id}::uuid, 'outbound', decode(v.k, 'hex'), ${kek.version}, '\\x00'::bytea, '\\x00'::bytea, now()
      from (select unnest(${`{${ids.join(',')}}`}::uuid[]) as id, unnest(${`{${keys.join(',')}}`}::text[]) as k) v`);
  }
  const result = await rotateKeys({ orgId });
  const [left] = await db.execute<{ n: number }>(sql`select count(*)::int as n from secure_messages where org_id = ${orgId} and key_version <> ${kek.version + 1}`);
  const rate = result.rewrapped / result.seconds;
  return {
    workload: 'key rotation',
    size: `${ROTATION_KEYS.toLocaleString('en')} data keys`,
    samples: [result.seconds * 1000],
    unit: 'ms',
    throughput: rate,
    bar: '≥ 5,000 keys/s rewrapped',
    met: () => rate >= 5000 && result.rewrapped === ROTATION_KEYS && left.n === 0,
    note: `${result.rewrapped.toLocaleString('en')} rewrapped in ${result.seconds.toFixed(1)} s, ${left.n} left under the old version, ${result.retired} old version retired`,
  };
}

/**
 * Issue #19's attachment bar as a user meets it: a 50 MB upload (`POST /secure/attachments`) and
 * download (`GET /secure/attachments/[id]`) over HTTP through `next start`, signed in as a portal
 * user. With `BENCH_BEFORE_DIR` naming another checkout, built there (the release before
 * encryption at rest, e.g. `git worktree add ../before 6fcdf59`, then `npm ci && npx next build`
 * in it), both apps run side by side on databases of their own and the requests alternate between
 * them, fifteen each way after a warm-up, so the machine's drift hits both alike. The draft ids are
 * signed with the apps' AUTH_SECRET, which the caller sets here too (bench/run.ts).
 */
export async function attachmentHttpWorkload(makeDatabase: () => Promise<string>, beforeDir: string | undefined): Promise<Measurement[]> {
  const apps: { name: string; app: BenchApp; cookie: string; userId: string; db: ReturnType<typeof createDb> }[] = [];
  try {
    for (const [name, dir, port] of [['today', process.cwd(), BENCH_PORT], ...(beforeDir ? [['before', path.resolve(beforeDir), BENCH_PORT + 1]] : [])] as [string, string, number][]) {
      const url = await makeDatabase();
      const app = await startApp(url, port, dir);
      const handle = createDb(url, 1);
      const [user] = await handle.db.execute<{ id: string }>(sql`insert into portal_users (email, display_name, status, password_hash)
        values ('uploader@attachment-bench.example', 'Uma Uploader', 'active', ${await hashPassword(PORTAL_PASSWORD)}) returning id`);
      apps.push({ name, app, db: handle, userId: user.id, cookie: await signInOverHttp(app.base, 'uploader@attachment-bench.example', PORTAL_PASSWORD, 'portal') });
    }
    const times = new Map(apps.map((a) => [a.name, { up: [] as number[], down: [] as number[] }]));
    for (let run = 0; run < HTTP_RUNS + 1; run++) {
      for (const a of run % 2 === 0 ? apps : [...apps].reverse()) {
        const started = performance.now();
        const upload = await fetch(`${a.app.base}/secure/attachments`, {
          method: 'POST',
          headers: { cookie: a.cookie, 'content-type': 'application/pdf', 'x-file-name': 'scan.pdf', 'x-draft-id': issueDraftId(a.userId), 'content-length': String(FILE_BYTES) },
          body: Readable.toWeb(fiftyMegabytes()) as ReadableStream<Uint8Array>,
          duplex: 'half',
        } as RequestInit);
        if (upload.status !== 201) throw new Error(`${a.name}: upload answered ${upload.status}: ${await upload.text()}`);
        const { id } = (await upload.json()) as { id: string };
        const uploaded = performance.now();
        const download = await fetch(`${a.app.base}/secure/attachments/${id}`, { headers: { cookie: a.cookie } });
        if (!download.ok || !download.body) throw new Error(`${a.name}: download answered ${download.status}`);
        let bytes = 0;
        for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
        if (bytes !== FILE_BYTES) throw new Error(`${a.name}: the download came back with ${bytes} bytes`);
        const done = performance.now();
        // Not counted: the upload's row goes, so the unsent files never reach the 200 MB a user may have waiting.
        await a.db.db.execute(sql`delete from attachments where id = ${id}`);
        if (run === 0) continue; // warm-up
        times.get(a.name)?.up.push(uploaded - started);
        times.get(a.name)?.down.push(done - uploaded);
      }
    }
    const median = (values: number[]) => percentile(values, 50);
    const today = times.get('today');
    const before = times.get('before');
    if (!today) throw new Error('no figures');
    return (['up', 'down'] as const).map((direction) => {
      const ratio = before ? median(today[direction]) / median(before[direction]) : NaN;
      return {
        workload: `attachment 50 MB ${direction === 'up' ? 'upload' : 'download'} over HTTP`,
        size: `${HTTP_RUNS} runs${before ? ' each, alternating with the build before' : ''}`,
        samples: today[direction],
        unit: 'ms',
        bar: '≤ 10% slower than before',
        met: () => ratio <= 1.1,
        note: before
          ? `today median ${median(today[direction]).toFixed(0)} ms vs before (${beforeDir}) ${median(before[direction]).toFixed(0)} ms: ${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`
          : `today median ${median(today[direction]).toFixed(0)} ms; set BENCH_BEFORE_DIR to a built checkout of the release before to compare`,
      };
    });
  } finally {
    for (const a of apps) {
      await a.db.sql.end();
      await a.app.stop();
    }
  }
}
