import { errorFields, log } from '@/lib/log';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { gatewayMessageIds, gatewayMessages, gatewayRecipients } from '@/db/schema';
import { enqueueJob, QUEUES } from '@/lib/jobs/queue';
import { getBoss } from '@/lib/jobs/runtime';
import { newStorageKey, type BlobStore } from '@/lib/storage/storage';
import type { RecognisedConnector } from './connectors';
import { HeaderSniffer } from './header-sniffer';

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
 * "Accepted means kept" (a 250 only once the message and its job are committed): streams the message into the attachment store, then in ONE
 * transaction writes the message, its recipients and its processing job. Only when this returns
 * may the gateway answer 250; any error means the message is not kept and the answer is 4xx/5xx
 * (the caller maps it). A Message-ID the connector already sent within a day is answered as
 * accepted without a second copy. Nothing is buffered whole: memory holds a chunk and, at most,
 * the header section.
 */
export async function acceptMessage(input: AcceptInput): Promise<Accepted> {
  const { db, store } = input;
  const key = newStorageKey();
  const sniffer = new HeaderSniffer(MAX_HEADER_BYTES);
  const source = input.stream;
  // pipe() alone would leave the store waiting forever when the client hangs up mid-DATA
  // (smtp-server destroys the stream without ending it): the store must fail and keep nothing.
  source.once('error', (error) => sniffer.destroy(error));
  source.once('close', () => {
    if (!source.readableEnded) sniffer.destroy(new Error('The client closed the connection during DATA.'));
  });
  source.pipe(sniffer);
  let stored: { size: number; sha256: string };
  try {
    stored = await store.put(key, sniffer, { maxBytes: input.maxBytes });
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
    const id = randomUUID();
    // The queue before the transaction: its first start takes pool connections of its own, which
    // twenty sessions each holding one in an open transaction would never give it (a deadlock).
    const boss = await getBoss();
    const result = await db.transaction(async (tx): Promise<Accepted> => {
      if (headers.messageId) {
        // Claims the Message-ID unless this connector sent it less than a day ago. The primary
        // key makes concurrent resubmissions (two connections, two processes) wait for each other.
        const claimed = await tx
          .insert(gatewayMessageIds)
          .values({ connectorId: input.connector.id, headerMessageId: headers.messageId, gatewayMessageId: id, firstSeenAt: now })
          .onConflictDoUpdate({
            target: [gatewayMessageIds.connectorId, gatewayMessageIds.headerMessageId],
            set: { gatewayMessageId: id, firstSeenAt: now },
            setWhere: sql`${gatewayMessageIds.firstSeenAt} < excluded.first_seen_at - make_interval(secs => ${DEDUPE_WINDOW_MS / 1000})`,
          })
          .returning({ id: gatewayMessageIds.gatewayMessageId });
        if (claimed.length === 0) {
          const [earlier] = await tx
            .select({ id: gatewayMessageIds.gatewayMessageId })
            .from(gatewayMessageIds)
            .where(and(eq(gatewayMessageIds.connectorId, input.connector.id), eq(gatewayMessageIds.headerMessageId, headers.messageId)));
          return { id: earlier?.id ?? '', duplicate: true };
        }
      }
      await tx.insert(gatewayMessages).values({
        id,
        orgId: input.connector.orgId,
        connectorId: input.connector.id,
        envelopeFrom: input.envelopeFrom,
        headerMessageId: headers.messageId,
        subject: headers.subject,
        sizeBytes: stored.size,
        sha256: stored.sha256,
        storageKey: key,
        clientAddress: input.clientAddress,
        receivedAt: now,
      });
      await tx.insert(gatewayRecipients).values(input.recipients.map((address) => ({ gatewayMessageId: id, orgId: input.connector.orgId, address, updatedAt: now })));
      await enqueueJob(boss, tx, QUEUES.processGatewayMessage, { id });
      return { id, duplicate: false };
    });
    kept = !result.duplicate;
    return result;
  } finally {
    if (!kept) await store.delete(key).catch((e: unknown) => log('gateway').error({ key, ...errorFields(e, false) }, 'could not remove the stored copy of a message not kept'));
  }
}
