import 'server-only';
import { errorFields, log } from '@/lib/log';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { rawClient, type Db, type Tx } from '@/db/client';
import { gatewayMessageIds } from '@/db/schema';
import { enqueueJob, QUEUES } from '@/lib/jobs/queue';
import { getBoss } from '@/lib/jobs/runtime';
import type { BlobStore } from '@/lib/storage/storage';
import type { RecognisedConnector } from './connectors';
import { HeaderSniffer } from './header-sniffer';
import { rawCopyValues, storeRawCopy, type NewRawCopy } from './raw-copy';

/** The header section may be this large; beyond it the message is refused (a 1 MB header line is not mail). */
export const MAX_HEADER_BYTES = 256 * 1024;
/** A resubmitted Message-ID from the same connector within this time is the same message. */
export const DEDUPE_WINDOW_MS = 86_400_000;

export type AcceptInput = {
  db: Db;
  store: BlobStore;
  connector: RecognisedConnector;
  envelopeFrom: string;
  recipients: string[];
  clientAddress: string;
  stream: Readable;
  maxBytes: number;
  now?: () => Date;
};

export type Accepted = { id: string; duplicate: boolean };

/** Reads the rest of a stream into nothing, so the SMTP session can answer and go on. */
async function drain(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return;
  stream.resume();
  await once(stream, 'end').catch(() => undefined);
}

/**
 * "Accepted means kept" (a 250 only once the message and its job are committed): streams the message into the attachment store (sealed as it
 * goes, under a key of its own: raw-copy.ts; its Subject sealed under the same key), then in ONE
 * transaction writes the message, its recipients and its processing job. Only when this returns
 * may the gateway answer 250; any error means the message is not kept and the answer is 4xx/5xx
 * (the caller maps it). A Message-ID the connector already sent within a day is answered as
 * accepted without a second copy. Nothing is buffered whole: memory holds a chunk and, at most,
 * the header section.
 */
export async function acceptMessage(input: AcceptInput): Promise<Accepted> {
  const { db, store } = input;
  // The row's id first: the raw copy is sealed as it streams in, bound to it (raw-copy.ts).
  const id = randomUUID();
  const sniffer = new HeaderSniffer(MAX_HEADER_BYTES);
  const source = input.stream;
  // pipe() alone would leave the store waiting forever when the client hangs up mid-DATA
  // (smtp-server destroys the stream without ending it): the store must fail and keep nothing.
  source.once('error', (error) => sniffer.destroy(error));
  source.once('close', () => {
    if (!source.readableEnded) sniffer.destroy(new Error('The client closed the connection during DATA.'));
  });
  source.pipe(sniffer);
  let stored: NewRawCopy;
  try {
    stored = await storeRawCopy(store, { id, source: sniffer, maxBytes: input.maxBytes });
  } catch (error) {
    // The SMTP session reads the message to its end before it can answer: let the rest run off.
    source.unpipe(sniffer);
    sniffer.destroy();
    await drain(source);
    throw error;
  }

  let kept = false;
  try {
    const headers = sniffer.headers();
    const now = input.now?.() ?? new Date();
    // The queue before the transaction: its first start takes pool connections of its own, which
    // twenty sessions each holding one in an open transaction would never give it (a deadlock).
    const boss = await getBoss();
    const result = await db
      .transaction(async (tx): Promise<Accepted> => {
        // The rows and the job sent together: one trip to the database on the transaction's
        // connection, which runs them in order. A duplicate rolls the job back with the rest.
        const [rows] = await Promise.all([
          keepMessage(tx, {
            id,
            connector: input.connector,
            envelopeFrom: input.envelopeFrom,
            headerMessageId: headers.messageId,
            // The copy sealed for this row's id, and the Subject sealed under its key (no plain subject).
            copy: rawCopyValues(stored, input.connector.orgId, headers.subject),
            clientAddress: input.clientAddress,
            recipients: input.recipients,
            now,
          }),
          enqueueJob(boss, tx, QUEUES.processGatewayMessage, { id }),
        ]);
        if (!rows) throw new DuplicateMessage();
        return { id, duplicate: false };
      })
      .catch(async (error: unknown): Promise<Accepted> => {
        if (!(error instanceof DuplicateMessage)) throw error;
        // The connector sent this Message-ID less than a day ago: the answer names the message it
        // became. A statement of its own: the claim may have waited for a concurrent resubmission's
        // commit, which only a new snapshot sees.
        const [earlier] = await db
          .select({ id: gatewayMessageIds.gatewayMessageId })
          .from(gatewayMessageIds)
          .where(and(eq(gatewayMessageIds.connectorId, input.connector.id), eq(gatewayMessageIds.headerMessageId, headers.messageId)));
        return { id: earlier?.id ?? '', duplicate: true };
      });
    kept = !result.duplicate;
    return result;
  } finally {
    const key = stored.columns.storageKey;
    if (!kept) await store.delete(key).catch((e: unknown) => log('gateway').error({ key, ...errorFields(e, false) }, 'could not remove the stored copy of a message not kept'));
  }
}

/** Thrown in the accept transaction to roll it back (the job queued with the rows) when the Message-ID was already claimed. */
class DuplicateMessage extends Error {}

/**
 * The message's rows in one statement (one round trip, and SQL text built once, not per message
 * by the query builder: the gateway's hot path, `npm run bench -- smtp`): claims the Message-ID
 * unless this connector sent it less than a day ago (the primary key makes concurrent
 * resubmissions, from two connections or two processes, wait for each other), and only when
 * claimed (or the message has no Message-ID) inserts the message and its recipients. Says whether
 * the message was kept; false is a duplicate. Column for column what the schema's
 * gateway_message_ids, gateway_messages and gateway_recipients are (db/schema/mailflow.ts).
 */
const KEEP_MESSAGE = `
with claim as (
  insert into gateway_message_ids as seen (connector_id, header_message_id, gateway_message_id, first_seen_at)
  select $3::uuid, $5::text, $1::uuid, $11::timestamptz where $5::text <> ''
  on conflict (connector_id, header_message_id) do update
    set gateway_message_id = excluded.gateway_message_id, first_seen_at = excluded.first_seen_at
    where seen.first_seen_at < excluded.first_seen_at - make_interval(secs => $13::double precision)
  returning 1
), message as (
  insert into gateway_messages (id, org_id, connector_id, envelope_from, header_message_id, subject_sealed, size_bytes, sha256, storage_key, client_address, received_at, file_key, file_key_wrap)
  select $1::uuid, $2::uuid, $3::uuid, $4::text, $5::text, $6::bytea, $7::bigint, $8::text, $9::text, $10::text, $11::timestamptz, $14::bytea, $15::text
  where $5::text = '' or exists (select from claim)
  returning id
), recipients as (
  insert into gateway_recipients (gateway_message_id, org_id, address, updated_at)
  select message.id, $2::uuid, address, $11::timestamptz from message, unnest($12::text[]) as address
)
select count(*)::int as kept from message`;

async function keepMessage(
  tx: Tx,
  m: {
    id: string;
    connector: RecognisedConnector;
    envelopeFrom: string;
    headerMessageId: string;
    copy: ReturnType<typeof rawCopyValues>;
    clientAddress: string;
    recipients: string[];
    now: Date;
  },
): Promise<boolean> {
  const [row] = await rawClient(tx).unsafe<{ kept: number }[]>(KEEP_MESSAGE, [
    m.id,
    m.connector.orgId,
    m.connector.id,
    m.envelopeFrom,
    m.headerMessageId,
    m.copy.subjectSealed,
    m.copy.sizeBytes,
    m.copy.sha256,
    m.copy.storageKey,
    m.clientAddress,
    // As text: Drizzle's postgres.js client leaves timestamps to Drizzle, which sends ISO strings.
    m.now.toISOString(),
    m.recipients,
    DEDUPE_WINDOW_MS / 1000,
    m.copy.fileKey,
    m.copy.fileKeyWrap,
  ]);
  return row.kept === 1;
}
