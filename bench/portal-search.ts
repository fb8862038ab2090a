import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { searchMessages } from '@/lib/messaging/queries';
import { reindexMessages } from '@/lib/messaging/search-index';
import { createOrganisation } from '@/lib/organisations/create-organisation';
import { timed, type Measurement } from './harness';

const SIZE = 100_000;
const VOCABULARY = 5_000;

/**
 * Pronounceable made-up words, the same every run: `VOCABULARY` of them, 3 to 11 letters.
 * Word i is drawn with a Zipf-like weight (index = VOCABULARY^random), as in real text: a few
 * words in most messages, most words in few.
 */
function vocabulary(): string[] {
  const consonants = 'bcdfghjklmnprstvwz';
  const vowels = 'aeiou';
  // mulberry32: a small seeded generator, so every run has the same words.
  let seed = 42;
  const next = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const words = new Set<string>();
  while (words.size < VOCABULARY) {
    const syllables = 1 + Math.floor(next() * 4);
    let word = '';
    for (let s = 0; s < syllables; s++) word += consonants[Math.floor(next() * consonants.length)] + vowels[Math.floor(next() * vowels.length)] + (next() < 0.3 ? consonants[Math.floor(next() * consonants.length)] : '');
    if (word.length >= 3) words.add(word);
  }
  return [...words];
}

/**
 * Portal search (subject, body, sender, recipients, across all dates) for a reader with
 * 100,000 messages of 4 subject and 30 body words each; p95 under 100 ms over a mix of queries:
 * a common word, a rare one, a word beginning, two words, a word no message has, a sender.
 * The messages are inserted in bulk, then given their keyed index by `reindexMessages` (the
 * backfill of an existing database), whose rate is reported too.
 */
export async function portalSearchWorkload(): Promise<Measurement[]> {
  const db = getDb();
  const { orgId } = await createOrganisation(db, {
    name: 'Bench Portal Search',
    domains: ['search-bench.example'],
    owner: { name: 'Owner', email: 'owner@search-bench.example', password: 'Bench-Passphrase-2026', mustChangePassword: false },
  });
  const words = vocabulary();
  await db.execute(sql`insert into portal_users (email, display_name, status)
    select 'sender' || g || '@search-bench.example', 'Sender ' || g, 'active' from generate_series(1, 20) g`);
  await db.execute(sql`insert into portal_users (email, display_name, status) values ('reader@partner-search.example', 'Robin Reader', 'active')`);
  const vocab = `{${words.join(',')}}`;
  const pick = sql`(${vocab}::text[])[floor(power(${VOCABULARY}::float8, random()))::int]`;
  await db.execute(sql`
    insert into secure_messages (org_id, sender_id, direction, subject, body_html, body_text, sent_at)
    select ${orgId}::uuid, (select id from portal_users where email = 'sender' || (1 + g % 20) || '@search-bench.example'), 'outbound',
           s.subject, '<p>' || b.body || '</p>', b.body, now() - (g * interval '51 seconds')
    from generate_series(1, ${SIZE}) g
    cross join lateral (select string_agg(${pick}, ' ') as subject from generate_series(1, 4) w where g > 0) s
    cross join lateral (select string_agg(${pick}, ' ') as body from generate_series(1, 30) w where g > 0) b`);
  await db.execute(sql`
    insert into message_recipients (message_id, user_id, kind, sent_at, read_at)
    select m.id, (select id from portal_users where email = 'reader@partner-search.example'), 'to', m.sent_at, m.sent_at
    from secure_messages m where m.org_id = ${orgId}::uuid`);
  const started = process.hrtime.bigint();
  const indexed = await reindexMessages(db, { batchSize: 1000 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const prepared = `index built for ${indexed.toLocaleString('en-US')} messages in ${seconds.toFixed(1)} s (${Math.round(indexed / seconds)}/s)`;
  await db.execute(sql`analyze`);
  const [reader] = (await db.execute<{ id: string }>(sql`select id from portal_users where email = 'reader@partner-search.example'`)) as unknown as { id: string }[];
  const viewer = { id: reader.id, email: 'reader@partner-search.example', sessionId: randomUUID() };

  // words[0] is in most messages, words[40] in about one in twenty, words[4000] in a handful.
  const queries = [words[0], words[40], words[4000], words[300].slice(0, 3), `${words[1]} ${words[60]}`, 'zzqx', 'Sender 7'];
  for (const q of queries) await searchMessages(db, viewer, q, { limit: 50 });
  const samples: number[] = [];
  const perQuery = new Map<string, number[]>();
  for (let i = 0; i < 20; i++) {
    for (const q of queries) {
      const { ms } = await timed(() => searchMessages(db, viewer, q, { limit: 50 }));
      samples.push(ms);
      perQuery.set(q, [...(perQuery.get(q) ?? []), ms]);
    }
  }
  const worst = [...perQuery.entries()].map(([q, ms]) => `${q}: ${Math.max(...ms).toFixed(0)}`).join(', ');
  return [
    {
      workload: 'portal-search',
      size: '100,000 messages',
      samples,
      unit: 'ms',
      bar: 'p95 < 100 ms',
      met: (p95) => p95 < 100,
      note: `first page of 50, ${queries.length} queries × 20 runs; slowest per query (ms) ${worst}; ${prepared}`,
    },
  ];
}
