import 'server-only';
import { and, asc, eq, gt, inArray, lte, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { gatewayMessages, gatewayRecipients, mailConnectors } from '@/db/schema';
import { openGatewaySubjects, rawCopyColumns } from './raw-copy';

export type AwaitingDelivery = {
  gatewayMessageId: string;
  orgId: string;
  connectorId: string | null;
  envelopeFrom: string;
  address: string;
  /** A TLS-required policy decided it: deliver over verified TLS only, never in the clear. */
  tlsRequired: boolean;
  /** `tls_required` or `plain` (no policy, or a sender without a license). */
  outcome: 'tls_required' | 'plain';
  policyId: string | null;
  /**
   * The raw message in the attachment store, sealed under its own key (null: stored plain before
   * encryption at rest): stream it with openRawCopy(store, { id: gatewayMessageId, storageKey, fileKey, fileKeyWrap, contentDestroyedAt }),
   * which refuses one whose content was destroyed with the secure message it became.
   */
  storageKey: string;
  fileKey: Buffer | null;
  fileKeyWrap: 'upload' | 'upload-kms' | null;
  contentDestroyedAt: Date | null;
  headerMessageId: string;
  sizeBytes: number;
  queuedAt: Date;
};

/**
 * Recipients waiting for SMTP delivery: left `queued_for_delivery` by the gateway, or `deferred`
 * by the delivery job (lib/mailflow/deliver-message.ts) until their next attempt; oldest first, with what delivering them needs. Keyset-paged by (queuedAt, gatewayMessageId, address)
 * so it never scans what was already handed out. All organisations by default (the engine is a
 * system worker); `orgId` narrows it. The engine moves a recipient on (its own statuses) in the
 * same transaction as its delivery events.
 */
export async function listRecipientsAwaitingDelivery(
  db: DbOrTx,
  options: { orgId?: string; limit?: number; after?: { queuedAt: Date; gatewayMessageId: string; address: string } } = {},
): Promise<AwaitingDelivery[]> {
  const after = options.after;
  const rows = await db
    .select({
      gatewayMessageId: gatewayRecipients.gatewayMessageId,
      orgId: gatewayRecipients.orgId,
      connectorId: gatewayMessages.connectorId,
      envelopeFrom: gatewayMessages.envelopeFrom,
      address: gatewayRecipients.address,
      tlsRequired: gatewayRecipients.tlsRequired,
      outcome: gatewayRecipients.outcome,
      policyId: gatewayRecipients.policyId,
      storageKey: gatewayMessages.storageKey,
      fileKey: gatewayMessages.fileKey,
      fileKeyWrap: gatewayMessages.fileKeyWrap,
      contentDestroyedAt: gatewayMessages.contentDestroyedAt,
      headerMessageId: gatewayMessages.headerMessageId,
      sizeBytes: gatewayMessages.sizeBytes,
      queuedAt: gatewayRecipients.updatedAt,
    })
    .from(gatewayRecipients)
    .innerJoin(gatewayMessages, and(eq(gatewayMessages.id, gatewayRecipients.gatewayMessageId), eq(gatewayMessages.orgId, gatewayRecipients.orgId)))
    .where(
      and(
        inArray(gatewayRecipients.status, ['queued_for_delivery', 'deferred']),
        options.orgId ? eq(gatewayRecipients.orgId, options.orgId) : undefined,
        after
          ? or(
              gt(gatewayRecipients.updatedAt, after.queuedAt),
              and(eq(gatewayRecipients.updatedAt, after.queuedAt), sql`(${gatewayRecipients.gatewayMessageId}, ${gatewayRecipients.address}) > (${after.gatewayMessageId}, ${after.address})`),
            )
          : undefined,
      ),
    )
    .orderBy(asc(gatewayRecipients.updatedAt), asc(gatewayRecipients.gatewayMessageId), asc(gatewayRecipients.address))
    .limit(options.limit ?? 100);
  return rows.map((r) => ({ ...r, outcome: r.outcome === 'tls_required' ? 'tls_required' : 'plain' }));
}

/**
 * The gateway's recent messages of one organisation, for the mail-flow page: what came in and what
 * became of it. Subjects are sealed at rest (raw-copy.ts): opened here, each with its raw copy's key.
 */
export async function listRecentGatewayMessages(db: DbOrTx, orgId: string, limit = 50) {
  const rows = await db
    .select({
      ...rawCopyColumns,
      receivedAt: gatewayMessages.receivedAt,
      envelopeFrom: gatewayMessages.envelopeFrom,
      status: gatewayMessages.status,
      failure: gatewayMessages.failure,
      senderUnlicensed: gatewayMessages.senderUnlicensed,
      deliverTo: gatewayMessages.deliverTo,
      connectorName: mailConnectors.name,
      recipients: sql<{ address: string; status: string; outcome: string | null }[]>`(
        select coalesce(json_agg(json_build_object('address', r.address, 'status', r.status, 'outcome', r.outcome) order by r.address), '[]'::json)
        from gateway_recipients r where r.gateway_message_id = ${gatewayMessages.id} and r.org_id = ${gatewayMessages.orgId})`,
    })
    .from(gatewayMessages)
    .leftJoin(mailConnectors, and(eq(mailConnectors.id, gatewayMessages.connectorId), eq(mailConnectors.orgId, gatewayMessages.orgId)))
    .where(eq(gatewayMessages.orgId, orgId))
    .orderBy(sql`${gatewayMessages.receivedAt} desc`, sql`${gatewayMessages.id} desc`)
    .limit(limit);
  return (await openGatewaySubjects(rows)).map(({ storageKey: _k, sizeBytes: _s, ...row }) => row);
}

export type MailFlowSummary = { accepted: number; delivered: number; queued: number; deferred: number; bounced: number; portal: number; failed: number };

/**
 * The dashboard's last 24 hours of mail flow: messages the gateway accepted in that time and what
 * has become of their recipients so far. Our own DSNs (null return path) are not the organisation's
 * mail, and replies coming home from the portal were not accepted by the gateway.
 */
export async function mailFlowLastDay(db: DbOrTx, orgId: string, now: Date = new Date()): Promise<MailFlowSummary> {
  const since = new Date(now.getTime() - 86_400_000);
  const [row] = await db
    .select({
      accepted: sql<number>`count(distinct ${gatewayMessages.id})::int`,
      delivered: sql<number>`count(*) filter (where ${gatewayRecipients.status} = 'delivered')::int`,
      queued: sql<number>`count(*) filter (where ${gatewayRecipients.status} in ('pending', 'queued_for_delivery'))::int`,
      deferred: sql<number>`count(*) filter (where ${gatewayRecipients.status} = 'deferred')::int`,
      bounced: sql<number>`count(*) filter (where ${gatewayRecipients.status} = 'bounced')::int`,
      portal: sql<number>`count(*) filter (where ${gatewayRecipients.status} = 'secure_message')::int`,
      failed: sql<number>`count(*) filter (where ${gatewayRecipients.status} = 'failed')::int`,
    })
    .from(gatewayMessages)
    .innerJoin(gatewayRecipients, and(eq(gatewayRecipients.gatewayMessageId, gatewayMessages.id), eq(gatewayRecipients.orgId, gatewayMessages.orgId)))
    .where(and(eq(gatewayMessages.orgId, orgId), gt(gatewayMessages.receivedAt, since), lte(gatewayMessages.receivedAt, now), sql`${gatewayMessages.envelopeFrom} <> ''`, eq(gatewayMessages.deliverTo, 'recipient_mx')));
  return row ?? { accepted: 0, delivered: 0, queued: 0, deferred: 0, bounced: 0, portal: 0, failed: 0 };
}
