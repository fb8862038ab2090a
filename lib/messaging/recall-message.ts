import 'server-only';
import { and, asc, eq, sql } from 'drizzle-orm';
import { getDb, type Tx } from '@/db/client';
import { messageEvents, messageRecipients, organisations, portalUsers, secureMessages } from '@/db/schema';
import type { PortalSession } from '@/lib/portal/queries';
import { destroyMessageContent, removeFiles } from './destroy-content';
import { NOT_FOUND as PORTAL_NOT_FOUND } from './open-message';
import { recordAuditEvent, type AuditActor } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { formatDateTime } from '@/lib/format';
import { isUuid } from '@/lib/ids';
import { BULK_CAP, runBulk, type BulkOutcome, type BulkSelection } from '@/lib/lists/bulk';
import { z } from 'zod';
import { matchingMessageIds, type MonitorFilters } from './monitoring';

/**
 * Administrators' changes to a secure message (levels 1 and 2, on /secure-messages): Recall (recipients can no longer open
 * it) and Extend expiry (while unread). Each writes the message's own log row and an audit event
 * in the same transaction as the change.
 */

export const EXTENSION_DAYS = [1, 7, 30] as const;
export type ExtensionDays = (typeof EXTENSION_DAYS)[number];

const NOT_FOUND = 'That secure message does not exist.';
const DAY_MS = 86_400_000;

function assertCanManage(actor: AdminActor) {
  if (!can(actor.level, 'secure_messages.manage')) {
    throw new AppError('forbidden', 'Only level 1 and 2 administrators recall messages or extend their expiry.');
  }
}

/**
 * Locks the message row (another organisation's id is "not found") and the recipients' rows, so a
 * recipient opening it at the same moment is decided before or after us, never in between.
 * `FOR NO KEY UPDATE` rather than `FOR UPDATE`: it still serialises concurrent recalls and
 * extensions, but does not block the `FOR KEY SHARE` that inserting a message_events row takes on
 * the message, which would deadlock with a recipient's open (it locks its recipient row first).
 */
async function lockMessage(tx: Tx, orgId: string, messageId: string) {
  if (!isUuid(messageId)) throw new AppError('not_found', NOT_FOUND);
  const [message] = await tx
    .select({
      id: secureMessages.id,
      status: secureMessages.status,
      sentAt: secureMessages.sentAt,
      expiresAt: secureMessages.expiresAt,
      senderEmail: portalUsers.email,
    })
    .from(secureMessages)
    .innerJoin(portalUsers, eq(portalUsers.id, secureMessages.senderId))
    .where(and(eq(secureMessages.id, messageId), eq(secureMessages.orgId, orgId)))
    .for('no key update', { of: secureMessages });
  if (!message) throw new AppError('not_found', NOT_FOUND);
  const recipients = await tx
    .select({ email: portalUsers.email, readAt: messageRecipients.readAt })
    .from(messageRecipients)
    .innerJoin(portalUsers, eq(portalUsers.id, messageRecipients.userId))
    .where(eq(messageRecipients.messageId, message.id))
    .orderBy(sql`(${messageRecipients.kind} = 'cc')`, asc(portalUsers.email))
    .for('share', { of: messageRecipients });
  return { ...message, recipients };
}

/**
 * `the message of 7 Dec 2026 09:30 from alice@acme.example to pat@partner.example` (at most three
 * recipients named). Never the subject: it is encrypted at rest, and the audit log is not.
 */
function describeMessage(message: { sentAt: Date; senderEmail: string; recipients: { email: string }[] }): string {
  const emails = message.recipients.map((r) => r.email);
  const shown = emails.length > 3 ? `${emails.slice(0, 3).join(', ')} and ${emails.length - 3} more` : emails.join(', ');
  return `the message of ${formatDateTime(message.sentAt)} from ${message.senderEmail}${shown ? ` to ${shown}` : ''}`;
}

/** What the audit event's target shows: who and when, never what. */
function targetLabel(message: { sentAt: Date; senderEmail: string }): string {
  return `From ${message.senderEmail}, ${formatDateTime(message.sentAt)}`;
}

/**
 * Recall, in the caller's transaction with the message locked: the status, the message's own log
 * row, the audit event and the destruction of its data key commit together.
 */
async function recallLocked(
  tx: Tx,
  message: Awaited<ReturnType<typeof lockMessage>>,
  orgId: string,
  actor: AuditActor & { email: string },
  clientAddress: string | undefined,
  now: Date,
  reason?: string,
) {
  if (message.status === 'recalled') throw new AppError('conflict', 'This message was already recalled.');
  await tx
    .update(secureMessages)
    .set({ status: 'recalled' })
    .where(and(eq(secureMessages.id, message.id), eq(secureMessages.orgId, orgId)));
  const files = (await destroyMessageContent(tx, message.id, 'recalled', now)) ?? [];
  await tx.insert(messageEvents).values({ messageId: message.id, orgId, kind: 'recalled', actor: actor.email, detail: reason ? `Reason: ${reason}` : '', occurredAt: now });
  await recordAuditEvent(tx, {
    orgId,
    actor,
    action: 'secure_messages.recalled',
    summary: `Recalled ${describeMessage(message)}; its key was destroyed${reason ? `. Reason: ${reason}` : ''}`,
    target: { type: 'secure_message', id: message.id, label: targetLabel(message) },
    clientAddress,
    metadata: { keyDestroyed: true, files: files.length, ...(reason ? { reason } : {}) },
    now,
  });
  return files;
}

export async function recallMessage(input: { actor: AdminActor; messageId: string; now?: Date }): Promise<{ id: string }> {
  const { actor, messageId } = input;
  const now = input.now ?? new Date();
  assertCanManage(actor);
  const { id, files } = await getDb().transaction(async (tx) => {
    const message = await lockMessage(tx, actor.orgId, messageId);
    // Idempotent in effect, but said out loud: a second recall would otherwise log a second event.
    const files = await recallLocked(tx, message, actor.orgId, { ...auditActorOf(actor), email: actor.email }, actor.clientAddress, now);
    return { id: message.id, files };
  });
  await removeFiles(files);
  return { id };
}

export const SENDER_RECALL_OFF = 'Your organisation does not let senders recall their messages. Ask an administrator to recall it.';

/**
 * A sender recalls their own message from Sent, when their organisation's "sender may recall"
 * setting is on: internal senders only (the message's organisation is theirs), with the same
 * effect as an administrator's recall. Anyone else's message is "not found".
 */
export async function recallOwnMessage(input: { user: Pick<PortalSession, 'id' | 'email'>; messageId: string; clientAddress?: string; now?: Date }): Promise<{ id: string }> {
  const now = input.now ?? new Date();
  if (!isUuid(input.messageId)) throw new AppError('not_found', PORTAL_NOT_FOUND);
  const { id, files } = await getDb().transaction(async (tx) => {
    const [own] = await tx
      .select({ orgId: secureMessages.orgId, senderMayRecall: organisations.senderMayRecall, internal: sql<boolean>`exists (select 1 from licensed_emails l where l.org_id = ${secureMessages.orgId} and l.email = ${input.user.email})` })
      .from(secureMessages)
      .innerJoin(organisations, eq(organisations.id, secureMessages.orgId))
      .where(and(eq(secureMessages.id, input.messageId), eq(secureMessages.senderId, input.user.id)));
    if (!own || !own.internal) throw new AppError('not_found', PORTAL_NOT_FOUND);
    if (!own.senderMayRecall) throw new AppError('forbidden', SENDER_RECALL_OFF);
    const message = await lockMessage(tx, own.orgId, input.messageId);
    const files = await recallLocked(tx, message, own.orgId, { type: 'portal_user', id: input.user.id, email: input.user.email }, input.clientAddress, now);
    return { id: message.id, files };
  });
  await removeFiles(files);
  return { id };
}

export function isExtensionDays(value: unknown): value is ExtensionDays {
  return EXTENSION_DAYS.some((d) => d === value);
}

/**
 * Pushes the expiry back by 1, 7 or 30 days from the later of now and the current expiry, so an
 * already expired message gets the full extension. Only while some recipient has not read it: once
 * everyone has, there is nobody left to give more time to.
 */
export async function extendMessageExpiry(input: { actor: AdminActor; messageId: string; days: number; now?: Date }): Promise<{ id: string; expiresAt: Date }> {
  const { actor, messageId, days } = input;
  const now = input.now ?? new Date();
  assertCanManage(actor);
  if (!isExtensionDays(days)) throw new AppError('invalid_input', 'Extend by 1, 7 or 30 days.', { days: ['Extend by 1, 7 or 30 days.'] });
  return getDb().transaction((tx) => extendIn(tx, actor, messageId, days, now));
}

async function extendIn(
  tx: Tx,
  actor: AdminActor,
  messageId: string,
  days: ExtensionDays,
  now: Date,
  reason?: string,
  /** Told the message's label once it is found, so a refusal can name it. */
  onFound?: (label: string) => void,
): Promise<{ id: string; expiresAt: Date; label: string }> {
  const message = await lockMessage(tx, actor.orgId, messageId);
  onFound?.(targetLabel(message));
  if (message.status === 'recalled') throw new AppError('conflict', 'This message was recalled; its expiry can no longer be extended.');
  // A message without an expiry never expires: "extending" it would give it one, i.e. shorten it.
  if (!message.expiresAt) throw new AppError('conflict', 'This message does not expire, so there is no expiry to extend.');
  if (message.recipients.length > 0 && message.recipients.every((r) => r.readAt)) {
    throw new AppError('conflict', 'Every recipient has already read this message, so its expiry can no longer be extended.');
  }
  const base = Math.max(now.getTime(), message.expiresAt.getTime());
  const expiresAt = new Date(base + days * DAY_MS);
  await tx
    .update(secureMessages)
    .set({ expiresAt, extendedAt: now })
    .where(and(eq(secureMessages.id, message.id), eq(secureMessages.orgId, actor.orgId)));
  const detail = `Expiry extended by ${days === 1 ? '1 day' : `${days} days`} to ${formatDateTime(expiresAt)}${reason ? `. Reason: ${reason}` : ''}`;
  await tx.insert(messageEvents).values({ messageId: message.id, orgId: actor.orgId, kind: 'extended', actor: actor.email, detail, occurredAt: now });
  await recordAuditEvent(tx, {
    orgId: actor.orgId,
    actor: auditActorOf(actor),
    action: 'secure_messages.extended',
    summary: `Extended the expiry of ${describeMessage(message)} by ${days === 1 ? '1 day' : `${days} days`}, to ${formatDateTime(expiresAt)}${reason ? `. Reason: ${reason}` : ''}`,
    target: { type: 'secure_message', id: message.id, label: targetLabel(message) },
    clientAddress: actor.clientAddress,
    metadata: { days, previousExpiresAt: message.expiresAt.toISOString(), expiresAt: expiresAt.toISOString(), ...(reason ? { reason } : {}) },
    now,
  });
  return { id: message.id, expiresAt, label: targetLabel(message) };
}

/** Why a bulk recall or extension is done, written to each message's log and audit event. */
export const bulkReasonField = z.string().trim().min(3, 'Say why, in a few words (at least 3 characters).').max(500, 'At most 500 characters.');

function reasonOf(raw: string): string {
  const parsed = bulkReasonField.safeParse(raw);
  if (!parsed.success) throw new AppError('invalid_input', parsed.error.issues[0]?.message ?? 'Say why.', { reason: parsed.error.issues.map((i) => i.message) });
  return parsed.data;
}

async function idsOf(actor: AdminActor, selection: BulkSelection, filters: MonitorFilters) {
  return selection.mode === 'ids' ? { ids: [...new Set(selection.ids)], capped: false } : matchingMessageIds(getDb(), actor.orgId, filters, BULK_CAP);
}

/**
 * "Recall selected": each message recalled as recallMessage does it (its log row, audit event and
 * key destruction), with the administrator's reason in both; one transaction per batch, a
 * message that cannot be recalled (already recalled, not found) reported with why. The files go
 * after each batch commits.
 */
export async function recallMessages(input: { actor: AdminActor; selection: BulkSelection; filters?: MonitorFilters; reason: string; now?: Date }): Promise<BulkOutcome> {
  const { actor } = input;
  const now = input.now ?? new Date();
  assertCanManage(actor);
  const reason = reasonOf(input.reason);
  const { ids, capped } = await idsOf(actor, input.selection, { ...input.filters, now });
  const labels = new Map<string, string>();
  let files: string[] = [];
  return runBulk(ids, {
    capped,
    transaction: async (body) => {
      files = [];
      const result = await getDb().transaction(body);
      await removeFiles(files);
      return result;
    },
    step: async (tx, id) => {
      const message = await lockMessage(tx, actor.orgId, id);
      labels.set(id, targetLabel(message));
      files.push(...(await recallLocked(tx, message, actor.orgId, { ...auditActorOf(actor), email: actor.email }, actor.clientAddress, now, reason)));
    },
    labelOf: (id) => labels.get(id) ?? id,
  });
}

/** "Extend selected": each message extended as extendMessageExpiry does it, with the reason in its log and audit event. */
export async function extendMessages(input: {
  actor: AdminActor;
  selection: BulkSelection;
  filters?: MonitorFilters;
  days: number;
  reason: string;
  now?: Date;
}): Promise<BulkOutcome> {
  const { actor, days } = input;
  const now = input.now ?? new Date();
  assertCanManage(actor);
  if (!isExtensionDays(days)) throw new AppError('invalid_input', 'Extend by 1, 7 or 30 days.', { days: ['Extend by 1, 7 or 30 days.'] });
  const reason = reasonOf(input.reason);
  const { ids, capped } = await idsOf(actor, input.selection, { ...input.filters, now });
  const labels = new Map<string, string>();
  return runBulk(ids, {
    capped,
    transaction: (body) => getDb().transaction(body),
    step: async (tx, id) => {
      await extendIn(tx, actor, id, days, now, reason, (label) => labels.set(id, label));
    },
    labelOf: (id) => labels.get(id) ?? id,
  });
}
