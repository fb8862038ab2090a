import 'server-only';
import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '@/db/client';
import { attachments, deliveryEvents, gatewayRecipients, portalUsers } from '@/db/schema';
import { isAppError } from '@/lib/errors/app-error';
import { safeFileName } from '@/lib/messaging/attachments';
import { htmlToText, sanitizeMessageHtml, textToHtml } from '@/lib/messaging/sanitize';
import { createSecureMessage } from '@/lib/messaging/send-message';
import { withPolicy } from '@/lib/messaging/send-policy';
import { ensurePortalUser } from '@/lib/portal/accounts';
import type { ParsedMime, StoredPart } from './parse-mime';

export type GatewayPolicy = {
  id: string;
  name: string;
  conditionKind: string;
  conditionValue: string;
  delivery: 'secure_portal' | 'sms_two_factor' | 'tls_required';
  expireAfterDays: number | null;
  readReceipt: boolean;
  restriction: 'none' | 'no_print' | 'no_print_no_reply';
};

export type GatewayMessageRef = { id: string; orgId: string; connectorId: string | null; envelopeFrom: string; headerMessageId: string };

/** The Message-ID delivery events of a gateway message carry: its own, or one made from our id. */
export function eventMessageId(message: Pick<GatewayMessageRef, 'id' | 'headerMessageId'>): string {
  return message.headerMessageId || `<${message.id}@gateway.sealpost>`;
}

/**
 * Some recipients of a gateway message become one secure message (the path of portal compose,
 * createSecureMessage), from the internal sender, with the deciding policy's restriction, expiry
 * and read receipt; their gateway rows say so and each gets a delivery event. Used by the
 * processing job (portal and SMS policies) and by the delivery job (TLS required, none verified).
 */
export async function deliverAsSecureMessage(
  tx: Tx,
  input: {
    message: GatewayMessageRef;
    parsed: ParsedMime;
    /** Stored parts owned by this secure message alone (storage keys are unique). */
    parts: StoredPart[];
    addresses: string[];
    policy: GatewayPolicy | null;
    method: 'secure_portal' | 'sms_two_factor';
    /** What the recipients' `outcome` records: the policy's decision. */
    outcome: 'secure_portal' | 'sms_two_factor' | 'tls_required';
    diagnostic: string;
    now: Date;
  },
): Promise<string> {
  const { message, parsed, parts, addresses, policy, now } = input;
  const { orgId } = message;
  const sender = await ensurePortalUser(tx, message.envelopeFrom, now);
  const [senderRow] = await tx.select({ displayName: portalUsers.displayName }).from(portalUsers).where(eq(portalUsers.id, sender.id));
  const ownDomain = message.envelopeFrom.split('@')[1] ?? '';
  const options = withPolicy({ expireDays: null, restriction: 'none', readReceipt: false }, policy);
  const body = secureBody(parsed);
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
    policyId: policy?.id ?? null,
    connectorId: message.connectorId,
    attach: async (t: Tx, messageId: string) => {
      if (parts.length === 0) return;
      await t.insert(attachments).values(
        // Sealed under their own keys, still wrapped by the upload key: createSecureMessage binds
        // them to the message's data key (bindAttachmentKeys), so recall and deletion shred them too.
        parts.map((p) => ({
          id: p.id,
          messageId,
          uploadedBy: sender.id,
          fileName: safeFileName(p.fileName),
          contentType: p.contentType,
          sizeBytes: p.sizeBytes,
          sha256: p.sha256,
          storageKey: p.storageKey,
          fileKey: p.fileKey,
          fileKeyWrap: p.fileKeyWrap,
          sealed: true,
          createdAt: now,
        })),
      );
    },
    now,
  });
  await tx
    .update(gatewayRecipients)
    .set({ status: 'secure_message', outcome: input.outcome, policyId: policy?.id ?? null, secureMessageId: created.id, nextAttemptAt: null, updatedAt: now })
    .where(and(eq(gatewayRecipients.gatewayMessageId, message.id), eq(gatewayRecipients.orgId, orgId), inArray(gatewayRecipients.address, addresses)));
  await tx.insert(deliveryEvents).values(
    addresses.map((recipient) => ({
      orgId,
      occurredAt: now,
      messageId: eventMessageId(message),
      sender: message.envelopeFrom,
      recipient,
      event: 'delivered' as const,
      method: input.method,
      remoteServer: 'Sealpost secure portal',
      smtpCode: 250,
      enhancedCode: '2.0.0',
      diagnostic: input.diagnostic.slice(0, 2000),
      source: 'gateway',
    })),
  );
  return created.id;
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
