import 'server-only';
import { randomUUID } from 'node:crypto';
import type { DbOrTx } from '@/db/client';
import { outboxAttachments, outboxMessages, type OutboxAttachmentSource } from '@/db/schema';
import { ingestDeliveryEvents } from '@/lib/delivery/ingest';
import { enqueueJob, QUEUES } from '@/lib/jobs/queue';
import { suppressedAmong } from '@/lib/suppressions/suppressions';
import { reasonLabel } from '@/lib/suppressions/labels';
import { getBoss } from '@/lib/jobs/runtime';

export type QueueMessageInput = {
  orgId: string | null;
  channel: 'email' | 'sms';
  kind: string;
  recipient: string;
  subject?: string;
  bodyText: string;
  bodyHtml?: string;
  /**
   * The body holds a secret (a reset, activation or invitation link, an SMS code): its stored copy
   * is redacted once a real transport has taken it. Every caller says, so none forgets.
   */
  carriesSecret: boolean;
  /**
   * Files to send with the email. One given by `source` is made by the delivery job (an invoice's
   * PDF: rendering it does not belong in the transaction that queues the mail) and then kept.
   */
  attachments?: QueuedAttachment[];
};

export type QueuedAttachment = { filename: string; contentType: string } & ({ content: Buffer } | { source: OutboxAttachmentSource });

/** Header injection guard: a recipient or subject never carries CR or LF. */
function singleLine(value: string, field: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`${field} must be a single line`);
  return value.trim();
}

/**
 * Writes the message to the outbox and enqueues its delivery job, both in the caller's
 * transaction: the message exists, and will be sent, exactly when the change commits.
 */
export async function queueMessage(tx: DbOrTx, input: QueueMessageInput): Promise<string> {
  const id = randomUUID();
  await tx.insert(outboxMessages).values({
    id,
    orgId: input.orgId,
    channel: input.channel,
    kind: input.kind,
    recipient: singleLine(input.recipient, 'recipient'),
    subject: singleLine(input.subject ?? '', 'subject'),
    bodyText: input.bodyText,
    bodyHtml: input.bodyHtml ?? '',
    carriesSecret: input.carriesSecret,
    idempotencyKey: `outbox-${id}`,
  });
  const attachments = input.attachments ?? [];
  if (attachments.length > 0) {
    if (input.channel !== 'email') throw new Error('Only email carries attachments');
    await tx.insert(outboxAttachments).values(
      attachments.map((a) => ({
        messageId: id,
        filename: singleLine(a.filename, 'attachment filename'),
        contentType: singleLine(a.contentType, 'attachment content type'),
        content: 'content' in a ? a.content : null,
        source: 'source' in a ? a.source : null,
      })),
    );
  }
  await enqueueJob(await getBoss(), tx, QUEUES.deliverOutbox, { messageId: id });
  return id;
}

/**
 * A notification of the organisation's (a secure-message notice, a read receipt) to someone who
 * may be on its suppression list (/suppressions): a suppressed address gets no mail; instead a
 * `dropped` delivery event says why, in the same transaction. Returns the outbox id, or null when
 * the address is suppressed. Security mail (password links, sign-in codes) does not come here: a
 * person must always be able to get into their account.
 */
export async function queueNotification(tx: DbOrTx, input: QueueMessageInput & { orgId: string; channel: 'email'; messageId?: string; now?: Date }): Promise<string | null> {
  const recipient = input.recipient.trim().toLowerCase();
  const suppressed = (await suppressedAmong(tx, input.orgId, [recipient])).get(recipient);
  if (!suppressed) return queueMessage(tx, input);
  await ingestDeliveryEvents(
    input.orgId,
    [
      {
        occurredAt: input.now ?? new Date(),
        messageId: input.messageId ?? '',
        sender: '',
        recipient,
        event: 'dropped',
        method: 'tls',
        remoteServer: '',
        smtpCode: null,
        enhancedCode: '',
        diagnostic: `Not sent: ${recipient} is on the organisation's suppression list (${reasonLabel(suppressed.reason).toLowerCase()}${suppressed.detail ? `: ${suppressed.detail.slice(0, 300)}` : ''}). Remove it from Suppressions to send to it again.`,
        bounceClass: null,
        reportedClass: null,
        reason: null,
        dsnAction: '',
      },
    ],
    'provider',
    tx,
  );
  return null;
}
