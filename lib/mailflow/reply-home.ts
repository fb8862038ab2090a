import 'server-only';
import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Db, DbOrTx } from '@/db/client';
import { attachments, gatewayMessages, gatewayRecipients, licensedEmails, messageRecipients, portalUsers, secureMessages } from '@/db/schema';
import { openMessageContent } from '@/lib/crypto/envelope';
import { env } from '@/lib/env';
import { contentColumns } from '@/lib/messaging/content';
import { formatFileSize } from '@/lib/format';
import { enqueueJob, QUEUES } from '@/lib/jobs/queue';
import { getBoss } from '@/lib/jobs/runtime';
import { log } from '@/lib/log';
import type { BlobStore } from '@/lib/storage/storage';
import { describeRoute, inboundRouteOf } from './inbound-route';
import { rawCopyValues, storeRawCopy } from './raw-copy';

/**
 * Replies come home (issue #17, item 7): when an external recipient writes in the portal (a reply,
 * or a new message to an organisation that wrote to them), the message is also delivered by SMTP
 * to the internal recipients' own mailboxes through the organisation's inbound route.
 *
 * The portal's send enqueues `composeReplyHome` in its transaction; the job writes the MIME
 * message (threaded with In-Reply-To/References, with a link to the conversation in the portal)
 * into the store and queues it as a gateway message with `deliverTo: 'inbound_route'`. From there
 * the one delivery job carries it (deliver-message.ts: retries, delivery events, DKIM), to the
 * inbound route instead of the recipients' MX hosts. One copy per secure message.
 */

/** How far up a thread References reaches (RFC 5322 §3.6.4 lets it be trimmed). */
const MAX_REFERENCES = 20;
/** Upper bound of a composed copy: the body (sanitised, size-limited at compose) and the footer. */
const MAX_COPY_BYTES = 20 * 1024 * 1024;

/** Queues the copy's composition in the transaction that creates the secure message. */
export async function enqueueReplyHome(tx: DbOrTx, secureMessageId: string) {
  await enqueueJob(await getBoss(), tx, QUEUES.composeReplyHome, { id: secureMessageId });
}

/** The Message-ID a secure message is known by in mailboxes (without a gateway original: ours). */
export function secureMessageMailId(id: string, hostname: string): string {
  return `<${id}@${hostname}>`;
}

/** The portal page of a message (the conversation it belongs to). */
export function conversationUrl(appUrl: string, id: string): string {
  return `${appUrl.replace(/\/+$/, '')}/secure/messages/${id}`;
}

/**
 * The Message-IDs of a message's ancestors, oldest first, as the internal users' mail programs
 * know them: for a message that came through the gateway, the Message-ID the organisation's own
 * server gave it; otherwise ours (what its own copy home carried).
 */
async function ancestorMailIds(db: DbOrTx, orgId: string, parentId: string | null, hostname: string): Promise<string[]> {
  const chain: string[] = [];
  const seen = new Set<string>();
  for (let id = parentId; id && chain.length < MAX_REFERENCES && !seen.has(id); ) {
    seen.add(id);
    const [row] = await db
      .select({ id: secureMessages.id, inReplyTo: secureMessages.inReplyTo })
      .from(secureMessages)
      .where(and(eq(secureMessages.id, id), eq(secureMessages.orgId, orgId)));
    if (!row) break;
    const [gateway] = await db
      .select({ headerMessageId: gatewayMessages.headerMessageId })
      .from(gatewayRecipients)
      .innerJoin(gatewayMessages, eq(gatewayMessages.id, gatewayRecipients.gatewayMessageId))
      .where(and(eq(gatewayRecipients.secureMessageId, row.id), eq(gatewayRecipients.orgId, orgId), ne(gatewayMessages.headerMessageId, '')))
      .limit(1);
    chain.unshift(gateway?.headerMessageId || secureMessageMailId(row.id, hostname));
    id = row.inReplyTo;
  }
  return chain;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export type ReplyHomeOutcome = 'queued' | 'no_route' | 'not_inbound' | 'no_internal_recipients' | 'already_queued' | 'not_found' | 'content_destroyed';

export type ReplyHomeOptions = { store: BlobStore; hostname?: string; appUrl?: string; now?: Date };

/**
 * The job: composes the copy of one secure message and queues it for the inbound route. Does
 * nothing for a message that is not from an external correspondent, when the organisation has no
 * inbound route (the log says the reply stays in the portal only), or when its copy exists.
 */
export async function composeReplyHome(db: Db, secureMessageId: string, options: ReplyHomeOptions): Promise<ReplyHomeOutcome> {
  const now = options.now ?? new Date();
  const hostname = options.hostname ?? env().SMTP_HOSTNAME;
  const appUrl = options.appUrl ?? env().APP_URL;
  const [message] = await db
    .select({
      ...contentColumns,
      direction: secureMessages.direction,
      sentAt: secureMessages.sentAt,
      inReplyTo: secureMessages.inReplyTo,
      senderEmail: portalUsers.email,
      senderName: portalUsers.displayName,
    })
    .from(secureMessages)
    .innerJoin(portalUsers, eq(portalUsers.id, secureMessages.senderId))
    .where(eq(secureMessages.id, secureMessageId));
  if (!message) return 'not_found';
  if (message.direction !== 'inbound') return 'not_inbound';
  const { orgId } = message;
  const fields = { orgId, secureMessageId };
  const [existing] = await db.select({ id: gatewayMessages.id }).from(gatewayMessages).where(eq(gatewayMessages.replyHomeOf, message.id));
  if (existing) return 'already_queued';
  const route = await inboundRouteOf(db, orgId);
  if (!route) {
    log('mailflow').info(fields, 'no inbound route: the reply stays in the portal only');
    return 'no_route';
  }
  // Sealed at rest: opened here with the message's data key; recalled or deleted before the job ran, nothing goes home.
  const content = await openMessageContent(message, db);
  if (!content) return 'content_destroyed';

  // The internal recipients (licensed addresses of the organisation), as the message addressed them.
  const addressed = await db
    .select({ email: portalUsers.email, kind: messageRecipients.kind })
    .from(messageRecipients)
    .innerJoin(portalUsers, eq(portalUsers.id, messageRecipients.userId))
    .where(eq(messageRecipients.messageId, message.id))
    .orderBy(asc(portalUsers.email));
  const licensed = addressed.length
    ? new Set(
        (
          await db
            .select({ email: licensedEmails.email })
            .from(licensedEmails)
            .where(and(eq(licensedEmails.orgId, orgId), inArray(licensedEmails.email, addressed.map((r) => r.email.toLowerCase()))))
        ).map((r) => r.email.toLowerCase()),
      )
    : new Set<string>();
  const internal = addressed.filter((r) => licensed.has(r.email.toLowerCase()));
  if (internal.length === 0) return 'no_internal_recipients';

  const files = await db
    .select({ fileName: attachments.fileName, sizeBytes: attachments.sizeBytes })
    .from(attachments)
    .where(eq(attachments.messageId, message.id))
    .orderBy(asc(attachments.fileName));
  const ancestors = await ancestorMailIds(db, orgId, message.inReplyTo, hostname);
  const mailId = secureMessageMailId(message.id, hostname);
  const link = conversationUrl(appUrl, message.id);
  const who = message.senderName ? `${message.senderName} (${message.senderEmail})` : message.senderEmail;
  const fileLines = files.map((f) => `${f.fileName} (${formatFileSize(f.sizeBytes)})`);
  const footerText = [
    `${who} wrote this in Sealpost, your organisation's secure messaging.`,
    files.length ? `Attachments, in Sealpost only: ${fileLines.join(', ')}.` : '',
    `Read the conversation and answer securely: ${link}`,
  ].filter(Boolean);
  const text = `${content.bodyText.trimEnd()}\n\n-- \n${footerText.join('\n')}\n`;
  const html =
    `<!doctype html><html><body>${content.bodyHtml}` +
    `<hr><p style="color:#526077;font-size:13px">${escapeHtml(footerText[0])}` +
    (files.length ? `<br>Attachments, in Sealpost only: ${escapeHtml(fileLines.join(', '))}.` : '') +
    `<br><a href="${escapeHtml(link)}">Read the conversation and answer securely in Sealpost</a></p></body></html>`;

  const composer = new MailComposer({
    from: { name: message.senderName || '', address: message.senderEmail },
    to: internal.filter((r) => r.kind === 'to').map((r) => r.email),
    cc: internal.filter((r) => r.kind === 'cc').map((r) => r.email),
    subject: content.subject,
    date: message.sentAt,
    messageId: mailId,
    inReplyTo: ancestors.at(-1),
    references: ancestors.length ? ancestors : undefined,
    text,
    html,
    headers: { 'X-Sealpost-Message': message.id },
  });
  // Sealed like every raw copy (raw-copy.ts): it carries the secure message's content.
  const stored = await storeRawCopy(options.store, { source: composer.compile().createReadStream(), maxBytes: MAX_COPY_BYTES });
  const key = stored.columns.storageKey;
  let queued = false;
  try {
    queued = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(gatewayMessages)
        .values({
          orgId,
          envelopeFrom: message.senderEmail.toLowerCase(),
          headerMessageId: mailId,
          ...rawCopyValues(stored, orgId, content.subject),
          status: 'processed',
          deliverTo: 'inbound_route',
          replyHomeOf: message.id,
          receivedAt: now,
          processedAt: now,
        })
        .onConflictDoNothing()
        .returning({ id: gatewayMessages.id });
      if (!row) return false;
      await tx.insert(gatewayRecipients).values(
        internal.map((r) => ({ gatewayMessageId: row.id, orgId, address: r.email.toLowerCase(), status: 'queued_for_delivery' as const, outcome: 'plain' as const, updatedAt: now })),
      );
      // The delivery job (deliver-message.ts); enqueued here rather than through process-message.ts,
      // which imports the portal's send path that imports this file.
      await enqueueJob(await getBoss(), tx, QUEUES.deliverGatewayMessage, { id: row.id });
      return true;
    });
  } finally {
    if (!queued) await options.store.delete(key).catch(() => undefined);
  }
  if (!queued) return 'already_queued';
  log('mailflow').info({ ...fields, recipients: internal.length, route: describeRoute(route) }, 'reply queued for the inbound route');
  return 'queued';
}
