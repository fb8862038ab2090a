import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, createDb, getDb } from '@/db/client';
import { migrationsFolder, runMigrations } from '@/db/migrate';
import { migratePlainContent } from '@/lib/crypto/maintenance';
import { createScratchDatabase } from '@/lib/db-admin';
import { resetEnvCache } from '@/lib/env';
import { openAttachment } from '@/lib/messaging/attachments';
import { openMessage } from '@/lib/messaging/open-message';
import { listInbox, searchMessages } from '@/lib/messaging/queries';
import { reindexMessages } from '@/lib/messaging/search-index';
import { getPortalSession } from '@/lib/portal/queries';
import { localBlobStore, newStorageKey } from '@/lib/storage/storage';

/**
 * Issue #19's "done when": the canary test on a database migrated from the schema before
 * encryption at rest. A scratch database is migrated only as far as the last migration before it
 * (0024), and filled as that release's app wrote: an organisation with its domain, an internal
 * sender and an external recipient, messages with plain subject and body (one recalled), and a
 * plain attachment file. Then the upgrade runs as `npm start` runs it — the remaining migrations,
 * the sealing of plain content and files (`migratePlainContent`), the keyed search index
 * (`reindexMessages`) — and afterwards the canary is in no row of a `pg_dump` and in no file of the
 * store, while the recipient still reads, downloads and finds the message.
 */

const PG_DUMP = '/usr/lib/postgresql/15/bin/pg_dump';
const LAST_BEFORE_ENCRYPTION = '0024_delivery_route';

let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let oldMigrations = '';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-upgrade-'));
const store = localBlobStore(root);
const previousUrl = process.env.DATABASE_URL;

/** The committed migrations as they stood before encryption at rest: the journal cut after LAST_BEFORE_ENCRYPTION. */
function migrationsUpTo(tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-old-migrations-'));
  fs.cpSync(migrationsFolder, dir, { recursive: true });
  const journalFile = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { tag: string; idx: number }[] };
  const last = journal.entries.findIndex((e) => e.tag === tag);
  if (last < 0) throw new Error(`no migration ${tag}`);
  journal.entries = journal.entries.slice(0, last + 1);
  fs.writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

beforeAll(async () => {
  database = await createScratchDatabase('upgrade', previousUrl);
  oldMigrations = migrationsUpTo(LAST_BEFORE_ENCRYPTION);
  const old = createDb(database.url, 1);
  await migrate(old.db, { migrationsFolder: oldMigrations });
  await old.sql.end();
  // From here on the app's own modules work on the upgraded database.
  await closeDb();
  process.env.DATABASE_URL = database.url;
  resetEnvCache();
});

afterAll(async () => {
  await closeDb();
  process.env.DATABASE_URL = previousUrl;
  resetEnvCache();
  await database?.cleanup();
  fs.rmSync(root, { recursive: true, force: true });
  if (oldMigrations) fs.rmSync(oldMigrations, { recursive: true, force: true });
});

async function dump(): Promise<string> {
  const { stdout } = await promisify(execFile)(PG_DUMP, ['--data-only', '--no-owner', database.url], { maxBuffer: 512 * 1024 * 1024 });
  return stdout;
}

function expectAbsent(haystack: string | Buffer, canary: string) {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  expect(text.includes(canary)).toBe(false);
  expect(text.toLowerCase().includes(Buffer.from(canary).toString('hex'))).toBe(false);
}

async function readAll(stream: AsyncIterable<Buffer>) {
  const out: Buffer[] = [];
  for await (const c of stream) out.push(c);
  return Buffer.concat(out);
}

describe('upgrading a database from before encryption at rest', () => {
  it('seals what the old release stored in plain: afterwards the canary is in no dump and no file, and the recipient still reads, downloads and finds the message', async () => {
    const canary = `CANARY${randomBytes(8).toString('hex').toUpperCase()}`;
    const file = Buffer.concat([Buffer.from(`${canary} lab report\n`), randomBytes(150_000), Buffer.from(`\n${canary} end`)]);
    const ids = { org: randomUUID(), alice: randomUUID(), pat: randomUUID(), message: randomUUID(), recalled: randomUUID(), attachment: randomUUID() };
    const storageKey = newStorageKey();

    // As the release before encryption wrote them (schema 0024): plain columns, a plain file.
    await store.put(storageKey, Readable.from([file]), { maxBytes: file.length });
    const old = createDb(database.url, 1);
    await old.db.execute(sql`insert into organisations (id, name) values (${ids.org}, 'Acme Health')`);
    await old.db.execute(sql`insert into domains (org_id, domain) values (${ids.org}, 'acme-upgrade.example')`);
    await old.db.execute(sql`insert into portal_users (id, email, display_name, status) values
      (${ids.alice}, 'alice@acme-upgrade.example', 'Alice Carter', 'active'),
      (${ids.pat}, 'pat@partner-upgrade.example', 'Pat Jones', 'active')`);
    await old.db.execute(sql`insert into secure_messages (id, org_id, sender_id, direction, subject, body_html, body_text, sent_at, status) values
      (${ids.message}, ${ids.org}, ${ids.alice}, 'outbound', ${`Lab results ${canary}`}, ${`<p>Dear Pat, ${canary} is your reference.</p>`}, ${`Dear Pat, ${canary} is your reference.`}, now() - interval '2 days', 'sent'),
      (${ids.recalled}, ${ids.org}, ${ids.alice}, 'outbound', ${`Recalled ${canary}`}, ${`<p>Recalled ${canary}</p>`}, ${`Recalled ${canary}`}, now() - interval '1 day', 'recalled')`);
    for (let i = 0; i < 25; i++) {
      await old.db.execute(sql`insert into secure_messages (org_id, sender_id, direction, subject, body_html, body_text, sent_at)
        values (${ids.org}, ${ids.alice}, 'outbound', ${`Follow-up ${i}`}, ${`<p>Follow-up note ${i}</p>`}, ${`Follow-up note ${i}`}, now() - make_interval(days => ${i + 3}))`);
    }
    await old.db.execute(sql`insert into message_recipients (message_id, user_id, kind, sent_at)
      select id, ${ids.pat}, 'to', sent_at from secure_messages where org_id = ${ids.org}`);
    await old.db.execute(sql`insert into attachments (id, message_id, uploaded_by, file_name, content_type, size_bytes, sha256, storage_key) values
      (${ids.attachment}, ${ids.message}, ${ids.alice}, 'lab-report.pdf', 'application/pdf', ${file.length}, 'old', ${storageKey})`);
    await old.sql.end();
    // Before the upgrade, the canary is there for anyone holding a dump or the disk.
    expect((await dump()).includes(canary)).toBe(true);

    // The upgrade, as `npm start` does it.
    await runMigrations(getDb());
    const sealed = await migratePlainContent({ store, batch: 10 });
    expect(sealed.messages).toBe(27);
    expect(sealed.files).toBe(1);
    expect(await reindexMessages(getDb())).toBe(26);

    expectAbsent(await dump(), canary);
    const files = fs.readdirSync(root, { withFileTypes: true, recursive: true }).filter((e) => e.isFile());
    expect(files.length).toBe(1);
    for (const f of files) expectAbsent(fs.readFileSync(path.join(f.parentPath, f.name)), canary);

    // Pat still reads it, downloads its file byte for byte, and finds it by a word of its body.
    const session = await getPortalSession(getDb(), ids.pat);
    if (!session) throw new Error('no portal session for pat');
    const pat = { ...session, sessionId: randomUUID(), clientAddress: '198.51.100.9' };
    const opened = await openMessage({ user: pat, id: ids.message });
    expect(opened).toMatchObject({ subject: `Lab results ${canary}` });
    if (opened.locked || opened.recalled) throw new Error('the upgraded message does not open');
    expect(opened.bodyHtml).toContain(`${canary} is your reference`);
    const { stream } = await openAttachment({ user: pat, id: ids.attachment, store });
    expect((await readAll(stream)).equals(file)).toBe(true);
    const found = await searchMessages(getDb(), pat, canary.toLowerCase(), { limit: 10 });
    expect(found.items.map((m) => m.id)).toEqual([ids.message]);
    const inbox = await listInbox(getDb(), pat, { now: new Date(), limit: 50 });
    expect(inbox.items).toHaveLength(27);
    expect(inbox.items.find((m) => m.id === ids.recalled)?.subject).toBe('(recalled)');

    // The message recalled before the upgrade lost its content rather than gaining a key.
    const [recalled] = await getDb().execute<{ subject: string | null; data_key: Buffer | null; reason: string | null }>(
      sql`select subject, data_key, content_destroyed_reason as reason from secure_messages where id = ${ids.recalled}`,
    );
    expect(recalled).toEqual({ subject: null, data_key: null, reason: 'recalled' });
  });
});
