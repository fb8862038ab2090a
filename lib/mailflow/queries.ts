import { and, asc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { gatewayMessages, gatewayRecipients, mailConnectors } from '@/db/schema';

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
  /** The raw message in the attachment store (lib/storage): stream it with blobStore().get(). */
  storageKey: string;
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

/** The gateway's recent messages of one organisation, for the mail-flow page: what came in and what became of it. */
export async function listRecentGatewayMessages(db: DbOrTx, orgId: string, limit = 50) {
  return db
    .select({
      id: gatewayMessages.id,
      receivedAt: gatewayMessages.receivedAt,
      envelopeFrom: gatewayMessages.envelopeFrom,
      subject: gatewayMessages.subject,
      status: gatewayMessages.status,
      failure: gatewayMessages.failure,
      senderUnlicensed: gatewayMessages.senderUnlicensed,
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
}
