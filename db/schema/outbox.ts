import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organisations } from './organisations';
import { bytea } from './types';

/**
 * Every email and SMS the product sends. A row is written in the same transaction as the change
 * that causes it, with a job to deliver it; the job marks it sent exactly once.
 */
export const outboxMessages = pgTable(
  'outbox_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id').references(() => organisations.id, { onDelete: 'cascade' }),
    channel: text('channel', { enum: ['email', 'sms'] }).notNull(),
    /** Template name, e.g. `password_reset`. */
    kind: text('kind').notNull(),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull().default(''),
    bodyText: text('body_text').notNull(),
    bodyHtml: text('body_html').notNull().default(''),
    /**
     * The body holds a secret (a reset, activation or invitation link, an SMS code): once a real
     * transport has taken it (or given up on it), the stored body is redacted (lib/mail/deliver.ts).
     */
    carriesSecret: boolean('carries_secret').notNull().default(false),
    /** Sent to the provider so a retried send is delivered once. */
    idempotencyKey: text('idempotency_key').notNull(),
    status: text('status', { enum: ['queued', 'sent', 'failed'] }).notNull().default('queued'),
    transport: text('transport').notNull().default(''),
    providerId: text('provider_id').notNull().default(''),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('outbox_messages_idempotency_key').on(t.idempotencyKey),
    index('outbox_messages_created_idx').on(t.createdAt),
    // Resend's delivery webhooks find our message by the provider's email id.
    index('outbox_messages_provider_idx').on(t.providerId),
  ],
);

/**
 * What an attachment of an outbox message is made from when it is not stored yet: an invoice's
 * PDF is rendered by the delivery job (Chromium is too slow for the transaction that queues the
 * mail), then kept here so a retry sends the same bytes.
 */
export type OutboxAttachmentSource = { type: 'invoice_pdf'; orgId: string; invoiceId: string };

/** Files sent with an outbox message (an invoice or receipt's PDF). */
export const outboxAttachments = pgTable(
  'outbox_attachments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => outboxMessages.id, { onDelete: 'cascade' }),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    /** Null until made from `source`. */
    content: bytea('content'),
    source: jsonb('source').$type<OutboxAttachmentSource>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('outbox_attachments_message_idx').on(t.messageId)],
);
