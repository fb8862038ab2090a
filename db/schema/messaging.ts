import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organisations } from './organisations';
import { policies } from './policies';
import { mailConnectors } from './mailflow';
import { bytea } from './types';

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
    /**
     * Plain subject and body: only rows written before encryption at rest, until `npm run keys --
     * migrate` (also run at start) seals them and empties these. New messages never fill them.
     */
    subject: text('subject'),
    bodyHtml: text('body_html'),
    bodyText: text('body_text'),
    /**
     * The message's data key (AES-256-GCM, fresh for each message), wrapped by version
     * `key_version` of the organisation's key-encryption key (lib/crypto/envelope.ts). Null once
     * destroyed (recall, deletion by every party, retention): the content cannot be read again.
     */
    dataKey: bytea('data_key'),
    keyVersion: integer('key_version'),
    /** The subject, and the body (sanitised HTML and its text), sealed under the data key; bound to the message and organisation. */
    subjectSealed: bytea('subject_sealed'),
    bodySealed: bytea('body_sealed'),
    /** When and why the data key (and the sealed content) were destroyed; the metadata stays for monitoring and the delivery log. */
    contentDestroyedAt: timestamp('content_destroyed_at', { withTimezone: true }),
    contentDestroyedReason: text('content_destroyed_reason', { enum: ['recalled', 'deleted', 'expired'] }),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    restriction: text('restriction', { enum: ['none', 'no_print', 'no_print_no_reply'] }).notNull().default('none'),
    readReceipt: boolean('read_receipt').notNull().default(false),
    status: text('status', { enum: ['sent', 'recalled'] }).notNull().default('sent'),
    extendedAt: timestamp('extended_at', { withTimezone: true }),
    policyId: uuid('policy_id').references(() => policies.id, { onDelete: 'set null' }),
    inReplyTo: uuid('in_reply_to'),
    /**
     * The conversation: the first message's id, shared by every reply down the chain (the inbox
     * shows a conversation as one row). Null on rows written before conversations: their own.
     */
    threadId: uuid('thread_id'),
    /** Set when the message came through the SMTP gateway: the organisation's connector that relayed it. */
    connectorId: uuid('connector_id').references(() => mailConnectors.id, { onDelete: 'set null' }),
  },
  (t) => [
    index('secure_messages_org_sent_idx').on(t.orgId, t.sentAt, t.id),
    index('secure_messages_sender_sent_idx').on(t.senderId, t.sentAt, t.id),
    index('secure_messages_thread_idx').on(t.threadId),
    // What `keys migrate` still has to seal, and what `keys rotate` still has to rewrap.
    index('secure_messages_plain_idx').on(t.id).where(sql`${t.subject} is not null`),
    index('secure_messages_key_version_idx').on(t.orgId, t.keyVersion).where(sql`${t.dataKey} is not null`),
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
    /** Denormalised from the message (its conversation), so the inbox groups conversations with one index. */
    threadId: uuid('thread_id'),
  },
  (t) => [
    primaryKey({ columns: [t.messageId, t.userId] }),
    index('message_recipients_inbox_idx').on(t.userId, t.sentAt, t.messageId),
    index('message_recipients_thread_idx').on(t.userId, t.threadId, t.sentAt),
  ],
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
     * The file's own data key: the file is stored as AES-256-GCM segments under it
     * (lib/crypto/segments.ts). While unsent it is wrapped by the server's upload key
     * (`file_key_wrap` = upload); once sent, by the message's data key (message), so destroying that
     * destroys the files too. Null with `sealed` false: a file stored before encryption at rest.
     */
    fileKey: bytea('file_key'),
    fileKeyWrap: text('file_key_wrap', { enum: ['upload', 'upload-kms', 'message'] }),
    sealed: boolean('sealed').notNull().default(false),
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
    index('attachments_plain_idx').on(t.id).where(sql`not ${t.sealed}`),
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

/**
 * A message being written, kept as the composer saves it (as the user types, and on leaving) so it
 * can be continued from Drafts. Its id is the compose page's draft id, the one its uploads carry
 * (attachments.draft_id). Recipients, subject and body are sealed under the draft's own data key,
 * wrapped like an unsent upload's key by the server's upload key (lib/crypto/keys.ts): a draft
 * belongs to no organisation until it is sent. Sending, or deleting it, removes the row.
 */
export const messageDrafts = pgTable(
  'message_drafts',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => portalUsers.id, { onDelete: 'cascade' }),
    /** The message it answers (a reply's draft). */
    inReplyTo: uuid('in_reply_to').references(() => secureMessages.id, { onDelete: 'set null' }),
    dataKey: bytea('data_key').notNull(),
    keyWrap: text('key_wrap', { enum: ['upload', 'upload-kms'] }).notNull(),
    /** To, Cc, subject and body (HTML as written), sealed together. */
    contentSealed: bytea('content_sealed').notNull(),
    readReceipt: boolean('read_receipt').notNull().default(false),
    restriction: text('restriction', { enum: ['none', 'no_print', 'no_print_no_reply'] }).notNull().default('none'),
    expireDays: integer('expire_days'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('message_drafts_user_idx').on(t.userId, t.updatedAt), check('message_drafts_expire_days', sql`${t.expireDays} in (1, 7, 30)`)],
);
