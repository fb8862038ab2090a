import { randomBytes, randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { messageRecipients, messageSearchTokens, portalUsers, secureMessages } from '@/db/schema';
import { hashPassword } from '@/lib/auth/passwords';
import { getPortalSession } from '@/lib/portal/queries';
import { actorFor, createTestOrg } from '@/tests/factories';
import { listMonitoredMessages } from './monitoring';
import { searchMessages } from './queries';
import { recallMessage } from './recall-message';
import { sendMessageSchema } from './schemas';
import { messageTokens, orgSearchKey, parseSearch, planCondition, reindexMessages } from './search-index';
import { sendMessage } from './send-message';

let hash: Promise<string> | undefined;
async function portalUser(email: string) {
  hash ??= hashPassword('Portal-Test-Pass-42');
  const [row] = await getDb()
    .insert(portalUsers)
    .values({ email, passwordHash: await hash, status: 'active' })
    .returning({ id: portalUsers.id });
  const session = await getPortalSession(getDb(), row.id);
  if (!session) throw new Error('no session');
  return { ...session, sessionId: randomUUID() };
}
type User = Awaited<ReturnType<typeof portalUser>>;

const send = (sender: User, input: { to: string[]; subject: string; body: string }) => sendMessage({ ...sendMessageSchema.parse({ cc: [], ...input }), sender });
/** The ids found, the same both ways: from the matches (few) and walking the user's messages (many). */
const ids = async (user: User, q: string) => {
  const few = (await searchMessages(getDb(), user, q)).items.map((m) => m.id);
  const many = (await searchMessages(getDb(), user, q, { fewMatches: 0 })).items.map((m) => m.id);
  expect(many).toEqual(few);
  return few;
};

async function setup() {
  const org = await createTestOrg({ licenses: 10, licensed: 2 });
  const tag = org.domain.split('.')[0];
  const alice = await portalUser(`user0@${org.domain}`);
  const pat = await portalUser(`pat.${tag}@partner.example`);
  return { org, tag, alice, pat };
}

describe('the keyed search index', () => {
  it('finds by word, by word beginning, several words (all of them), in subject or body, case-insensitively, accents as written', async () => {
    const { alice, pat } = await setup();
    const a = await send(alice, { to: [pat.email], subject: 'Quarterly AUDIT', body: 'The pelican report is in the café.' });
    const b = await send(alice, { to: [pat.email], subject: 'Pelican sightings', body: 'Nothing about audits here.' });
    expect(await ids(pat, 'quarterly')).toEqual([a.id]);
    expect(await ids(pat, 'QUARTERLY')).toEqual([a.id]);
    expect(await ids(pat, 'pelican')).toEqual([b.id, a.id]);
    expect(await ids(pat, 'pelic')).toEqual([b.id, a.id]);
    expect(await ids(pat, 'pelican audit')).toEqual([b.id, a.id]);
    expect(await ids(pat, 'pelican quart')).toEqual([a.id]);
    expect(await ids(pat, 'sightings audits')).toEqual([b.id]);
    expect(await ids(pat, 'pelicans')).toEqual([]);
    expect(await ids(pat, 'elican')).toEqual([]);
    // As the 'simple' configuration did: case folds, accents stay.
    expect(await ids(pat, 'CAFÉ')).toEqual([a.id]);
    expect(await ids(pat, 'cafe')).toEqual([]);
    // The search syntax: alternatives and exclusions.
    expect(await ids(pat, 'sightings or quarterly')).toEqual([b.id, a.id]);
    expect(await ids(pat, 'pelican -sightings')).toEqual([a.id]);
    // A phrase finds its words, in any order (the index keeps no word order).
    expect(await ids(pat, '"pelican report"')).toEqual([a.id]);
    // The sender finds their own messages the same way; nobody else does.
    expect(await ids(alice, 'pelican quart')).toEqual([a.id]);
    const stranger = await portalUser(`eve.${randomBytes(3).toString('hex')}@elsewhere.example`);
    expect(await ids(stranger, 'pelican')).toEqual([]);
  });

  it("another organisation's key matches nothing, and an external reader finds the messages of every organisation that wrote to them", async () => {
    const one = await setup();
    const two = await createTestOrg({ licenses: 10, licensed: 1 });
    const bob = await portalUser(`user0@${two.domain}`);
    const fromOne = await send(one.alice, { to: [one.pat.email], subject: 'Heron census', body: 'Counted by the river.' });
    const fromTwo = await send(bob, { to: [one.pat.email], subject: 'Heron census too', body: 'Counted by the lake.' });
    expect(await ids(one.pat, 'heron')).toEqual([fromTwo.id, fromOne.id]);
    expect(await ids(one.pat, 'river')).toEqual([fromOne.id]);
    expect(await ids(one.pat, 'lake')).toEqual([fromTwo.id]);

    // Organisation one's message under organisation two's key: no query of the right words matches.
    const condition = planCondition(await orgSearchKey(getDb(), two.orgId), parseSearch('heron census river'));
    if (!condition) throw new Error('expected a condition');
    const crossed = await getDb().execute(sql`select t.message_id from message_search_tokens t where t.message_id = ${fromOne.id} and ${condition}`);
    expect(crossed).toHaveLength(0);
    const own = planCondition(await orgSearchKey(getDb(), one.org.orgId), parseSearch('heron census river'));
    expect(await getDb().execute(sql`select t.message_id from message_search_tokens t where t.message_id = ${fromOne.id} and ${own}`)).toHaveLength(1);
    // The two organisations' keys give disjoint tokens for the same words.
    const [k1, k2] = [await orgSearchKey(getDb(), one.org.orgId), await orgSearchKey(getDb(), two.orgId)];
    const t1 = new Set(messageTokens(k1, { subject: 'Heron census', bodyText: 'Counted by the river.' }));
    expect(messageTokens(k2, { subject: 'Heron census', bodyText: 'Counted by the river.' }).filter((t) => t1.has(t))).toEqual([]);
  });

  it('no word of a canary message is stored by the index: only numbers, none its words', async () => {
    const { alice, pat } = await setup();
    const canary = `canary${randomBytes(6).toString('hex')}`;
    const sent = await send(alice, { to: [pat.email], subject: `Subject ${canary}`, body: `Body with ${canary}zebra inside.` });
    expect(await ids(pat, canary)).toEqual([sent.id]);
    expect(await ids(pat, `${canary}zeb`)).toEqual([sent.id]);
    // What pg_dump writes of these tables is each row's text.
    const dumped = (await getDb().execute<{ row: string }>(sql`
      select t::text as row from message_search_tokens t
      union all select p::text from message_party_orgs p`)) as unknown as { row: string }[];
    const text = dumped.map((r) => r.row).join('\n');
    expect(text.length).toBeGreaterThan(0);
    expect(text.toLowerCase()).not.toContain(canary.slice(0, 8));
    expect(text).not.toMatch(/zebra|subject|inside/i);
    const [row] = await getDb().select({ tokens: messageSearchTokens.tokens }).from(messageSearchTokens).where(eq(messageSearchTokens.messageId, sent.id));
    // subject + canary + body + with + canaryzebra + inside, by their beginnings.
    expect(row.tokens.length).toBeGreaterThan(20);
    // And the plain text search column of messages is gone (delivery events keep theirs: no message content).
    const tsvectors = await getDb().execute(sql`select table_name, column_name from information_schema.columns where table_schema = 'public' and data_type = 'tsvector' and table_name <> 'delivery_events'`);
    expect(tsvectors).toHaveLength(0);
  });

  it('a recalled message is no longer found by its words, by anyone; its sender still finds it by its recipients', async () => {
    const { org, alice, pat } = await setup();
    const recalled = await send(alice, { to: [pat.email], subject: 'Flamingo merger', body: 'Closes Friday.' });
    expect(await ids(alice, 'flamingo')).toEqual([recalled.id]);
    await recallMessage({ actor: await actorFor(org.managerId), messageId: recalled.id });
    expect(await getDb().$count(messageSearchTokens, eq(messageSearchTokens.messageId, recalled.id))).toBe(0);
    expect(await ids(alice, 'flamingo')).toEqual([]);
    expect(await ids(pat, 'flamingo')).toEqual([]);
    expect(await ids(alice, pat.email)).toEqual([recalled.id]);
  });

  it('the administrators’ monitoring search finds subject words by their beginning, not body words', async () => {
    const { org, alice, pat, tag } = await setup();
    await send(alice, { to: [pat.email], subject: `Lab results ${tag}`, body: 'Osprey numbers attached.' });
    const subjects = async (search: string) => (await listMonitoredMessages(getDb(), org.orgId, { search, limit: 50 })).rows.map((r) => r.subject);
    expect(await subjects('lab RES')).toEqual([`Lab results ${tag}`]);
    expect(await subjects('osprey')).toEqual([]);
    expect(await subjects('results lab')).toEqual([`Lab results ${tag}`]);
    expect(await subjects('labs')).toEqual([]);
  });

  it('reindexMessages builds the index of messages that have none, in resumable batches, leaving recalled ones out', async () => {
    const { org, alice, pat } = await setup();
    const insert = async (subject: string, status: 'sent' | 'recalled' = 'sent') => {
      const [m] = await getDb()
        .insert(secureMessages)
        .values({ orgId: org.orgId, senderId: alice.id, direction: 'outbound', subject, bodyHtml: '<p>x</p>', bodyText: `Body of ${subject}`, sentAt: new Date(), status })
        .returning({ id: secureMessages.id });
      await getDb().insert(messageRecipients).values({ messageId: m.id, userId: pat.id, kind: 'to', sentAt: new Date() });
      return m.id;
    };
    const first = await insert('Egret one');
    const second = await insert('Egret two');
    const gone = await insert('Egret recalled', 'recalled');
    // Written before the index existed: found by nobody's words yet.
    expect(await ids(pat, 'egret')).toEqual([]);
    // A run stopped after its first batch; the next one finishes the job.
    const stop = new Error('stopped');
    await expect(
      reindexMessages(getDb(), {
        orgId: org.orgId,
        batchSize: 1,
        onProgress: () => {
          throw stop;
        },
      }),
    ).rejects.toBe(stop);
    const indexedFirst = await getDb().$count(messageSearchTokens, sql`${messageSearchTokens.messageId} in (${first}, ${second})`);
    expect(indexedFirst).toBeGreaterThanOrEqual(1);
    await reindexMessages(getDb(), { batchSize: 1, orgId: org.orgId });
    expect((await ids(pat, 'egret')).sort()).toEqual([first, second].sort());
    expect(await getDb().$count(messageSearchTokens, eq(messageSearchTokens.messageId, gone))).toBe(0);
  });
});
