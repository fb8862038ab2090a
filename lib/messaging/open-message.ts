import 'server-only';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { messageEvents, messageRecipients, portalUsers, secureMessages } from '@/db/schema';
import type { PortalSession } from '@/lib/portal/queries';
import { AppError } from '@/lib/errors/app-error';
import { queueNotification } from '@/lib/mail/queue-message';
import { readReceiptEmail } from '@/lib/mail/templates';
import { formatPortalDate } from '@/lib/messaging/format';
import { DEFAULT_PREFERENCES } from '@/lib/portal/queries';
import { env } from '@/lib/env';
import { isUuid } from '@/lib/ids';
import { openMessageContent } from '@/lib/crypto/envelope';
import { contentColumns } from './content';
import { smsStepFor, type SmsViewer } from '@/lib/portal/two-factor';

export const NOT_FOUND = 'That message does not exist, or it was not sent to you.';

/**
 * A message as its sender or one of its recipients may see it; anyone else gets "not found".
 * When the message's organisation asks this session for its SMS step (lib/portal/two-factor.ts),
 * only that step comes back (`locked`): no subject, body or read mark until the code is entered.
 * A recipient's first open marks it read, logs "opened" and, when asked for, emails the sender a
 * read receipt — once, even if several tabs open it at the same moment.
 */
export async function openMessage(input: { user: Pick<PortalSession, 'id' | 'email'> & Pick<SmsViewer, 'sessionId'>; id: string; now?: Date }) {
  const now = input.now ?? new Date();
  if (!isUuid(input.id)) throw new AppError('not_found', NOT_FOUND);
  const db = getDb();
  const [message] = await db
    .select({
      ...contentColumns,
      sentAt: secureMessages.sentAt,
      expiresAt: secureMessages.expiresAt,
      restriction: secureMessages.restriction,
      readReceipt: secureMessages.readReceipt,
      status: secureMessages.status,
      threadId: sql<string>`coalesce(${secureMessages.threadId}, ${secureMessages.id})`,
      senderId: secureMessages.senderId,
      senderEmail: portalUsers.email,
      senderName: portalUsers.displayName,
      senderPreferences: portalUsers.preferences,
    })
    .from(secureMessages)
    .innerJoin(portalUsers, eq(portalUsers.id, secureMessages.senderId))
    .where(eq(secureMessages.id, input.id));
  if (!message) throw new AppError('not_found', NOT_FOUND);
  const recipients = await db
    .select({ userId: messageRecipients.userId, email: portalUsers.email, kind: messageRecipients.kind, readAt: messageRecipients.readAt, deletedAt: messageRecipients.deletedAt })
    .from(messageRecipients)
    .innerJoin(portalUsers, eq(portalUsers.id, messageRecipients.userId))
    .where(eq(messageRecipients.messageId, message.id));
  const mine = recipients.find((r) => r.userId === input.user.id);
  const isSender = message.senderId === input.user.id;
  if ((!mine || mine.deletedAt) && !isSender) throw new AppError('not_found', NOT_FOUND);
  const step = await smsStepFor(input.user, message.orgId, now);
  if (step) return { locked: true as const, recalled: false as const, id: message.id, isSender, step };
  // Recalled or deleted: the data key is gone, and the page says so and shows nothing else.
  const gone = message.status === 'recalled' ? ('recalled' as const) : message.contentDestroyedAt ? (message.contentDestroyedReason ?? 'deleted') : null;
  const content = gone ? null : await openMessageContent(message, db);
  if (gone || !content) {
    return { locked: false as const, recalled: true as const, reason: gone ?? ('deleted' as const), isSender, senderEmail: message.senderEmail, sentAt: message.sentAt };
  }

  // True when this opening is the recipient's first: their unread count has just gone down.
  let firstRead = false;
  if (mine && !mine.readAt) {
    firstRead = await db.transaction(async (tx) => {
      const [first] = await tx
        .update(messageRecipients)
        .set({ readAt: now })
        .where(and(eq(messageRecipients.messageId, message.id), eq(messageRecipients.userId, input.user.id), isNull(messageRecipients.readAt)))
        .returning({ messageId: messageRecipients.messageId });
      if (!first) return false;
      await tx.insert(messageEvents).values({ messageId: message.id, orgId: message.orgId, kind: 'opened', actor: input.user.email, occurredAt: now });
      if (message.readReceipt) {
        const [claimed] = await tx
          .update(messageRecipients)
          .set({ receiptSentAt: now })
          .where(and(eq(messageRecipients.messageId, message.id), eq(messageRecipients.userId, input.user.id), isNull(messageRecipients.receiptSentAt)))
          .returning({ messageId: messageRecipients.messageId });
        if (claimed) {
          const senderPrefs = { ...DEFAULT_PREFERENCES, ...message.senderPreferences };
          const receipt = readReceiptEmail({ reader: input.user.email, sentAt: formatPortalDate(message.sentAt, senderPrefs), openedAt: formatPortalDate(now, senderPrefs), url: `${env().APP_URL}/secure/messages/${message.id}` });
          await queueNotification(tx, { orgId: message.orgId, channel: 'email', kind: 'read_receipt', recipient: message.senderEmail, subject: receipt.subject, bodyText: receipt.text, bodyHtml: receipt.html, carriesSecret: false, messageId: message.id, now });
        }
      }
      return true;
    });
  }
  const expired = message.expiresAt !== null && message.expiresAt.getTime() <= now.getTime();
  // The sender's preferences (their signature among them) are theirs alone: only the receipt uses them.
  const { senderPreferences: _senderPreferences, subject: _subject, bodyHtml: _bodyHtml, bodyText: _bodyText, dataKey: _dataKey, subjectSealed: _subjectSealed, bodySealed: _bodySealed, ...shown } = message;
  return {
    locked: false as const,
    recalled: false as const,
    ...shown,
    subject: content.subject,
    bodyHtml: content.bodyHtml,
    recipients: recipients.map(({ email, kind, readAt }) => ({ email, kind, readAt: isSender ? readAt : null })),
    isSender,
    firstRead,
    expired,
    // One's own sent message is not replied to (its recipients answer it); a reply continues from theirs.
    canReply: !isSender && !expired && message.status === 'sent' && message.restriction !== 'no_print_no_reply',
    canPrint: message.restriction === 'none',
  };
}

