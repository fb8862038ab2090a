import 'server-only';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { deliveryEvents, gatewayMessages, gatewayRecipients } from '@/db/schema';
import { ingestRawBounce, type KnownOriginal, type RawBounceOutcome } from '@/lib/delivery/ingest-raw-bounce';
import { parseReturnPath, type ReturnPathKey } from './outbound/return-path';
import { eventMessageId } from './secure-delivery';

/**
 * Bounces at the gateway's return paths (issue #18, README "Mail flow"): the delivery job sends every
 * message from `bounce+<message>-<mac>@<bounce domain>` (outbound/return-path.ts), so a bounce
 * arriving later names its message. Such mail comes from anyone on the internet, without a
 * connector: it is taken only for those addresses, and only with a MAC that matches (a forger
 * cannot make one up, so nobody can feed us bounces that suppress arbitrary addresses) and a
 * message we still keep. What it says goes through ingestRawBounce, the path of the API's raw
 * bounces, with the message's own Message-ID, sender, recipients and route.
 */
export type BounceIntake = {
  /** The return paths' domain: the gateway's host name (SMTP_HOSTNAME). */
  domain: string;
  /** The current key first, retired ones after. */
  keys: ReturnPathKey[];
};

/** The gateway message a bounce is about. */
export type BounceTarget = { address: string; messageId: string; orgId: string };

/** Largest bounce taken: bounces that return the whole original are big, but not larger than the API's. */
export const MAX_BOUNCE_BYTES = 10 * 1024 * 1024;

/**
 * What a recipient address of an unauthenticated session stands for: 'not_ours' (no return path of
 * ours, or a MAC that does not match), 'unknown' (a real return path whose message is no longer
 * kept), or the message it belongs to.
 */
export async function bounceTargetFor(db: DbOrTx, address: string, intake: BounceIntake): Promise<BounceTarget | 'not_ours' | 'unknown'> {
  const parsed = parseReturnPath(address, { bounceDomain: intake.domain, key: intake.keys });
  if (!parsed) return 'not_ours';
  const [message] = await db.select({ orgId: gatewayMessages.orgId }).from(gatewayMessages).where(eq(gatewayMessages.id, parsed.messageId));
  return message ? { address, messageId: parsed.messageId, orgId: message.orgId } : 'unknown';
}

/**
 * Stores what one bounce says about the message at `target`: its events carry the message's
 * Message-ID (as its delivery events do), its sender and, when the report names an address the
 * message was not sent to while it had one recipient only (a forwarded mailbox reporting its final
 * address), that recipient; each event's route is the one its last delivery took.
 */
export async function receiveBounce(db: DbOrTx, input: { raw: Uint8Array; target: BounceTarget; intake: BounceIntake; now?: Date }): Promise<RawBounceOutcome> {
  const { target } = input;
  const [message] = await db
    .select({ id: gatewayMessages.id, envelopeFrom: gatewayMessages.envelopeFrom, headerMessageId: gatewayMessages.headerMessageId })
    .from(gatewayMessages)
    .where(and(eq(gatewayMessages.id, target.messageId), eq(gatewayMessages.orgId, target.orgId)));
  const recipients = message
    ? (
        await db
          .select({ address: gatewayRecipients.address })
          .from(gatewayRecipients)
          .where(and(eq(gatewayRecipients.gatewayMessageId, target.messageId), eq(gatewayRecipients.orgId, target.orgId)))
      ).map((r) => r.address)
    : [];
  const messageId = message ? eventMessageId(message) : `<${target.messageId}@gateway.sealpost>`;
  const routes: KnownOriginal['routes'] = new Map();
  if (recipients.length) {
    const attempts = await db
      .select({ recipient: deliveryEvents.recipient, method: deliveryEvents.method, tlsVersion: deliveryEvents.tlsVersion, tlsVerified: deliveryEvents.tlsVerified })
      .from(deliveryEvents)
      .where(and(eq(deliveryEvents.orgId, target.orgId), eq(deliveryEvents.messageId, messageId), eq(deliveryEvents.source, 'gateway'), eq(deliveryEvents.event, 'delivered'), inArray(deliveryEvents.recipient, recipients)))
      .orderBy(desc(deliveryEvents.id))
      .limit(1000);
    for (const a of attempts) if (!routes.has(a.recipient)) routes.set(a.recipient, { method: a.method, tlsVersion: a.tlsVersion, tlsVerified: a.tlsVerified });
  }
  return ingestRawBounce({
    orgId: target.orgId,
    raw: input.raw,
    source: 'gateway',
    options: { envelopeRecipient: target.address, returnPath: { bounceDomain: input.intake.domain, key: input.intake.keys } },
    original: { messageId, sender: message?.envelopeFrom ?? '', recipients, routes },
    now: input.now,
    db,
  });
}
