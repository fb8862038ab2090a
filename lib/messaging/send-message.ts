import 'server-only';
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { getDb, type DbOrTx, type Tx } from '@/db/client';
import { attachments, licensedEmails, messageEvents, messageRecipients, messageSenderState, policies, portalUsers, secureMessages } from '@/db/schema';
import { AppError } from '@/lib/errors/app-error';
import { env } from '@/lib/env';
import { formatDay } from '@/lib/format';
import { getSubscriptionState } from '@/lib/licensing/subscription-guards';
import { likePattern } from '@/lib/like';
import { queueNotification } from '@/lib/mail/queue-message';
import { messageNotificationEmail } from '@/lib/mail/templates';
import { ensurePortalUser, issuePortalPasswordLink } from '@/lib/portal/accounts';
import { recipientsMissingPhone, recordRecipients } from '@/lib/recipients/recipients';
import type { PortalSession } from '@/lib/portal/queries';
import { SMS_STEP_REQUIRED, type SmsViewer } from '@/lib/portal/two-factor';
import { MAX_MESSAGE_ATTACHMENT_BYTES } from './attachments';
import { bindAttachmentKeys, newMessageSeal } from './content';
import { removeSentDraft } from './drafts';
import { openMessage } from './open-message';
import { indexMessage } from './search-index';
import { htmlToText, sanitizeMessageHtml, textToHtml } from './sanitize';
import type { SendMessageInput } from './schemas';
import { senderGroupNames } from '@/lib/policies/queries';
import { enqueueReplyHome } from '@/lib/mailflow/reply-home';
import { getBranding } from '@/lib/organisations/branding';
import { policyForCompose, withPolicy, type SendPolicy } from './send-policy';

export const EXTERNAL_LIMIT = 'You can write only to people at organisations that have sent you secure messages.';

/**
 * Past the subscription's grace period (lib/licensing/subscription-state.ts) the organisation's
 * internal users keep reading, printing and downloading what they have, but send nothing new.
 * External correspondents may still answer them: their messages are the organisation's mail.
 */
export function sendingPausedMessage(renewalDate: string) {
  return `Sending secure messages is paused: your organisation's Sealpost subscription expired on ${formatDay(renewalDate)} and has not been renewed. You can still read your messages. Ask your administrator to renew.`;
}

/** For the compose page: why this user cannot send now, or null. */
export async function sendingPausedFor(user: Pick<PortalSession, 'email'>, now: Date = new Date()): Promise<string | null> {
  const orgId = (await organisationsOf(getDb(), [user.email])).get(user.email);
  const state = orgId ? await getSubscriptionState(getDb(), orgId, now) : null;
  return state?.status === 'disabled' ? sendingPausedMessage(state.renewalDate) : null;
}

/** Which organisation each internal address belongs to (licensed addresses only). */
async function organisationsOf(tx: DbOrTx, emails: string[]) {
  if (emails.length === 0) return new Map<string, string>();
  const rows = await tx.select({ email: licensedEmails.email, orgId: licensedEmails.orgId }).from(licensedEmails).where(inArray(licensedEmails.email, emails));
  return new Map(rows.map((r) => [r.email, r.orgId]));
}

/** The organisation's enabled policies, in order (lib/policies/evaluate.ts picks the one a message meets). */
export async function enabledPolicies(db: DbOrTx, orgId: string): Promise<SendPolicy[]> {
  return db
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
    .orderBy(policies.position);
}

/**
 * The policies an internal user's messages are sent under, and the policy groups the user is in
 * (none for external users).
 */
export async function sendPoliciesFor(user: Pick<PortalSession, 'email'>): Promise<{ policies: SendPolicy[]; senderGroups: string[] }> {
  const orgs = await organisationsOf(getDb(), [user.email]);
  const orgId = orgs.get(user.email);
  if (!orgId) return { policies: [], senderGroups: [] };
  const [list, senderGroups] = await Promise.all([enabledPolicies(getDb(), orgId), senderGroupNames(getDb(), orgId, user.email)]);
  return { policies: list, senderGroups };
}

/** A secure message as both portal compose and the SMTP gateway create it. */
export type SecureMessageDraft = {
  orgId: string;
  sender: { id: string; email: string; displayName: string };
  direction: 'outbound' | 'inbound';
  subject: string;
  /** Already sanitised (lib/messaging/sanitize.ts). */
  bodyHtml: string;
  bodyText: string;
  /** Each address once; To wins over Cc. */
  recipients: (readonly [string, 'to' | 'cc'])[];
  /** The organisation's external correspondents among sender and recipients (its recipient accounts, /recipients). */
  external: string[];
  expireDays: number | null;
  restriction: SendPolicy['restriction'];
  readReceipt: boolean;
  policyId: string | null;
  inReplyTo?: string | null;
  /** The gateway's connector, when the message came by SMTP. */
  connectorId?: string | null;
  /** Links the message's attachments, in the same transaction. */
  attach?: (tx: Tx, messageId: string) => Promise<void>;
  now: Date;
};

/**
 * Creates a secure message in the caller's transaction: the message, the sender's copy, its
 * attachments, its log, the organisation's recipient accounts, and for each recipient a portal
 * account (pending when new) and a notification with a unique link, and its keyed search index.
 * The one path for portal compose and the SMTP gateway.
 */
export async function createSecureMessage(tx: Tx, draft: SecureMessageDraft): Promise<{ id: string; recipients: { email: string; userId: string }[] }> {
  const { orgId, now } = draft;
  // Subject and body are stored sealed only, under the message's own data key (lib/crypto/envelope.ts).
  const id = randomUUID();
  // A reply joins the conversation of the message it answers; anything else starts one.
  const [parent] = draft.inReplyTo
    ? await tx.select({ threadId: sql<string>`coalesce(${secureMessages.threadId}, ${secureMessages.id})` }).from(secureMessages).where(eq(secureMessages.id, draft.inReplyTo))
    : [];
  const threadId = parent?.threadId ?? id;
  const sealed = await newMessageSeal(tx, { id, orgId }, { subject: draft.subject, bodyHtml: draft.bodyHtml, bodyText: draft.bodyText });
  const [message] = await tx
    .insert(secureMessages)
    .values({
      id,
      orgId,
      senderId: draft.sender.id,
      direction: draft.direction,
      ...sealed.columns,
      sentAt: now,
      expiresAt: draft.expireDays ? new Date(now.getTime() + draft.expireDays * 86_400_000) : null,
      restriction: draft.restriction,
      readReceipt: draft.readReceipt,
      policyId: draft.policyId,
      inReplyTo: draft.inReplyTo ?? null,
      threadId,
      connectorId: draft.connectorId ?? null,
    })
    .returning({ id: secureMessages.id });
  await tx.insert(messageSenderState).values({ messageId: message.id });
  if (draft.attach) await draft.attach(tx, message.id);
  // The files' keys go under the message's key: destroying it destroys them too.
  await bindAttachmentKeys(tx, { id, orgId }, sealed.dataKey);
  await tx.insert(messageEvents).values({ messageId: message.id, orgId, kind: 'sent', actor: draft.sender.email, occurredAt: now });
  await recordRecipients(tx, orgId, draft.external, now);
  const created: { email: string; userId: string }[] = [];
  // The notifications say which organisation wrote, with its logo (lib/organisations/branding.ts).
  const brand = await getBranding(tx, orgId);
  const organisation = brand ? { name: brand.name, logoUrl: brand.logoUrl ? `${env().APP_URL}${brand.logoUrl}` : null } : undefined;
  for (const [email, kind] of draft.recipients) {
    const user = await ensurePortalUser(tx, email, now);
    await tx.insert(messageRecipients).values({ messageId: message.id, userId: user.id, kind, sentAt: now, threadId });
    const link = user.status === 'pending' ? await issuePortalPasswordLink(tx, user.id, now) : `${env().APP_URL}/secure/messages/${message.id}`;
    // A first-time recipient's notification carries their activation link: a secret.
    const notice = messageNotificationEmail({ from: draft.sender.displayName || draft.sender.email, url: link, firstTime: user.status === 'pending', organisation });
    // A suppressed address gets no notification; the delivery log says why (lib/mail/queue-message.ts).
    await queueNotification(tx, { orgId, channel: 'email', kind: 'message_notification', recipient: email, subject: notice.subject, bodyText: notice.text, bodyHtml: notice.html, carriesSecret: user.status === 'pending', messageId: message.id, now });
    await tx.insert(messageEvents).values({ messageId: message.id, orgId, kind: 'notified', actor: email, occurredAt: now });
    created.push({ email, userId: user.id });
  }
  // The keyed search index (no plain word stored), in the same transaction as the message.
  await indexMessage(tx, { messageId: message.id, orgId, subject: draft.subject, bodyText: draft.bodyText, partyIds: [draft.sender.id, ...created.map((c) => c.userId)] });
  return { id: message.id, recipients: created };
}

/**
 * Sends a secure message. Internal users (licensed addresses) write to anyone; external
 * recipients write only to internal users of organisations that have written to them. Each
 * recipient gets a notification with a unique link — a first-time recipient's link creates their
 * password. The message, its recipients, attachments, log and notifications commit together.
 */
export async function sendMessage(input: SendMessageInput & { sender: PortalSession & Pick<SmsViewer, 'sessionId'>; now?: Date }) {
  const now = input.now ?? new Date();
  const { sender } = input;
  // An address in both To and Cc is a To recipient, once.
  const kinds = new Map<string, 'to' | 'cc'>();
  for (const email of input.to) if (!kinds.has(email)) kinds.set(email, 'to');
  for (const email of input.cc) if (!kinds.has(email)) kinds.set(email, 'cc');
  const recipients = [...kinds.entries()];
  const everyone = recipients.map(([email]) => email);
  if (everyone.includes(sender.email)) throw new AppError('invalid_input', 'You cannot send a secure message to yourself.', { to: ['Remove your own address.'] });

  let replyTo: Extract<Awaited<ReturnType<typeof openMessage>>, { locked: false; recalled: false }> | null = null;
  if (input.inReplyTo) {
    const original = await openMessage({ user: sender, id: input.inReplyTo, now });
    // Replying shows what is replied to: an organisation's SMS step comes first.
    if (original.locked) throw new AppError('forbidden', SMS_STEP_REQUIRED);
    if (original.recalled || !original.canReply) throw new AppError('forbidden', 'This message cannot be replied to.');
    replyTo = original;
  }
  const bodyHtml = sanitizeMessageHtml(input.bodyFormat === 'html' ? input.body : textToHtml(input.body));
  const bodyText = htmlToText(bodyHtml);

  return getDb().transaction(async (tx) => {
    const orgs = await organisationsOf(tx, [sender.email, ...everyone]);
    const senderOrg = orgs.get(sender.email) ?? null;
    let orgId: string;
    if (senderOrg) {
      orgId = senderOrg;
      const state = await getSubscriptionState(tx, senderOrg, now);
      if (state?.status === 'disabled') throw new AppError('forbidden', sendingPausedMessage(state.renewalDate));
    } else {
      // External sender: every recipient must be internal to an organisation that has written to
      // them. Anyone else gets the same answer, licensed elsewhere or not at all, so the refusal
      // never tells which addresses other organisations have.
      const wrote = await tx
        .selectDistinct({ orgId: secureMessages.orgId })
        .from(messageRecipients)
        .innerJoin(secureMessages, eq(secureMessages.id, messageRecipients.messageId))
        .where(eq(messageRecipients.userId, sender.id));
      const wroteToSender = new Set(wrote.map((row) => row.orgId));
      // The field says which addresses are the problem; the message says the rule.
      const outside = everyone.filter((e) => !wroteToSender.has(orgs.get(e) ?? ''));
      if (outside.length > 0) {
        throw new AppError('forbidden', EXTERNAL_LIMIT, { to: [`${outside.join(', ')} ${outside.length === 1 ? 'is not' : 'are not'} among the people you can write to.`] });
      }
      const recipientOrgs = new Set(everyone.map((e) => orgs.get(e) ?? ''));
      if (recipientOrgs.size !== 1) throw new AppError('forbidden', EXTERNAL_LIMIT, { to: ['Write to people of one organisation at a time.'] });
      const [only] = [...recipientOrgs];
      orgId = only;
    }

    const policy = senderOrg
      ? policyForCompose(await enabledPolicies(tx, orgId), {
          subject: input.subject,
          hasAttachment: input.attachmentIds.length > 0,
          senderGroups: await senderGroupNames(tx, orgId, sender.email),
        })
      : null;
    const { expireDays, restriction, readReceipt } = withPolicy(input, policy);
    const inReplyTo = replyTo ? replyTo.id : null;
    const attach = async (t: Tx, messageId: string) => {
      if (input.attachmentIds.length === 0) return;
      const claimed = await t
        .update(attachments)
        .set({ messageId })
        .where(and(inArray(attachments.id, input.attachmentIds), eq(attachments.uploadedBy, sender.id), isNull(attachments.messageId)))
        .returning({ id: attachments.id, sizeBytes: attachments.sizeBytes });
      if (claimed.length !== input.attachmentIds.length) throw new AppError('invalid_input', 'An attachment is missing. Upload it again.');
      // Each draft was held to 50 MB as it was uploaded; files gathered from several drafts are not.
      if (claimed.reduce((sum, a) => sum + a.sizeBytes, 0) > MAX_MESSAGE_ATTACHMENT_BYTES) {
        throw new AppError('invalid_input', 'Attachments can total at most 50 MB per message. Remove some and send again.');
      }
    };
    // The organisation's recipient accounts (/recipients): every external address it writes with.
    const external = senderOrg ? everyone.filter((email) => orgs.get(email) !== orgId) : [sender.email];
    const message = await createSecureMessage(tx, {
      orgId,
      sender,
      direction: senderOrg ? 'outbound' : 'inbound',
      subject: input.subject,
      bodyHtml,
      bodyText,
      recipients,
      external,
      expireDays,
      restriction,
      readReceipt,
      policyId: policy?.id ?? null,
      inReplyTo,
      attach,
      now,
    });
    await removeSentDraft(tx, sender.id, input.draftId);
    if (replyTo) {
      await tx.insert(messageEvents).values({ messageId: replyTo.id, orgId: replyTo.orgId, kind: 'replied', actor: sender.email, occurredAt: now });
    }
    // An external correspondent's message also goes home: by SMTP to the internal users' mailboxes
    // through the organisation's inbound route, when it has one (lib/mailflow/reply-home.ts).
    if (!senderOrg) await enqueueReplyHome(tx, message.id);
    // Under the organisation's SMS two-factor policy, a recipient without a phone number opens
    // the message with the password alone: the sender is told who (the dashboard tells administrators).
    const missingPhones = senderOrg ? await recipientsMissingPhone(tx, orgId, external) : [];
    return { id: message.id, missingPhones };
  });
}

/** Addresses the user has written to or heard from, most used first (the compose contact picker). */
/**
 * Who a reply goes to. Reply: the sender (or, on one's own message, its To). Reply all: the sender
 * and the other To recipients in To, the Cc recipients in Cc, never oneself. An external recipient's
 * reply keeps only the people they may write to: those of the organisation that sent the message.
 */
export async function replyAddresses(
  user: Pick<PortalSession, 'email'>,
  original: { orgId: string; isSender: boolean; senderEmail: string; recipients: { email: string; kind: 'to' | 'cc' }[] },
  all: boolean,
): Promise<{ to: string[]; cc: string[] }> {
  const others = (kind: 'to' | 'cc') => original.recipients.filter((r) => r.kind === kind && r.email !== user.email).map((r) => r.email);
  const reply = original.isSender
    ? { to: others('to'), cc: all ? others('cc') : [] }
    : { to: [original.senderEmail, ...(all ? others('to').filter((e) => e !== original.senderEmail) : [])], cc: all ? others('cc') : [] };
  const orgs = await organisationsOf(getDb(), [user.email, ...reply.to, ...reply.cc]);
  if (orgs.has(user.email)) return reply;
  const writable = (email: string) => orgs.get(email) === original.orgId;
  return { to: reply.to.filter(writable), cc: reply.cc.filter(writable) };
}

export async function listContacts(user: PortalSession, options: { search?: string; limit?: number } = {}) {
  const db = getDb();
  const limit = options.limit ?? 50;
  const rows = await db.execute<{ email: string; display_name: string; uses: number }>(sql`
    with counterparts as (
      select r.user_id as id from secure_messages m join message_recipients r on r.message_id = m.id where m.sender_id = ${user.id}
      union all
      select m.sender_id as id from secure_messages m join message_recipients r on r.message_id = m.id where r.user_id = ${user.id}
    )
    select u.email, u.display_name, count(*)::int as uses
    from counterparts c join portal_users u on u.id = c.id
    where u.id <> ${user.id} ${options.search ? sql`and (u.email ilike ${likePattern(options.search)} or u.display_name ilike ${likePattern(options.search)})` : sql``}
    group by u.email, u.display_name
    order by uses desc, u.email
    limit ${limit}`);
  return (rows as unknown as { email: string; display_name: string; uses: number }[]).map((r) => ({ email: r.email, name: r.display_name, uses: r.uses }));
}

/**
 * "All addresses" in the contact picker: the people the user exchanges messages with and, for an
 * internal user, the colleagues of their organisation (its licensed addresses), matching `search`
 * and ordered by address. An external user sees only people they have exchanged messages with:
 * an organisation's directory is never shown outside it.
 */
export async function findContacts(user: PortalSession, options: { search?: string; limit?: number } = {}) {
  const limit = options.limit ?? 50;
  const search = options.search?.trim().slice(0, 254) ?? '';
  const known = await listContacts(user, { search, limit });
  const orgs = await organisationsOf(getDb(), [user.email]);
  const orgId = orgs.get(user.email);
  const byEmail = new Map(known.map((c) => [c.email, c]));
  if (orgId && byEmail.size < limit) {
    const colleagues = await getDb()
      .select({ email: licensedEmails.email, name: portalUsers.displayName })
      .from(licensedEmails)
      .leftJoin(portalUsers, eq(portalUsers.email, licensedEmails.email))
      .where(
        and(
          eq(licensedEmails.orgId, orgId),
          sql`${licensedEmails.email} <> ${user.email}`,
          search ? sql`(${licensedEmails.email} ilike ${likePattern(search)} or ${portalUsers.displayName} ilike ${likePattern(search)})` : undefined,
        ),
      )
      .orderBy(licensedEmails.email)
      .limit(limit);
    for (const c of colleagues) if (!byEmail.has(c.email)) byEmail.set(c.email, { email: c.email, name: c.name ?? '', uses: 0 });
  }
  return [...byEmail.values()].sort((a, b) => a.email.localeCompare(b.email)).slice(0, limit);
}
