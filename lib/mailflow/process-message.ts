import 'server-only';
import { log } from '@/lib/log';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '@/db/client';
import { gatewayMessages, gatewayRecipients, licensedEmails, policies } from '@/db/schema';
import { enqueueJob, QUEUES } from '@/lib/jobs/queue';
import { getBoss } from '@/lib/jobs/runtime';
import { MAX_MESSAGE_ATTACHMENT_BYTES } from '@/lib/messaging/attachments';
import { evaluatePolicies } from '@/lib/policies/evaluate';
import { senderGroupNames } from '@/lib/policies/queries';
import type { BlobStore } from '@/lib/storage/storage';
import { recipientTlsSupport } from './mx-tls';
import { copyPart, parseMime, UnreadableMessageError, type ParsedMime, type StoredPart } from './parse-mime';
import { openRawCopy, openRawCopyKey, rawCopyColumns, removeRawCopyIfFinal, sealGatewaySubject } from './raw-copy';
import { deliverAsSecureMessage, type GatewayPolicy } from './secure-delivery';

type PolicyRow = GatewayPolicy;

export type ProcessOutcome = 'processed' | 'already_processed' | 'failed' | 'not_found';

/**
 * The processing job of a message the gateway accepted (queued in the transaction before the
 * 250). Decides each recipient with the policy engine (lib/policies/evaluate.ts):
 * - secure portal / SMS two-factor: the message becomes a secure message through the same path
 *   as portal compose (createSecureMessage), from the internal sender to those recipients, with
 *   the policy's restriction, expiry and read receipt; a delivery event per recipient;
 * - TLS required / no policy: the recipient is left `queued_for_delivery` (TLS required recorded)
 *   and the SMTP delivery job is enqueued in the same transaction (deliver-message.ts).
 * A sender who is not a licensed address gets no secure processing: plain SMTP delivery.
 * Idempotent: only a message still `received` is processed, under a row lock, so a job that runs
 * twice (a crash after commit, two workers) changes nothing the second time.
 */
export async function processGatewayMessage(db: Db, id: string, options: { store: BlobStore; demo: boolean; now?: Date }): Promise<ProcessOutcome> {
  const now = options.now ?? new Date();
  const [row] = await queriesFor(db).message.execute({ id });
  if (!row) return 'not_found';
  if (row.status !== 'received') return 'already_processed';
  const { licensed, ...message } = row;
  const { orgId } = message;

  if (!licensed) {
    // Only licensed addresses get secure processing; the rest of the organisation's mail goes on as plain SMTP.
    await db.transaction(async (tx) => {
      if (!(await lockReceived(tx, id))) return;
      await tx
        .update(gatewayRecipients)
        .set({ status: 'queued_for_delivery', outcome: 'plain', tlsRequired: false, updatedAt: now })
        .where(and(eq(gatewayRecipients.gatewayMessageId, id), eq(gatewayRecipients.orgId, orgId)));
      await tx.update(gatewayMessages).set({ status: 'processed', senderUnlicensed: true, processedAt: now }).where(eq(gatewayMessages.id, id));
      await enqueueDelivery(tx, id);
    });
    return 'processed';
  }

  // Opened once: the raw copy is read with it, and the Subject mailparser decodes is sealed with it.
  const rawKey = await openRawCopyKey(message);
  let parsed: ParsedMime;
  try {
    parsed = await parseMime(await openRawCopy(options.store, message, rawKey), options.store, { maxAttachmentBytes: MAX_MESSAGE_ATTACHMENT_BYTES });
  } catch (error) {
    if (!(error instanceof UnreadableMessageError)) throw error;
    await markFailed(db, options.store, id, orgId, error.message, now);
    return 'failed';
  }

  const recipients = await queriesFor(db).recipients.execute({ id, orgId });
  const list = (await queriesFor(db).policies.execute({ orgId })) as PolicyRow[];
  const senderGroups = await senderGroupNames(db, orgId, message.envelopeFrom);
  const tls = await recipientTlsSupport(
    db,
    recipients.map((r) => r.address.split('@')[1] ?? ''),
    { demo: options.demo, now },
  );
  const decisions = evaluatePolicies(
    list,
    { subject: parsed.subject, hasAttachment: parsed.parts.some((p) => !p.inline), senderGroups },
    recipients.map((r) => ({ address: r.address, tlsCapable: tls.get(r.address.split('@')[1] ?? '') ?? false })),
  );

  // One secure message per deciding policy: each carries that policy's restriction, expiry and receipt.
  const secureGroups = new Map<string, { policy: PolicyRow; addresses: string[] }>();
  for (const d of decisions) {
    if (!d.policy || (d.outcome !== 'secure_portal' && d.outcome !== 'sms_two_factor')) continue;
    const group = secureGroups.get(d.policy.id) ?? { policy: d.policy, addresses: [] };
    group.addresses.push(d.address);
    secureGroups.set(d.policy.id, group);
  }
  // The stored parts belong to one message each (storage keys and attachment ids are unique):
  // copies for the others, each sealed again under a key of its own.
  const made: string[] = [];
  // The raw copy, when every recipient was decided for good here (all to the portal): removed after commit.
  let finished: string | null = null;
  try {
    const partSets = await partSetsFor(options.store, parsed.parts, secureGroups.size, made);

    const committed = await db.transaction(async (tx) => {
      if (!(await lockReceived(tx, id))) return false;
      let index = 0;
      for (const { policy, addresses } of secureGroups.values()) {
        const method = policy.delivery === 'sms_two_factor' ? 'sms_two_factor' : 'secure_portal';
        await deliverAsSecureMessage(tx, {
          message,
          parsed,
          parts: partSets[index++] ?? [],
          addresses,
          policy,
          method,
          outcome: method,
          diagnostic: `Delivered by secure message under the policy "${policy.name}"`,
          now,
        });
      }
      // Independent writes, sent together (one trip to the database on the transaction's connection, which runs them in order).
      const writes: PromiseLike<unknown>[] = [];
      for (const d of decisions) {
        if (d.outcome === 'secure_portal' || d.outcome === 'sms_two_factor') continue;
        writes.push(
          tx
            .update(gatewayRecipients)
            .set({ status: 'queued_for_delivery', outcome: d.outcome === 'tls_required' ? 'tls_required' : 'plain', tlsRequired: d.outcome === 'tls_required', policyId: d.policy?.id ?? null, updatedAt: now })
            .where(and(eq(gatewayRecipients.gatewayMessageId, id), eq(gatewayRecipients.address, d.address))),
        );
      }
      // The Subject as mailparser decoded it, sealed under the raw copy's key. A message accepted
      // before encryption at rest keeps its plain one until `keys migrate` seals copy and Subject.
      const subject = rawKey ? { subjectSealed: sealGatewaySubject(rawKey, message, parsed.subject), subject: null } : {};
      writes.push(tx.update(gatewayMessages).set({ status: 'processed', ...subject, processedAt: now }).where(eq(gatewayMessages.id, id)));
      if (decisions.some((d) => d.outcome !== 'secure_portal' && d.outcome !== 'sms_two_factor')) writes.push(enqueueDelivery(tx, id));
      await Promise.all(writes);
      finished = await removeRawCopyIfFinal(tx, { id, orgId, now });
      return true;
    });
    if (!committed || secureGroups.size === 0) await removeParts(options.store, parsed.parts.map((p) => p.storageKey).concat(made));
    if (finished) await removeParts(options.store, [finished]);
    return committed ? 'processed' : 'already_processed';
  } catch (error) {
    // Nothing of this run committed: its stored parts are orphans. The job retries from the raw message.
    await removeParts(options.store, parsed.parts.map((p) => p.storageKey).concat(made));
    throw error;
  }
}

/**
 * The parts for each of `count` secure messages: the parsed ones for the first, copies for the
 * others (opened and sealed again under new ids and keys). Every copy's storage key goes into
 * `made` as soon as it exists, so a failure can remove them.
 */
export async function partSetsFor(store: BlobStore, parts: StoredPart[], count: number, made: string[]): Promise<StoredPart[][]> {
  const sets: StoredPart[][] = [];
  for (let i = 0; i < count; i++) {
    if (i === 0) {
      sets.push(parts);
      continue;
    }
    const copies: StoredPart[] = [];
    for (const part of parts) {
      const copy = await copyPart(store, part);
      made.push(copy.storageKey);
      copies.push(copy);
    }
    sets.push(copies);
  }
  return sets;
}

async function removeParts(store: BlobStore, keys: string[]) {
  await Promise.all(keys.map((key) => store.delete(key).catch(() => undefined)));
}

/** The SMTP delivery job (lib/mailflow/deliver-message.ts), in the transaction that queues the recipients. */
export async function enqueueDelivery(tx: DbOrTx, id: string, startAfter?: Date) {
  await enqueueJob(await getBoss(), tx, QUEUES.deliverGatewayMessage, { id }, startAfter ? { startAfter } : {});
}

/** Locks the message row and says whether it still waits for processing (a second run finds it done). */
async function lockReceived(tx: Tx, id: string): Promise<boolean> {
  const [row] = await tx.select({ status: gatewayMessages.status }).from(gatewayMessages).where(eq(gatewayMessages.id, id)).for('update');
  return row?.status === 'received';
}

async function markFailed(db: Db, store: BlobStore, id: string, orgId: string, why: string, now: Date) {
  log('gateway').warn({ orgId, gatewayMessageId: id, why }, 'message could not be processed');
  const finished = await db.transaction(async (tx) => {
    if (!(await lockReceived(tx, id))) return null;
    await tx.update(gatewayRecipients).set({ status: 'failed', updatedAt: now }).where(and(eq(gatewayRecipients.gatewayMessageId, id), eq(gatewayRecipients.orgId, orgId)));
    await tx.update(gatewayMessages).set({ status: 'failed', failure: why.slice(0, 1000), processedAt: now }).where(eq(gatewayMessages.id, id));
    // Nothing will be sent: the unreadable copy is not kept either.
    return removeRawCopyIfFinal(tx, { id, orgId, now });
  });
  if (finished) await removeParts(store, [finished]);
}

/**
 * The job's reads, built once per database handle (Drizzle's query building was a large share of
 * the workers' CPU per message, `npm run bench -- smtp`): the message with whether its sender is a
 * licensed address, its recipients, and the organisation's enabled policies in order.
 */
function prepareQueries(db: Db) {
  return {
    message: db
      .select({
        connectorId: gatewayMessages.connectorId,
        envelopeFrom: gatewayMessages.envelopeFrom,
        headerMessageId: gatewayMessages.headerMessageId,
        ...rawCopyColumns,
        status: gatewayMessages.status,
        licensed: sql<boolean>`exists (select from ${licensedEmails} where ${licensedEmails.orgId} = ${gatewayMessages.orgId} and ${licensedEmails.email} = ${gatewayMessages.envelopeFrom})`,
      })
      .from(gatewayMessages)
      .where(eq(gatewayMessages.id, sql.placeholder('id')))
      .prepare('process_gateway_message'),
    recipients: db
      .select({ address: gatewayRecipients.address })
      .from(gatewayRecipients)
      .where(and(eq(gatewayRecipients.gatewayMessageId, sql.placeholder('id')), eq(gatewayRecipients.orgId, sql.placeholder('orgId'))))
      .orderBy(asc(gatewayRecipients.address))
      .prepare('process_gateway_recipients'),
    policies: db
      .select({
        id: policies.id,
        name: policies.name,
        conditionKind: policies.conditionKind,
        conditionValue: policies.conditionValue,
        delivery: policies.delivery,
        expireAfterDays: policies.expireAfterDays,
        readReceipt: policies.readReceipt,
        restriction: policies.restriction,
      })
      .from(policies)
      .where(and(eq(policies.orgId, sql.placeholder('orgId')), eq(policies.enabled, true)))
      .orderBy(asc(policies.position), asc(policies.createdAt))
      .prepare('process_gateway_policies'),
  };
}

const preparedQueries = new WeakMap<Db, ReturnType<typeof prepareQueries>>();
function queriesFor(db: Db): ReturnType<typeof prepareQueries> {
  let queries = preparedQueries.get(db);
  if (!queries) {
    queries = prepareQueries(db);
    preparedQueries.set(db, queries);
  }
  return queries;
}
