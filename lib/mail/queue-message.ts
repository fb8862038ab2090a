import { randomUUID } from 'node:crypto';
import type { DbOrTx } from '@/db/client';
import { outboxMessages } from '@/db/schema';
import { enqueueJob, QUEUES } from '@/lib/jobs/queue';
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
};

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
  await enqueueJob(await getBoss(), tx, QUEUES.deliverOutbox, { messageId: id });
  return id;
}
