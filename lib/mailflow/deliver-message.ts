import 'server-only';
import { hkdfSync } from 'node:crypto';
import { Readable } from 'node:stream';
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { simpleParser } from 'mailparser';
import type { Db, Tx } from '@/db/client';
import { deliveryEvents, gatewayMessages, gatewayRecipients, policies } from '@/db/schema';
import { storeDeliveryEventsIn, type DeliveryEventRow } from '@/lib/delivery/ingest';
import { env } from '@/lib/env';
import { errorFields, log } from '@/lib/log';
import { queueMessage } from '@/lib/mail/queue-message';
import { MAX_MESSAGE_ATTACHMENT_BYTES } from '@/lib/messaging/attachments';
import type { BlobStore } from '@/lib/storage/storage';
import { reasonLabel } from '@/lib/suppressions/labels';
import { suppressedAmong } from '@/lib/suppressions/suppressions';
import {
  buildDsn,
  deliver,
  dsnRecipientOf,
  expire,
  parseSmartHost,
  retryAt,
  returnPathFor,
  signDkim,
  type DeliverOptions,
  type DnsResolver,
  type RecipientResult,
  type SmartHost,
  type Timeouts,
} from './outbound';
import { signingKeyFor } from './dkim-keys';
import { describeRoute, inboundRouteOf } from './inbound-route';
import { parseMime, UnreadableMessageError, type StoredPart } from './parse-mime';
import { enqueueDelivery, partSetsFor } from './process-message';
import { openGatewaySubject, openRawCopy, openRawCopyKey, rawCopyColumns, rawCopyValues, removeRawCopyIfFinal, storeRawCopy, type NewRawCopy, type RawCopyRow } from './raw-copy';
import { deliverAsSecureMessage, eventMessageId, type GatewayPolicy } from './secure-delivery';

/**
 * A claimed recipient is not due again for this long: another run of the same job (pg-boss
 * retrying after a crash) leaves it alone while the first may still be talking to the server.
 * Longer than the engine's longest session (10 minute socket timeout).
 */
const CLAIM_LEASE_MS = 30 * 60_000;
/** The header section read for a DSN's text/rfc822-headers part. */
const MAX_DSN_HEADER_BYTES = 64 * 1024;

export type DeliveryJobOptions = {
  store: BlobStore;
  /** Demo mode: the outbox stands in for every recipient's mail server (verified TLS). */
  demo: boolean;
  /** Our host name: EHLO, the bounce domain of the return paths, the DSN's Reporting-MTA. */
  hostname: string;
  /** Key of the return paths' MAC (returnPathFor). */
  returnPathKey: Buffer;
  relay: SmartHost | null;
  retryDays: number;
  /** Tests point these at local SMTP sinks; production uses DNS, port 25 and Node's CAs. */
  resolver?: DnsResolver;
  ports?: Readonly<Record<string, number>>;
  ca?: DeliverOptions['ca'];
  timeouts?: Timeouts;
  now?: Date;
};

/** The return-path key: derived from AUTH_SECRET, so no new secret to manage, and unusable for anything else. */
export function returnPathKeyFrom(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'sealpost', 'smtp return path v1', 32));
}

/** The job's settings from the configuration, with test overrides (resolver, ports, CA) on top. */
export function deliveryJobOptions(store: BlobStore, overrides: Partial<DeliveryJobOptions> = {}): DeliveryJobOptions {
  const e = env();
  return {
    store,
    demo: e.SEALPOST_DEMO,
    hostname: e.SMTP_HOSTNAME,
    // Without AUTH_SECRET (demo only: the configuration requires it otherwise) a fixed key still
    // makes well-formed return paths; demo mail never leaves the outbox.
    returnPathKey: returnPathKeyFrom(e.AUTH_SECRET ?? 'sealpost-demo-return-path'),
    relay: parseSmartHost(e.SMTP_RELAY_HOST),
    retryDays: e.SMTP_RETRY_DAYS,
    ...overrides,
  };
}

export type DeliveryRun = {
  status: 'not_found' | 'done';
  delivered: string[];
  deferred: string[];
  bounced: string[];
  securePortal: string[];
  /** When this message's job runs again (some recipient deferred or still claimed), or null. */
  nextRunAt: Date | null;
};

type Claimed = {
  address: string;
  tlsRequired: boolean;
  policyId: string | null;
  attempts: number;
  firstAttemptAt: Date | null;
};

/**
 * `suppressed`: not sent at all, the address is on the organisation's suppression list.
 * `withdrawn`: not sent at all, the secure message this mail became was recalled, deleted or
 * reached the retention end, and its raw copy went with it (no DSN: nothing of it is left to quote).
 */
type Verdict = { recipient: Claimed; result: RecipientResult; suppressed?: boolean; withdrawn?: boolean };

/** A recipient's final failure decided here, before any server was asked (no server, no SMTP code, no TLS). */
function notSent(recipient: Claimed, enhancedCode: string, diagnostic: string): RecipientResult {
  return { recipient: recipient.address, outcome: 'bounced', remoteServer: null, remoteAddress: null, smtpCode: null, enhancedCode, diagnostic, tls: null };
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

function tlsText(result: RecipientResult): string {
  if (!result.tls) return '';
  return ` (TLS ${result.tls.version ?? 'unknown version'}, certificate ${result.tls.verified ? 'verified' : 'not verified'})`;
}

/** The stored message (opened: raw-copy.ts) as a fresh stream per attempt, opened only when the engine asks for it. */
function storedMessage(store: BlobStore, message: MessageRow, key: Buffer | null): () => Readable {
  return () =>
    Readable.from(
      (async function* () {
        const source = await openRawCopy(store, message, key);
        try {
          for await (const chunk of source) yield chunk as Buffer;
        } finally {
          source.destroy();
        }
      })(),
      { objectMode: false },
    );
}

async function headerSection(store: BlobStore, message: MessageRow): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const source = await openRawCopy(store, message);
  try {
    for await (const chunk of source) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      const whole = Buffer.concat(chunks);
      const end = whole.indexOf('\r\n\r\n');
      if (end >= 0) return whole.subarray(0, end + 2);
      if (size >= MAX_DSN_HEADER_BYTES) return whole.subarray(0, MAX_DSN_HEADER_BYTES);
    }
    return Buffer.concat(chunks);
  } finally {
    source.destroy();
  }
}

/**
 * The SMTP delivery job of one gateway message (issue #17, README "Mail flow"): its recipients left
 * `queued_for_delivery` (or `deferred` and due) go to their domains' mail servers (or the smart
 * host) through the outbound engine, one call per domain and TLS mode, with the message streamed
 * from the store and a per-message VERP return path as envelope sender. Each recipient's verdict
 * becomes a delivery event and its state on `gateway_recipients`:
 * - delivered; bounced (5xx, or deferred past SMTP_RETRY_DAYS) with a DSN to the sender;
 * - deferred: the job is enqueued again for the earliest retry (retryAt);
 * - TLS required but no verified TLS: a secure message instead (never plain text).
 * Demo mode: the outbox stands in for every recipient's server (verified TLS).
 * Recipients are claimed (a lease on next_attempt_at) before the network, and the verdicts
 * written in one transaction after, so two runs of the job never deliver the same recipient twice.
 */
export async function deliverGatewayMessage(db: Db, id: string, options: DeliveryJobOptions): Promise<DeliveryRun> {
  const now = options.now ?? new Date();
  const run: DeliveryRun = { status: 'done', delivered: [], deferred: [], bounced: [], securePortal: [], nextRunAt: null };
  const [message] = await messageQueryFor(db).execute({ id });
  if (!message) return { ...run, status: 'not_found' };
  const { orgId } = message;
  const mine = and(eq(gatewayRecipients.gatewayMessageId, id), eq(gatewayRecipients.orgId, orgId));
  const waiting = inArray(gatewayRecipients.status, ['queued_for_delivery', 'deferred']);

  const claimed: Claimed[] = await db.transaction(async (tx) => {
    const rows = await tx
      .select({
        address: gatewayRecipients.address,
        tlsRequired: gatewayRecipients.tlsRequired,
        policyId: gatewayRecipients.policyId,
        attempts: gatewayRecipients.attempts,
        firstAttemptAt: gatewayRecipients.firstAttemptAt,
      })
      .from(gatewayRecipients)
      .where(and(mine, waiting, or(isNull(gatewayRecipients.nextAttemptAt), lte(gatewayRecipients.nextAttemptAt, now))))
      .orderBy(asc(gatewayRecipients.address))
      .for('update', { skipLocked: true });
    if (rows.length) {
      await tx
        .update(gatewayRecipients)
        .set({ nextAttemptAt: new Date(now.getTime() + CLAIM_LEASE_MS) })
        .where(and(mine, inArray(gatewayRecipients.address, rows.map((r) => r.address))));
    }
    return rows;
  });
  if (!claimed.length) {
    // Nothing due: a rerun after a crash finds its recipients still leased. Come back when they are due.
    run.nextRunAt = await nextDue(db, id, orgId);
    if (run.nextRunAt) await enqueueDelivery(db, id, run.nextRunAt);
    return run;
  }

  if (message.contentDestroyedAt) {
    // Its content was destroyed with the secure message it became (raw-copy.ts destroyGatewayCopies): nothing left to send.
    const withdrawn = claimed.map(
      (recipient): Verdict => ({
        recipient,
        withdrawn: true,
        result: notSent(recipient, '5.7.1', `Not sent: the message was ${message.contentDestroyedReason === 'expired' ? 'past its organisation\'s retention period' : message.contentDestroyedReason === 'deleted' ? 'deleted by its sender and every recipient' : 'recalled'} and its content destroyed before it could be delivered.`),
      }),
    );
    await recordVerdicts(db, message, withdrawn, options, now, run);
    return run;
  }

  // Suppressed addresses get nothing: a final failure, a `dropped` event and a DSN saying why.
  const suppressed = await suppressedAmong(db, orgId, claimed.map((r) => r.address));
  const skipped: Verdict[] = claimed.flatMap((recipient): Verdict[] => {
    const why = suppressed.get(recipient.address);
    if (!why) return [];
    return [
      {
        recipient,
        suppressed: true,
        result: notSent(recipient, '5.7.1', `Not sent: ${recipient.address} is on the organisation's suppression list (${reasonLabel(why.reason).toLowerCase()}${why.detail ? `: ${why.detail.slice(0, 300)}` : ''}). An administrator can remove it from Suppressions to send to it again.`),
      },
    ];
  });
  const sendable = claimed.filter((r) => !suppressed.has(r.address));
  // Counts only: addresses stay out of the log (the delivery log on /delivery-events names them).
  if (skipped.length) log('gateway').info({ orgId, gatewayMessageId: id, suppressed: skipped.length }, 'suppressed recipients not sent');
  if (skipped.length && !sendable.length) {
    await recordVerdicts(db, message, skipped, options, now, run);
    return run;
  }

  if (options.demo) {
    if (skipped.length) await recordVerdicts(db, message, skipped, options, now, run);
    await deliverToDemoOutbox(db, options.store, message, sendable, now, run);
    return run;
  }

  const returnPath = message.envelopeFrom === '' ? '' : returnPathFor({ messageId: id, bounceDomain: options.hostname, key: options.returnPathKey });
  const signing = dkimSigner(db, message, now);
  // The raw copy's key, opened once for every attempt of this run.
  const rawKey = await openRawCopyKey(message);
  if (message.deliverTo === 'inbound_route') {
    await recordVerdicts(db, message, await deliverHome(db, message, claimed, returnPath, signing, options, rawKey), options, now, run);
    return run;
  }
  const groups = new Map<string, Claimed[]>();
  for (const r of sendable) {
    const key = `${domainOf(r.address)} ${r.tlsRequired ? 'verified' : 'opportunistic'}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const verdicts: Verdict[] = [...skipped];
  for (const group of groups.values()) {
    // Signed for the sender's domain; a DSN (null return path) for its recipient's, the
    // organisation's domain it reports to.
    const signed = await signing(message.envelopeFrom ? domainOf(message.envelopeFrom) : domainOf(group[0].address), storedMessage(options.store, message, rawKey));
    const report = await deliver({
      envelope: { from: returnPath, to: group.map((r) => r.address) },
      message: signed.message,
      tls: group[0].tlsRequired ? 'verified' : 'opportunistic',
      heloName: options.hostname,
      relay: options.relay,
      resolver: options.resolver,
      ports: options.ports,
      ca: options.ca,
      timeouts: options.timeouts,
      size: message.sizeBytes + signed.signature.length,
    });
    for (const result of report.recipients) {
      const recipient = group.find((r) => r.address === result.recipient);
      if (recipient) verdicts.push({ recipient, result });
    }
  }
  await recordVerdicts(db, message, verdicts, options, now, run);
  return run;
}

/** The job's first read, built once per database handle (query building is a share of the workers' CPU per message). */
function prepareMessageQuery(db: Db) {
  return db
    .select({
      connectorId: gatewayMessages.connectorId,
      envelopeFrom: gatewayMessages.envelopeFrom,
      headerMessageId: gatewayMessages.headerMessageId,
      ...rawCopyColumns,
      contentDestroyedReason: gatewayMessages.contentDestroyedReason,
      receivedAt: gatewayMessages.receivedAt,
      deliverTo: gatewayMessages.deliverTo,
    })
    .from(gatewayMessages)
    .where(eq(gatewayMessages.id, sql.placeholder('id')))
    .prepare('deliver_gateway_message');
}

const messageQueries = new WeakMap<Db, ReturnType<typeof prepareMessageQuery>>();
function messageQueryFor(db: Db): ReturnType<typeof prepareMessageQuery> {
  let query = messageQueries.get(db);
  if (!query) {
    query = prepareMessageQuery(db);
    messageQueries.set(db, query);
  }
  return query;
}

type MessageRow = RawCopyRow & {
  connectorId: string | null;
  envelopeFrom: string;
  headerMessageId: string;
  sizeBytes: number;
  receivedAt: Date;
  deliverTo: 'recipient_mx' | 'inbound_route';
  contentDestroyedReason: 'recalled' | 'deleted' | 'expired' | null;
};

type Signing = (domain: string, message: () => Readable) => Promise<{ message: () => Readable; signature: string }>;

/**
 * DKIM: signs with the organisation's active key for `domain` (dkim-keys.ts), looked up once per
 * domain and run. Without a key the message goes as it is; a signing failure is logged and the
 * message goes unsigned (as it would without a key) rather than not at all.
 */
function dkimSigner(db: Db, message: MessageRow, now: Date): Signing {
  const keys = new Map<string, ReturnType<typeof signingKeyFor>>();
  return async (domain, stream) => {
    if (!keys.has(domain)) keys.set(domain, signingKeyFor(db, message.orgId, domain));
    const key = await keys.get(domain);
    if (!key) return { message: stream, signature: '' };
    const signed = await signDkim(stream, key, { now });
    if (signed.error) log('mailflow').warn({ orgId: message.orgId, gatewayMessageId: message.id, domain, selector: key.selector, why: signed.error }, 'DKIM signing failed: sent unsigned');
    return signed;
  };
}

/**
 * A reply coming home (reply-home.ts): to the organisation's inbound route, its own mail server,
 * instead of the recipients' MX hosts, signed for the recipients' domain (the organisation's). TLS
 * as the route requires; when it requires verified TLS and the server offers none, the copy waits
 * and is retried like a 4xx (the reply itself is in the portal already: there is nothing to fall
 * back to). Without a route any more (removed meanwhile) the copy is given up.
 */
async function deliverHome(db: Db, message: MessageRow, claimed: Claimed[], returnPath: string, signing: Signing, options: DeliveryJobOptions, rawKey: Buffer | null): Promise<Verdict[]> {
  const route = await inboundRouteOf(db, message.orgId);
  if (!route) {
    return claimed.map((recipient) => ({
      recipient,
      result: notSent(recipient, '5.3.5', 'The organisation has no inbound route any more: the reply stays in the portal only'),
    }));
  }
  const verdicts: Verdict[] = [];
  for (const group of Map.groupBy(claimed, (r) => domainOf(r.address)).values()) {
    const signed = await signing(domainOf(group[0].address), storedMessage(options.store, message, rawKey));
    const report = await deliver({
      envelope: { from: returnPath, to: group.map((r) => r.address) },
      message: signed.message,
      tls: route.tls,
      heloName: options.hostname,
      relay: { host: route.host, port: route.port, implicitTls: route.port === 465 },
      resolver: options.resolver,
      ports: options.ports,
      ca: options.ca,
      timeouts: options.timeouts,
      size: message.sizeBytes + signed.signature.length,
    });
    for (const result of report.recipients) {
      const recipient = group.find((r) => r.address === result.recipient);
      if (!recipient) continue;
      verdicts.push({
        recipient,
        result:
          result.outcome === 'tls_unavailable'
            ? { ...result, outcome: 'deferred', enhancedCode: '4.7.5', diagnostic: `The inbound route ${describeRoute(route)} offers no verified TLS; nothing was sent: ${result.diagnostic}` }
            : result,
      });
    }
  }
  return verdicts;
}

async function nextDue(db: Db | Tx, id: string, orgId: string): Promise<Date | null> {
  const [row] = await db
    .select({ at: gatewayRecipients.nextAttemptAt })
    .from(gatewayRecipients)
    .where(and(eq(gatewayRecipients.gatewayMessageId, id), eq(gatewayRecipients.orgId, orgId), inArray(gatewayRecipients.status, ['queued_for_delivery', 'deferred'])))
    .orderBy(asc(gatewayRecipients.nextAttemptAt))
    .limit(1);
  return row?.at ?? null;
}

/** Demo mode: each recipient's copy lands in the outbox (channel email) and counts as delivered over verified TLS. */
async function deliverToDemoOutbox(db: Db, store: BlobStore, message: MessageRow, claimed: Claimed[], now: Date, run: DeliveryRun) {
  const key = await openRawCopyKey(message);
  const parsed = await simpleParser(await openRawCopy(store, message, key), { skipHtmlToText: false, skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  const subject = (parsed.subject ?? (await openGatewaySubject(message, key))).replace(/[\r\n]+/g, ' ').slice(0, 998);
  const text = parsed.text ?? '';
  const home = message.deliverTo === 'inbound_route';
  const finished = await db.transaction(async (tx) => {
    for (const r of claimed) {
      await queueMessage(tx, { orgId: message.orgId, channel: 'email', kind: home ? 'reply_home' : 'relayed_mail', recipient: r.address, subject, bodyText: text, carriesSecret: false });
    }
    await tx
      .update(gatewayRecipients)
      .set({ status: 'delivered', attempts: 1, firstAttemptAt: now, lastAttemptAt: now, nextAttemptAt: null, updatedAt: now })
      .where(and(eq(gatewayRecipients.gatewayMessageId, message.id), eq(gatewayRecipients.orgId, message.orgId), inArray(gatewayRecipients.address, claimed.map((r) => r.address))));
    await tx.insert(deliveryEvents).values(
      claimed.map((r) => ({
        orgId: message.orgId,
        occurredAt: now,
        messageId: eventMessageId(message),
        sender: message.envelopeFrom || '<>',
        recipient: r.address,
        event: 'delivered' as const,
        method: 'tls' as const,
        remoteServer: 'Sealpost demo outbox',
        smtpCode: 250,
        enhancedCode: '2.0.0',
        diagnostic: home
          ? 'Demo mode: delivered to the outbox, which stands in for the organisation\'s inbound route (TLS, certificate verified)'
          : 'Demo mode: delivered to the outbox, which stands in for the recipient\'s mail server (TLS, certificate verified)',
        tlsVerified: true,
        source: 'gateway',
      })),
    );
    return removeRawCopyIfFinal(tx, { id: message.id, orgId: message.orgId, now });
  });
  if (finished) await store.delete(finished).catch((error: unknown) => log('mailflow').error({ orgId: message.orgId, gatewayMessageId: message.id, ...errorFields(error, false) }, 'could not remove a delivered message\'s raw copy'));
  run.delivered.push(...claimed.map((r) => r.address));
}

type Final = { recipient: Claimed; result: RecipientResult; next: Date | null; suppressed?: boolean; withdrawn?: boolean };

/**
 * The delivery event of one verdict. No reason or class: storeDeliveryEventsIn gives it
 * Sealpost's (the classifier's), as for every other event, and a hard bounce suppresses.
 */
function eventOf(message: MessageRow, f: Final, now: Date): DeliveryEventRow {
  const { result } = f;
  const event = f.suppressed || f.withdrawn ? 'dropped' : result.outcome === 'delivered' ? 'delivered' : result.outcome === 'bounced' ? 'bounced' : 'deferred';
  const where = result.remoteAddress ? ` [${result.remoteAddress}]` : '';
  return {
    occurredAt: now,
    messageId: eventMessageId(message),
    sender: message.envelopeFrom || '<>',
    recipient: f.recipient.address,
    event,
    method: result.tls ? 'tls' : 'plain',
    remoteServer: result.remoteServer ?? '',
    smtpCode: result.smtpCode,
    enhancedCode: result.enhancedCode,
    diagnostic: `${result.diagnostic}${tlsText(result)}${where}`.slice(0, 2000),
    bounceClass: null,
    // A suppressed address was not tried: no reason of the classifier's, the diagnostic says why.
    ...(f.suppressed || f.withdrawn ? { reason: null, reportedClass: null } : {}),
    dsnAction: event === 'bounced' ? 'failed' : event === 'deferred' ? 'delayed' : '',
    tlsVersion: result.tls?.version ?? '',
    tlsVerified: result.tls ? result.tls.verified : null,
  };
}

async function recordVerdicts(db: Db, message: MessageRow, verdicts: Verdict[], options: DeliveryJobOptions, now: Date, run: DeliveryRun) {
  const { store } = options;
  const finals: Final[] = [];
  const fallback: Verdict[] = [];
  for (const v of verdicts) {
    if (v.result.outcome === 'tls_unavailable') {
      fallback.push(v);
      continue;
    }
    let result = v.result;
    let next: Date | null = null;
    if (result.outcome === 'deferred') {
      next = retryAt({ attempts: v.recipient.attempts + 1, firstAttemptAt: v.recipient.firstAttemptAt ?? now, now, retryDays: options.retryDays });
      if (!next) result = expire(result, options.retryDays);
    }
    finals.push({ recipient: v.recipient, result, next, suppressed: v.suppressed, withdrawn: v.withdrawn });
  }

  // Made in the store before the transaction; removed again when it does not commit.
  const made: string[] = [];
  // The raw copy, once this run made every recipient's delivery final: removed after commit.
  let finished: string | null = null;
  try {
    // TLS required and no verified TLS: the secure portal, never plain text.
    const portalGroups: { policy: GatewayPolicy | null; verdicts: Verdict[]; parts: StoredPart[] }[] = [];
    let parsed: Awaited<ReturnType<typeof parseMime>> | null = null;
    if (fallback.length) {
      try {
        parsed = await parseMime(await openRawCopy(store, message), store, { maxAttachmentBytes: MAX_MESSAGE_ATTACHMENT_BYTES });
        made.push(...parsed.parts.map((p) => p.storageKey));
      } catch (error) {
        if (!(error instanceof UnreadableMessageError)) throw error;
        for (const v of fallback) {
          finals.push({
            recipient: v.recipient,
            next: null,
            result: { ...v.result, outcome: 'bounced', enhancedCode: '5.7.10', diagnostic: `TLS is required and ${v.result.remoteServer ?? 'the recipient\'s server'} offers no verified TLS; the message could not be made a secure message either: ${error.message}` },
          });
        }
      }
    }
    if (parsed) {
      const ids = [...new Set(fallback.map((v) => v.recipient.policyId).filter((p): p is string => p !== null))];
      const rows = ids.length
        ? ((await db
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
            .where(and(eq(policies.orgId, message.orgId), inArray(policies.id, ids)))) as GatewayPolicy[])
        : [];
      const byPolicy = new Map<string, Verdict[]>();
      for (const v of fallback) byPolicy.set(v.recipient.policyId ?? '', [...(byPolicy.get(v.recipient.policyId ?? '') ?? []), v]);
      const sets = await partSetsFor(store, parsed.parts, byPolicy.size, made);
      let i = 0;
      for (const [policyId, group] of byPolicy) {
        portalGroups.push({ policy: rows.find((p) => p.id === policyId) ?? null, verdicts: group, parts: sets[i++] ?? [] });
      }
    }

    // Final failures tell the sender (never for a message with the null return path: no bounce of a bounce).
    const bounced = finals.filter((f) => f.result.outcome === 'bounced' && !f.withdrawn);
    let dsn: NewRawCopy | null = null;
    // A reply coming home is a copy of a message the portal holds: its failure is a bounce event in
    // the delivery log, not a DSN to the external correspondent (whose reply did arrive).
    if (bounced.length && message.envelopeFrom !== '' && message.deliverTo !== 'inbound_route') {
      const built = await buildDsn({
        reportingMta: options.hostname,
        returnPath: message.envelopeFrom,
        arrivalDate: message.receivedAt,
        originalHeaders: await headerSection(store, message),
        originalMessageId: message.headerMessageId || null,
        recipients: bounced.map((f) => dsnRecipientOf(f.result, { lastAttemptAt: now })),
        now,
      });
      if (built) {
        // Sealed like every raw copy: it quotes the original's header section, Subject included.
        dsn = await storeRawCopy(store, { source: Readable.from([built.raw]), maxBytes: built.raw.length });
        made.push(dsn.columns.storageKey);
      }
    }

    await db.transaction(async (tx) => {
      const mine = and(eq(gatewayRecipients.gatewayMessageId, message.id), eq(gatewayRecipients.orgId, message.orgId));
      // The recipients' states and their events, sent together (one trip to the database on the transaction's connection, which runs them in order).
      const writes: PromiseLike<unknown>[] = [];
      for (const f of finals) {
        const status = f.result.outcome === 'delivered' ? 'delivered' : f.result.outcome === 'bounced' ? 'bounced' : 'deferred';
        writes.push(
          tx
            .update(gatewayRecipients)
            .set({ status, attempts: f.recipient.attempts + 1, firstAttemptAt: f.recipient.firstAttemptAt ?? now, lastAttemptAt: now, nextAttemptAt: f.next, updatedAt: now })
            .where(and(mine, eq(gatewayRecipients.address, f.recipient.address))),
        );
        run[status].push(f.recipient.address);
      }
      if (finals.length) writes.push(storeDeliveryEventsIn(tx, message.orgId, finals.map((f) => eventOf(message, f, now)), 'gateway', now));
      await Promise.all(writes);
      if (parsed) {
        for (const group of portalGroups) {
          const addresses = group.verdicts.map((v) => v.recipient.address);
          const why = group.verdicts[0].result;
          await deliverAsSecureMessage(tx, {
            message,
            parsed,
            parts: group.parts,
            addresses,
            policy: group.policy,
            method: 'secure_portal',
            outcome: 'tls_required',
            diagnostic: `TLS is required but ${why.remoteServer ?? 'the recipient\'s mail server'} offered no verified TLS (${why.diagnostic}); nothing was sent by SMTP: delivered by secure message instead`,
            now,
          });
          await tx
            .update(gatewayRecipients)
            .set({ attempts: group.verdicts[0].recipient.attempts + 1, lastAttemptAt: now })
            .where(and(mine, inArray(gatewayRecipients.address, addresses)));
          run.securePortal.push(...addresses);
        }
      }
      if (dsn) {
        // The DSN goes the way of any gateway message to one recipient: the delivery job takes it
        // to the sender's domain (in demo mode, the outbox), with the null return path.
        const [row] = await tx
          .insert(gatewayMessages)
          .values({
            orgId: message.orgId,
            envelopeFrom: '',
            ...rawCopyValues(dsn, message.orgId, 'Undelivered Mail Returned to Sender'),
            // It quotes the original's header section: destroyed with it (raw-copy.ts destroyGatewayCopies).
            reportOf: message.id,
            status: 'processed',
            receivedAt: now,
            processedAt: now,
          })
          .returning({ id: gatewayMessages.id });
        await tx.insert(gatewayRecipients).values({ gatewayMessageId: row.id, orgId: message.orgId, address: message.envelopeFrom, status: 'queued_for_delivery', outcome: 'plain', tlsRequired: false, updatedAt: now });
        await enqueueDelivery(tx, row.id);
      }
      run.nextRunAt = await nextDue(tx, message.id, message.orgId);
      if (run.nextRunAt) await enqueueDelivery(tx, message.id, run.nextRunAt);
      finished = await removeRawCopyIfFinal(tx, { id: message.id, orgId: message.orgId, now });
    });
    made.length = 0;
  } finally {
    await Promise.all(made.map((key) => store.delete(key).catch(() => undefined)));
  }
  const removed: string | null = finished;
  if (removed) await store.delete(removed).catch((error: unknown) => log('mailflow').error({ orgId: message.orgId, gatewayMessageId: message.id, ...errorFields(error, false) }, 'could not remove a delivered message\'s raw copy'));
}

/**
 * Hourly: recipients waiting for SMTP whose job is gone get one again — queued before the
 * delivery job existed (messages accepted before this release), or a job that failed past its
 * retries. "Gone" is: queued an hour ago and never tried, or due for an hour. A second job for a
 * recipient that still has one is harmless: the claim lets only one of them deliver.
 */
export async function resumeStalledDeliveries(db: Db, now: Date): Promise<number> {
  const hourAgo = new Date(now.getTime() - 3_600_000);
  const rows = await db
    .selectDistinct({ id: gatewayRecipients.gatewayMessageId })
    .from(gatewayRecipients)
    .where(
      and(
        inArray(gatewayRecipients.status, ['queued_for_delivery', 'deferred']),
        or(and(isNull(gatewayRecipients.nextAttemptAt), lt(gatewayRecipients.updatedAt, hourAgo)), lt(gatewayRecipients.nextAttemptAt, hourAgo)),
      ),
    )
    .limit(1000);
  for (const row of rows) await enqueueDelivery(db, row.id);
  return rows.length;
}
