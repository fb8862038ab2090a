import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { secureMessages } from '@/db/schema';
import { sealWithKek } from '@/lib/crypto/envelope';
import { currentKek } from '@/lib/crypto/keys';
import { listInbox } from '@/lib/messaging/queries';
import { createOrganisation } from '@/lib/organisations/create-organisation';
import { timed, type Measurement } from './harness';

const SIZE = 100_000;

/** An inbox of 100,000 messages, first page p95 under 50 ms (keyset, never OFFSET). */
export async function inboxWorkload(): Promise<Measurement> {
  const db = getDb();
  const { orgId } = await createOrganisation(db, {
    name: 'Bench Inbox',
    domains: ['inbox-bench.example'],
    owner: { name: 'Owner', email: 'owner@inbox-bench.example', password: 'Bench-Passphrase-2026', mustChangePassword: false },
  });
  await db.execute(sql`insert into portal_users (email, status) values ('sender@inbox-bench.example', 'active'), ('reader@partner-bench.example', 'active')`);
  // 100,000 messages over the last 60 days, all to one reader, sealed as every message is (each
  // with its own data key): the page opens 50 subjects.
  const [sender] = (await db.execute<{ id: string }>(sql`select id from portal_users where email = 'sender@inbox-bench.example'`)) as unknown as { id: string }[];
  const kek = await currentKek(orgId, db);
  const now = Date.now();
  for (let start = 1; start <= SIZE; start += 2000) {
    const rows = [];
    for (let g = start; g < Math.min(start + 2000, SIZE + 1); g++) {
      const id = randomUUID();
      const sealed = sealWithKek(kek, { id, orgId }, { subject: `Message ${g}`, bodyHtml: `<p>Body ${g}</p>`, bodyText: `Body ${g}` });
      rows.push({ id, orgId, senderId: sender.id, direction: 'outbound' as const, sentAt: new Date(now - g * 51_000), ...sealed });
    }
    await db.insert(secureMessages).values(rows);
  }
  await db.execute(sql`
    insert into message_recipients (message_id, user_id, kind, sent_at, read_at)
    select m.id, (select id from portal_users where email = 'reader@partner-bench.example'), 'to', m.sent_at, case when random() < 0.8 then m.sent_at end
    from secure_messages m where m.org_id = ${orgId}::uuid`);
  await db.execute(sql`analyze secure_messages; analyze message_recipients; analyze portal_users`);
  const [reader] = (await db.execute<{ id: string }>(sql`select id from portal_users where email = 'reader@partner-bench.example'`)) as unknown as { id: string }[];
  // A session of its own: the reader's SMS steps (none here) are looked up as for any portal page.
  const viewer = { id: reader.id, email: 'reader@partner-bench.example', sessionId: randomUUID() };
  for (let i = 0; i < 10; i++) await listInbox(db, viewer, { now: new Date(), limit: 50 });
  const samples: number[] = [];
  for (let i = 0; i < 100; i++) samples.push((await timed(() => listInbox(db, viewer, { now: new Date(), limit: 50 }))).ms);
  return { workload: 'inbox-first-page', size: '100,000 messages', samples, unit: 'ms', bar: 'p95 < 50 ms', met: (p95) => p95 < 50, note: '50 rows, keyset on (user, sent_at, id), 100 runs' };
}
