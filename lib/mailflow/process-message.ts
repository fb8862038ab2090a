import { log } from '@/lib/log';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db, Tx } from '@/db/client';
import { attachments, deliveryEvents, gatewayMessages, gatewayRecipients, licensedEmails, policies, portalUsers } from '@/db/schema';
import { isAppError } from '@/lib/errors/app-error';
import { MAX_MESSAGE_ATTACHMENT_BYTES, safeFileName } from '@/lib/messaging/attachments';
import { htmlToText, sanitizeMessageHtml, textToHtml } from '@/lib/messaging/sanitize';
import { createSecureMessage } from '@/lib/messaging/send-message';
import { withPolicy } from '@/lib/messaging/send-policy';
import { ensurePortalUser } from '@/lib/portal/accounts';
import { evaluatePolicies } from '@/lib/policies/evaluate';
import { senderGroupNames } from '@/lib/policies/queries';
import { newStorageKey, type BlobStore } from '@/lib/storage/storage';
import { recipientTlsSupport } from './mx-tls';
import { parseMime, UnreadableMessageError, type ParsedMime, type StoredPart } from './parse-mime';

type PolicyRow = {
  id: string;
  name: string;
  conditionKind: string;
  conditionValue: string;
  delivery: 'secure_portal' | 'sms_two_factor' | 'tls_required';
  expireAfterDays: number | null;
  readReceipt: boolean;
  restriction: 'none' | 'no_print' | 'no_print_no_reply';
};

export type ProcessOutcome = 'processed' | 'already_processed' | 'failed' | 'not_found';

/**
 * The processing job of a message the gateway accepted (queued in the transaction before the
 * 250). Decides each recipient with the policy engine (lib/policies/evaluate.ts):
 * - secure portal / SMS two-factor: the message becomes a secure message through the same path
 *   as portal compose (createSecureMessage), from the internal sender to those recipients, with
 *   the policy's restriction, expiry and read receipt; a delivery event per recipient;
 * - TLS required / no policy: the recipient is left `queued_for_delivery` (TLS required recorded)
 *   for the outbound engine (listRecipientsAwaitingDelivery).
 * A sender who is not a licensed address gets no secure processing: plain SMTP delivery.
 * Idempotent: only a message still `received` is processed, under a row lock, so a job that runs
 * twice (a crash after commit, two workers) changes nothing the second time.
 */
export async function processGatewayMessage(db: Db, id: string, options: { store: BlobStore; demo: boolean; now?: Date }): Promise<ProcessOutcome> {
  const now = options.now ?? new Date();
  const [message] = await db
    .select({
      id: gatewayMessages.id,
      orgId: gatewayMessages.orgId,
      connectorId: gatewayMessages.connectorId,
      envelopeFrom: gatewayMessages.envelopeFrom,
      headerMessageId: gatewayMessages.headerMessageId,
      storageKey: gatewayMessages.storageKey,
      status: gatewayMessages.status,
    })
    .from(gatewayMessages)
    .where(eq(gatewayMessages.id, id));
  if (!message) return 'not_found';
  if (message.status !== 'received') return 'already_processed';
  const { orgId } = message;

  const [licensed] = await db
    .select({ id: licensedEmails.id })
    .from(licensedEmails)
    .where(and(eq(licensedEmails.orgId, orgId), eq(licensedEmails.email, message.envelopeFrom)));
  if (!licensed) {
    // Only licensed addresses get secure processing; the rest of the organisation's mail goes on as plain SMTP.
    await db.transaction(async (tx) => {
      if (!(await lockReceived(tx, id))) return;
      await tx
        .update(gatewayRecipients)
        .set({ status: 'queued_for_delivery', outcome: 'plain', tlsRequired: false, updatedAt: now })
        .where(and(eq(gatewayRecipients.gatewayMessageId, id), eq(gatewayRecipients.orgId, orgId)));
      await tx.update(gatewayMessages).set({ status: 'processed', senderUnlicensed: true, processedAt: now }).where(eq(gatewayMessages.id, id));
    });
    return 'processed';
  }

  let parsed: ParsedMime;
  try {
    parsed = await parseMime(await options.store.get(message.storageKey), options.store, { maxAttachmentBytes: MAX_MESSAGE_ATTACHMENT_BYTES });
  } catch (error) {
    if (!(error instanceof UnreadableMessageError)) throw error;
    await markFailed(db, id, orgId, error.message, now);
    return 'failed';
  }

  const recipients = await db
    .select({ address: gatewayRecipients.address })
    .from(gatewayRecipients)
    .where(and(eq(gatewayRecipients.gatewayMessageId, id), eq(gatewayRecipients.orgId, orgId)))
    .orderBy(asc(gatewayRecipients.address));
  const list = (await db
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
    .where(and(eq(policies.orgId, orgId), eq(policies.enabled, true)))
    .orderBy(asc(policies.position), asc(policies.createdAt))) as PolicyRow[];
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
  // The stored parts belong to one message each (storage keys are unique): copies for the others.
  const partSets: StoredPart[][] = [];
  const made: string[] = [];
  try {
    let first = true;
    for (let i = 0; i < secureGroups.size; i++) {
      if (first) {
        partSets.push(parsed.parts);
        first = false;
        continue;
      }
      const copies: StoredPart[] = [];
      for (const part of parsed.parts) {
        const key = newStorageKey();
        const stored = await options.store.put(key, await options.store.get(part.storageKey), { maxBytes: part.sizeBytes });
        made.push(key);
        copies.push({ ...part, storageKey: key, sha256: stored.sha256 });
      }
      partSets.push(copies);
    }

    const body = secureBody(parsed);
    const committed = await db.transaction(async (tx) => {
      if (!(await lockReceived(tx, id))) return false;
      const sender = await ensurePortalUser(tx, message.envelopeFrom, now);
      const [senderRow] = await tx.select({ displayName: portalUsers.displayName }).from(portalUsers).where(eq(portalUsers.id, sender.id));
      const ownDomain = message.envelopeFrom.split('@')[1] ?? '';
      let index = 0;
      for (const { policy, addresses } of secureGroups.values()) {
        const parts = partSets[index++] ?? [];
        const options = withPolicy({ expireDays: null, restriction: 'none', readReceipt: false }, policy);
        const created = await createSecureMessage(tx, {
          orgId,
          sender: { id: sender.id, email: message.envelopeFrom, displayName: senderRow?.displayName || parsed.fromName.slice(0, 200) },
          direction: 'outbound',
          subject: parsed.subject.trim() || '(no subject)',
          bodyHtml: body.html,
          bodyText: body.text,
          recipients: addresses.map((a) => [a, parsed.cc.has(a) ? 'cc' : 'to'] as const),
          external: addresses.filter((a) => (a.split('@')[1] ?? '') !== ownDomain),
          expireDays: options.expireDays,
          restriction: options.restriction,
          readReceipt: options.readReceipt,
          policyId: policy.id,
          connectorId: message.connectorId,
          attach: async (t: Tx, messageId: string) => {
            if (parts.length === 0) return;
            await t.insert(attachments).values(
              parts.map((p) => ({ messageId, uploadedBy: sender.id, fileName: safeFileName(p.fileName), contentType: p.contentType, sizeBytes: p.sizeBytes, sha256: p.sha256, storageKey: p.storageKey, createdAt: now })),
            );
          },
          now,
        });
        await tx
          .update(gatewayRecipients)
          .set({ status: 'secure_message', outcome: policy.delivery === 'sms_two_factor' ? 'sms_two_factor' : 'secure_portal', policyId: policy.id, secureMessageId: created.id, updatedAt: now })
          .where(and(eq(gatewayRecipients.gatewayMessageId, id), inArray(gatewayRecipients.address, addresses)));
        await tx.insert(deliveryEvents).values(
          addresses.map((recipient) => ({
            orgId,
            occurredAt: now,
            messageId: message.headerMessageId || `<${id}@gateway.sealpost>`,
            sender: message.envelopeFrom,
            recipient,
            event: 'delivered' as const,
            method: policy.delivery === 'sms_two_factor' ? ('sms_two_factor' as const) : ('secure_portal' as const),
            remoteServer: 'Sealpost secure portal',
            smtpCode: 250,
            enhancedCode: '2.0.0',
            diagnostic: `Delivered by secure message under the policy "${policy.name}"`,
            source: 'gateway',
          })),
        );
      }
      for (const d of decisions) {
        if (d.outcome === 'secure_portal' || d.outcome === 'sms_two_factor') continue;
        await tx
          .update(gatewayRecipients)
          .set({ status: 'queued_for_delivery', outcome: d.outcome === 'tls_required' ? 'tls_required' : 'plain', tlsRequired: d.outcome === 'tls_required', policyId: d.policy?.id ?? null, updatedAt: now })
          .where(and(eq(gatewayRecipients.gatewayMessageId, id), eq(gatewayRecipients.address, d.address)));
      }
      await tx.update(gatewayMessages).set({ status: 'processed', subject: parsed.subject.slice(0, 998), processedAt: now }).where(eq(gatewayMessages.id, id));
      return true;
    });
    if (!committed || secureGroups.size === 0) await removeParts(options.store, parsed.parts.map((p) => p.storageKey).concat(made));
    return committed ? 'processed' : 'already_processed';
  } catch (error) {
    // Nothing of this run committed: its stored parts are orphans. The job retries from the raw message.
    await removeParts(options.store, parsed.parts.map((p) => p.storageKey).concat(made));
    throw error;
  }
}

async function removeParts(store: BlobStore, keys: string[]) {
  await Promise.all(keys.map((key) => store.delete(key).catch(() => undefined)));
}

/** Locks the message row and says whether it still waits for processing (a second run finds it done). */
async function lockReceived(tx: Tx, id: string): Promise<boolean> {
  const [row] = await tx.select({ status: gatewayMessages.status }).from(gatewayMessages).where(eq(gatewayMessages.id, id)).for('update');
  return row?.status === 'received';
}

async function markFailed(db: Db, id: string, orgId: string, why: string, now: Date) {
  log('gateway').warn({ orgId, gatewayMessageId: id, why }, 'message could not be processed');
  await db.transaction(async (tx) => {
    if (!(await lockReceived(tx, id))) return;
    await tx.update(gatewayRecipients).set({ status: 'failed', updatedAt: now }).where(and(eq(gatewayRecipients.gatewayMessageId, id), eq(gatewayRecipients.orgId, orgId)));
    await tx.update(gatewayMessages).set({ status: 'failed', failure: why.slice(0, 1000), processedAt: now }).where(eq(gatewayMessages.id, id));
  });
}

/**
 * The body as a secure message stores it: the HTML part sanitised like composed mail, or the
 * text part when there is no HTML or the HTML is refused (too large, nested too deep).
 */
function secureBody(parsed: ParsedMime): { html: string; text: string } {
  const attempt = (make: () => string) => {
    try {
      const html = make();
      return { html, text: htmlToText(html) };
    } catch (error) {
      if (isAppError(error)) return null;
      throw error;
    }
  };
  return (
    (parsed.html ? attempt(() => sanitizeMessageHtml(parsed.html)) : null) ??
    attempt(() => sanitizeMessageHtml(textToHtml(parsed.text))) ?? {
      html: sanitizeMessageHtml(textToHtml('The body of this message was too large to show here.')),
      text: 'The body of this message was too large to show here.',
    }
  );
}
