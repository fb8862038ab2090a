import 'server-only';
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '@/db/client';
import { messagePartyOrgs, messageSearchTokens } from '@/db/schema';
import { openMessageContent } from '@/lib/crypto/envelope';
import { organisationKey } from '@/lib/crypto/keys';

/**
 * The keyed search index of secure messages (issue 19): subject and body are searched without a
 * plain word in the database. Each word is normalised as PostgreSQL's 'simple' text search
 * configuration did (lower case, accents kept, split on anything that is not a letter, mark or
 * digit) and stored, with each of its beginnings, as a 64-bit HMAC-SHA256 under the message's
 * organisation's search key: a query computes the same HMACs of its words and looks them up in a
 * GIN index. What the index reveals is in the README ("What the search index reveals").
 *
 * - A word of two characters or more is stored by each beginning of at least MIN_PREFIX characters
 *   up to the word itself (`pelican`: pe, pel, …, pelican), so a query word finds the words it begins;
 *   a one-character word is stored as itself and a one-character query word finds only it.
 * - Words are cut to MAX_WORD characters (a longer word is found by its first MAX_WORD).
 * - A message stores at most MAX_TOKENS tokens (its first words; the subject first).
 * - Subject and body tokens differ (the field is part of the HMAC input): the portal searches both,
 *   the administrators' monitoring page the subject only, as before.
 */
export const MIN_PREFIX = 2;
export const MAX_WORD = 40;
export const MAX_TOKENS = 20_000;
/** Words of a query past this many are ignored (as the previous prefix query did). */
export const MAX_QUERY_WORDS = 20;

export type SearchField = 'subject' | 'body';
const FIELD_TAG: Record<SearchField, string> = { subject: 's', body: 'b' };

const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/** The words of a text, normalised, each once, in order of first appearance, cut to MAX_WORD characters. */
export function indexWords(text: string): string[] {
  const words = new Set<string>();
  for (const match of text.normalize('NFC').toLowerCase().matchAll(WORD)) words.add(cut(match[0]));
  return [...words];
}

/** A word cut to MAX_WORD characters (code points, so a surrogate pair is never split). */
function cut(word: string): string {
  if (word.length <= MAX_WORD) return word;
  return Array.from(word).slice(0, MAX_WORD).join('');
}

/** What a word is stored as: itself when one character long, otherwise each beginning of MIN_PREFIX characters or more. */
export function wordTerms(word: string): string[] {
  const chars = Array.from(word);
  if (chars.length < MIN_PREFIX) return [word];
  const terms: string[] = [];
  for (let n = MIN_PREFIX; n <= chars.length; n++) terms.push(chars.slice(0, n).join(''));
  return terms;
}

/** The token of one term of one field under a search key: the first 8 bytes of HMAC-SHA256, as a signed 64-bit integer. */
export function termToken(key: Buffer, field: SearchField, term: string): bigint {
  return createHmac('sha256', keyObject(key)).update(`${FIELD_TAG[field]}\u0000${term}`).digest().readBigInt64BE(0);
}

// A key imported once is about twice as fast to HMAC with as raw bytes imported on every call.
const imported = new WeakMap<Buffer, KeyObject>();
function keyObject(key: Buffer): KeyObject {
  let object = imported.get(key);
  if (!object) {
    object = createSecretKey(key);
    imported.set(key, object);
  }
  return object;
}

/** The tokens a query word matches in a field: its own term (a query word is looked up as a beginning). */
function queryToken(key: Buffer, field: SearchField, word: string): bigint {
  return termToken(key, field, word);
}

/** Every token of a message (subject then body), each once, at most MAX_TOKENS. */
export function messageTokens(key: Buffer, content: { subject: string; bodyText: string }): bigint[] {
  const tokens = new Set<bigint>();
  for (const [field, text] of [
    ['subject', content.subject],
    ['body', content.bodyText],
  ] as const) {
    for (const word of indexWords(text)) {
      const terms = wordTerms(word);
      if (tokens.size + terms.length > MAX_TOKENS) return [...tokens];
      for (const term of terms) tokens.add(termToken(key, field, term));
    }
  }
  return [...tokens];
}

/** The organisation's search key: derived from its root key (lib/crypto/keys.ts), the same across key rotations. */
export function orgSearchKey(db: DbOrTx, orgId: string): Promise<Buffer> {
  return organisationKey(orgId, 'search', db);
}

/** The organisations a portal user has messages with (sent or received). */
export async function partyOrgIds(db: DbOrTx, userId: string): Promise<string[]> {
  const rows = await db.select({ orgId: messagePartyOrgs.orgId }).from(messagePartyOrgs).where(eq(messagePartyOrgs.userId, userId));
  return rows.map((r) => r.orgId);
}

/** A bigint[] literal for one parameter (decimal digits and signs only). */
export function bigintArray(tokens: readonly bigint[]): string {
  return `{${tokens.join(',')}}`;
}

/**
 * Stores a message's tokens, in the caller's transaction (the one creating the message), and
 * records the organisation for its sender and recipients so their searches compute tokens under
 * its key.
 */
export async function indexMessage(
  tx: DbOrTx,
  input: { messageId: string; orgId: string; subject: string; bodyText: string; partyIds: string[] },
): Promise<void> {
  const tokens = messageTokens(await orgSearchKey(tx, input.orgId), input);
  await tx
    .insert(messageSearchTokens)
    .values({ messageId: input.messageId, orgId: input.orgId, tokens })
    .onConflictDoUpdate({ target: messageSearchTokens.messageId, set: { tokens, orgId: input.orgId } });
  await recordParties(tx, input.orgId, input.partyIds);
}

/** Records that these portal users have messages of the organisation (idempotent). */
export async function recordParties(tx: DbOrTx, orgId: string, userIds: string[]): Promise<void> {
  const unique = [...new Set(userIds)].sort();
  if (unique.length === 0) return;
  await tx
    .insert(messagePartyOrgs)
    .values(unique.map((userId) => ({ userId, orgId })))
    .onConflictDoNothing();
}

/**
 * Removes a message's tokens: called in the transaction that destroys its data key (recall,
 * deletion by every party, the end of retention), so what can no longer be read can no longer
 * be found by its words either.
 */
export async function deleteSearchTokens(tx: DbOrTx, messageId: string): Promise<void> {
  await tx.delete(messageSearchTokens).where(sql`${messageSearchTokens.messageId} = ${messageId}`);
}

/** One term of a query: words that must all begin words of the message (a quoted phrase, or one word), or must not (`-`). */
export type SearchLiteral = { negate: boolean; words: string[] };
/** A query: any of its groups matches; a group matches when all its literals do. */
export type SearchPlan = SearchLiteral[][];

/**
 * Reads a portal query as web search engines (and PostgreSQL's websearch_to_tsquery, used
 * before) do: words and "quoted phrases" must all be found, `-word` must not, and `or` between
 * terms offers alternatives (`a b or c`: a and b, or c). Every word is matched by its beginning;
 * a quoted phrase finds its words in any order and place (the index keeps no word order: it would
 * tell more about the message). Punctuation is ignored, as in an indexed text.
 */
export function parseSearch(query: string): SearchPlan {
  const groups: SearchLiteral[][] = [[]];
  let budget = MAX_QUERY_WORDS;
  for (const match of query.matchAll(/(-?)"([^"]*)"?|(\S+)/g)) {
    const [, minus, phrase, bare] = match;
    if (bare !== undefined && /^or$/i.test(bare)) {
      if (groups.at(-1)?.length) groups.push([]);
      continue;
    }
    const negate = bare !== undefined ? bare.startsWith('-') && bare.length > 1 : minus === '-';
    const words = indexWords(phrase ?? bare ?? '').slice(0, budget);
    if (words.length === 0) continue;
    budget -= words.length;
    groups.at(-1)?.push({ negate, words });
    if (budget === 0) break;
  }
  return groups.filter((group) => group.length > 0);
}

/** Every distinct word of a query, for the subject-only search of the monitoring page (all must begin subject words). */
export function plainSearchWords(query: string): string[] {
  return indexWords(query).slice(0, MAX_QUERY_WORDS);
}

const tokenArray = (tokens: bigint[]) => sql`${bigintArray(tokens)}::bigint[]`;

/**
 * The condition, on a row `t` of message_search_tokens, that a message of one organisation
 * matches the plan (subject or body, each word by its beginning); null when the plan has nothing.
 */
export function planCondition(key: Buffer, plan: SearchPlan, column: SQL = sql`t.tokens`): SQL | null {
  if (plan.length === 0) return null;
  const literal = (l: SearchLiteral) => {
    const all = sql.join(
      l.words.map((w) => sql`${column} && ${tokenArray([queryToken(key, 'subject', w), queryToken(key, 'body', w)])}`),
      sql` and `,
    );
    return l.negate ? sql`not (${all})` : sql`(${all})`;
  };
  return sql`(${sql.join(
    plan.map((group) => sql`(${sql.join(group.map(literal), sql` and `)})`),
    sql` or `,
  )})`;
}

/** The condition that every word begins a word of the subject; null without words. */
export function subjectCondition(key: Buffer, words: string[], column: SQL = sql`t.tokens`): SQL | null {
  if (words.length === 0) return null;
  return sql`${column} @> ${tokenArray(words.map((w) => queryToken(key, 'subject', w)))}`;
}

/**
 * Builds the index of every message that has none (those sent before the keyed index existed),
 * in batches of `batchSize` by message id, each batch in its own transaction: resumable (a stopped
 * run picks up where the index is missing), and the app keeps serving meanwhile. A recalled
 * message is left out (its content is gone for everyone but its sender, and its key with it).
 * `onProgress` hears the running count after each batch.
 */
export async function reindexMessages(
  db: Db,
  options: { batchSize?: number; onProgress?: (done: number, remaining: number) => void; /** Only this organisation's messages. */ orgId?: string } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  const pending = sql`m.status = 'sent' and m.content_destroyed_at is null and not exists (select 1 from message_search_tokens t where t.message_id = m.id)${options.orgId ? sql` and m.org_id = ${options.orgId}::uuid` : sql``}`;
  const [{ n: total }] = (await db.execute<{ n: number }>(sql`select count(*)::int as n from secure_messages m where ${pending}`)) as unknown as { n: number }[];
  let done = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    type Row = { id: string; org_id: string; subject: string | null; body_html: string | null; body_text: string | null; data_key: Buffer | null; key_version: number | null; subject_sealed: Buffer | null; body_sealed: Buffer | null; parties: string[] };
    const batch = (await db.execute<Row>(sql`
      select m.id, m.org_id, m.subject, m.body_html, m.body_text, m.data_key, m.key_version, m.subject_sealed, m.body_sealed,
        array(select r.user_id from message_recipients r where r.message_id = m.id) || m.sender_id as parties
      from secure_messages m
      where ${pending} and m.id > ${after}::uuid
      order by m.id
      limit ${batchSize}`)) as unknown as Row[];
    if (batch.length === 0) break;
    await db.transaction(async (tx) => {
      const values: (typeof messageSearchTokens.$inferInsert)[] = [];
      const parties = new Map<string, { userId: string; orgId: string }>();
      for (const row of batch) {
        // Sealed content is opened with the message's own key (plain rows not yet sealed read as they are).
        // A message that cannot be opened (its key version gone) is left out rather than stopping the run.
        const content = await openMessageContent(
          { id: row.id, orgId: row.org_id, subject: row.subject, bodyHtml: row.body_html, bodyText: row.body_text, dataKey: row.data_key, keyVersion: row.key_version, subjectSealed: row.subject_sealed, bodySealed: row.body_sealed },
          tx,
        ).catch(() => null);
        if (!content) continue;
        values.push({ messageId: row.id, orgId: row.org_id, tokens: messageTokens(await orgSearchKey(tx, row.org_id), { subject: content.subject, bodyText: content.bodyText }) });
        for (const userId of row.parties) parties.set(`${userId}:${row.org_id}`, { userId, orgId: row.org_id });
      }
      // One statement each for the batch: a row per message, a row per (person, organisation).
      if (values.length) await tx.insert(messageSearchTokens).values(values).onConflictDoNothing();
      const pairs = [...parties.values()].sort((a, b) => a.userId.localeCompare(b.userId) || a.orgId.localeCompare(b.orgId));
      for (let i = 0; i < pairs.length; i += 1000) await tx.insert(messagePartyOrgs).values(pairs.slice(i, i + 1000)).onConflictDoNothing();
    });
    done += batch.length;
    after = batch[batch.length - 1].id;
    options.onProgress?.(done, Math.max(0, total - done));
  }
  return done;
}
