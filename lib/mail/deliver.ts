import 'server-only';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { outboxAttachments, outboxMessages, type OutboxAttachmentSource } from '@/db/schema';
import { TransportError, type MailAttachment, type Transport } from './transport';

/** Makes an attachment that was queued by its source (lib/billing/invoice-pdf.ts renders invoice PDFs). */
export type AttachmentMaker = (source: OutboxAttachmentSource) => Promise<Buffer>;

/**
 * The message's attachments, making (and storing, so a retry sends the same bytes) those queued
 * by source. A maker that fails throws: the send is retried like a provider refusal.
 */
async function loadAttachments(db: DbOrTx, messageId: string, make: AttachmentMaker | undefined): Promise<MailAttachment[]> {
  const rows = await db
    .select({ id: outboxAttachments.id, filename: outboxAttachments.filename, contentType: outboxAttachments.contentType, content: outboxAttachments.content, source: outboxAttachments.source })
    .from(outboxAttachments)
    .where(eq(outboxAttachments.messageId, messageId))
    .orderBy(asc(outboxAttachments.createdAt), asc(outboxAttachments.id));
  const attachments: MailAttachment[] = [];
  for (const row of rows) {
    let content = row.content;
    if (!content) {
      if (!row.source || !make) throw new Error(`Attachment ${row.filename} of outbox message ${messageId} has no content and nothing to make it from`);
      content = await make(row.source);
      await db.update(outboxAttachments).set({ content }).where(and(eq(outboxAttachments.id, row.id), isNull(outboxAttachments.content)));
    }
    attachments.push({ filename: row.filename, contentType: row.contentType, content });
  }
  return attachments;
}

/** What a delivered secret's stored body becomes. */
export const REDACTED_BODY = '[redacted after delivery]';

export type DeliveryOutcome =
  | { status: 'sent' | 'skipped' | 'failed' }
  | { status: 'retry'; error: Error; retryAfterSeconds?: number };

/**
 * Sends one outbox message through its transport. Idempotent: a message already sent or failed
 * is skipped, the provider gets the message's idempotency key, and the final update only moves a
 * queued message. A retryable failure returns `retry` so the job runner can try again later.
 */
export async function deliverOutboxMessage(
  db: DbOrTx,
  messageId: string,
  transports: { email: Transport; sms: Transport },
  options: { finalAttempt: boolean; now?: () => Date; makeAttachment?: AttachmentMaker } = { finalAttempt: false },
): Promise<DeliveryOutcome> {
  const now = options.now ?? (() => new Date());
  const [message] = await db
    .select({
      id: outboxMessages.id,
      channel: outboxMessages.channel,
      recipient: outboxMessages.recipient,
      subject: outboxMessages.subject,
      bodyText: outboxMessages.bodyText,
      bodyHtml: outboxMessages.bodyHtml,
      idempotencyKey: outboxMessages.idempotencyKey,
      status: outboxMessages.status,
      carriesSecret: outboxMessages.carriesSecret,
    })
    .from(outboxMessages)
    .where(eq(outboxMessages.id, messageId));
  if (!message || message.status !== 'queued') return { status: 'skipped' };

  const transport = message.channel === 'sms' ? transports.sms : transports.email;
  // A reset or activation link, or an SMS code, is needed in the database only until a real
  // transport has it (or has given up): the final update that leaves `queued` also drops it, so
  // there is no moment when the message is done and the secret still stored. The demo outbox
  // delivers by keeping the row, which is read at /dev/outbox: there the body stays.
  const redacted = message.carriesSecret && !transport.deliversByStoring ? { bodyText: REDACTED_BODY, bodyHtml: message.bodyHtml ? REDACTED_BODY : '' } : {};
  await db
    .update(outboxMessages)
    .set({ attempts: sql`${outboxMessages.attempts} + 1`, transport: transport.name })
    .where(eq(outboxMessages.id, messageId));

  try {
    const attachments = message.channel === 'email' ? await loadAttachments(db, messageId, options.makeAttachment) : [];
    const { providerId } = await transport.send(attachments.length > 0 ? { ...message, attachments } : message);
    await db
      .update(outboxMessages)
      .set({ status: 'sent', providerId, sentAt: now(), lastError: '', ...redacted })
      .where(and(eq(outboxMessages.id, messageId), eq(outboxMessages.status, 'queued')));
    return { status: 'sent' };
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    const permanent = error instanceof TransportError && error.permanent;
    if (permanent || options.finalAttempt) {
      await db
        .update(outboxMessages)
        .set({ status: 'failed', lastError: error.message.slice(0, 1000), ...redacted })
        .where(and(eq(outboxMessages.id, messageId), eq(outboxMessages.status, 'queued')));
      return { status: 'failed' };
    }
    await db
      .update(outboxMessages)
      .set({ lastError: error.message.slice(0, 1000) })
      .where(eq(outboxMessages.id, messageId));
    return {
      status: 'retry',
      error,
      retryAfterSeconds: error instanceof TransportError ? error.retryAfterSeconds : undefined,
    };
  }
}
