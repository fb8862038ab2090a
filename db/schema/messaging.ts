import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organisations } from './organisations';
import { policies } from './policies';
import { mailConnectors } from './mailflow';

export type PortalPreferences = {
  dateFormat: 'd MMM yyyy' | 'dd/MM/yyyy' | 'MM/dd/yyyy' | 'yyyy-MM-dd';
  timeFormat: '24h' | '12h';
  weekStartsOn: 0 | 1 | 6;
  /** IANA time zone the portal shows times in ("UTC", "Europe/Paris"); older rows have none (UTC). */
  timeZone?: string;
  signature: string;
};

/**
 * People who read and send secure messages: the organisations' licensed addresses (internal) and
 * everyone they write to (external). One account per address, whatever organisations it deals
 * with; the password is set by the person through an activation link.
 */
export const portalUsers = pgTable(
  'portal_users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Lower case (checked). */
    email: text('email').notNull(),
    displayName: text('display_name').notNull().default(''),
    passwordHash: text('password_hash'),
    status: text('status', { enum: ['pending', 'active', 'disabled'] }).notNull().default('pending'),
    sessionVersion: integer('session_version').notNull().default(1),
    preferences: jsonb('preferences').$type<PortalPreferences>(),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('portal_users_email_key').on(t.email),
    check('portal_users_email_lower', sql`${t.email} = lower(${t.email})`),
    // The few disabled accounts (addresses no longer licensed): adding addresses, 100,000 at a
    // time by CSV, looks among these only for accounts to bring back (lib/portal/licensed-accounts.ts).
    index('portal_users_disabled_idx').on(t.email).where(sql`${t.status} = 'disabled'`),
  ],
);

export const secureMessages = pgTable(
  'secure_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The organisation whose policies, monitoring and reports the message belongs to. */
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    senderId: uuid('sender_id')
      .notNull()
      .references(() => portalUsers.id, { onDelete: 'restrict' }),
    /** Outbound when an internal user sent it, inbound when an external one did. */
    direction: text('direction', { enum: ['outbound', 'inbound'] }).notNull(),
    subject: text('subject').notNull(),
    /** Sanitised on write: no script, no event handlers, no remote resources. */
    bodyHtml: text('body_html').notNull(),
    bodyText: text('body_text').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    restriction: text('restriction', { enum: ['none', 'no_print', 'no_print_no_reply'] }).notNull().default('none'),
    readReceipt: boolean('read_receipt').notNull().default(false),
    status: text('status', { enum: ['sent', 'recalled'] }).notNull().default('sent'),
    extendedAt: timestamp('extended_at', { withTimezone: true }),
    policyId: uuid('policy_id').references(() => policies.id, { onDelete: 'set null' }),
    inReplyTo: uuid('in_reply_to'),
    /** Set when the message came through the SMTP gateway: the organisation's connector that relayed it. */
    connectorId: uuid('connector_id').references(() => mailConnectors.id, { onDelete: 'set null' }),
  },
  (t) => [
    index('secure_messages_org_sent_idx').on(t.orgId, t.sentAt, t.id),
    index('secure_messages_sender_sent_idx').on(t.senderId, t.sentAt, t.id),
  ],
);

export const messageRecipients = pgTable(
  'message_recipients',
  {
    messageId: uuid('message_id')
      .notNull()
      .references(() => secureMessages.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => portalUsers.id, { onDelete: 'restrict' }),
    kind: text('kind', { enum: ['to', 'cc'] }).notNull(),
    /** Denormalised from the message so a recipient's inbox is one index range scan. */
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull(),
    readAt: timestamp('read_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    receiptSentAt: timestamp('receipt_sent_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.userId] }), index('message_recipients_inbox_idx').on(t.userId, t.sentAt, t.messageId)],
);

/** A sender's own copy state (Sent folder). */
export const messageSenderState = pgTable('message_sender_state', {
  messageId: uuid('message_id')
    .primaryKey()
    .references(() => secureMessages.id, { onDelete: 'cascade' }),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
});

export const attachments = pgTable(
  'attachments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Null while uploaded for a message not yet sent. */
    messageId: uuid('message_id').references(() => secureMessages.id, { onDelete: 'cascade' }),
    uploadedBy: uuid('uploaded_by')
      .notNull()
      .references(() => portalUsers.id, { onDelete: 'cascade' }),
    fileName: text('file_name').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    /** Generated by the server; never derived from the file name. */
    storageKey: text('storage_key').notNull(),
    /**
     * While unsent: the message being written, as the server named it for its compose page (one
     * per page, signed for its user), so each message has its own 50 MB; all of a user's unsent
     * uploads together are held to 200 MB (lib/messaging/attachments.ts).
     */
    draftId: uuid('draft_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('attachments_message_idx').on(t.messageId),
    uniqueIndex('attachments_storage_key').on(t.storageKey),
    index('attachments_unsent_idx').on(t.uploadedBy, t.draftId).where(sql`${t.messageId} is null`),
  ],
);

/** The log shown in monitoring: sent, notified, opened, replied, recalled, extended. */
export const messageEvents = pgTable(
  'message_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => secureMessages.id, { onDelete: 'cascade' }),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['sent', 'notified', 'opened', 'replied', 'recalled', 'extended'] }).notNull(),
    actor: text('actor').notNull().default(''),
    detail: text('detail').notNull().default(''),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('message_events_message_idx').on(t.messageId, t.occurredAt)],
);
