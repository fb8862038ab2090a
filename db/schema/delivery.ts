import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organisations } from './organisations';

export const DELIVERY_EVENTS = ['delivered', 'bounced', 'deferred', 'dropped', 'rejected', 'opened'] as const;
export const DELIVERY_METHODS = ['tls', 'secure_portal', 'sms_two_factor', 'plain'] as const;
export const BOUNCE_CLASSES = ['hard', 'soft'] as const;

/**
 * Every delivery attempt of an organisation's mail (SPEC §10): from the email provider's webhooks
 * and from the ingest API. Millions of rows: searched by time range within an organisation, with
 * trigram indexes for the free-text parts of the query language.
 */
export const deliveryEvents = pgTable(
  'delivery_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    messageId: text('message_id').notNull(),
    sender: text('sender').notNull(),
    recipient: text('recipient').notNull(),
    event: text('event', { enum: DELIVERY_EVENTS }).notNull(),
    method: text('method', { enum: DELIVERY_METHODS }).notNull(),
    remoteServer: text('remote_server').notNull().default(''),
    smtpCode: integer('smtp_code'),
    /** RFC 3463 enhanced status code, e.g. 5.1.1. */
    enhancedCode: text('enhanced_code').notNull().default(''),
    diagnostic: text('diagnostic').notNull().default(''),
    bounceClass: text('bounce_class', { enum: BOUNCE_CLASSES }),
    /** Where it came from: 'ingest' (API) or 'provider' (our own notification mail). */
    source: text('source').notNull().default('ingest'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('delivery_events_org_time_idx').on(t.orgId, t.occurredAt, t.id),
    index('delivery_events_sender_trgm').using('gin', sql`${t.sender} gin_trgm_ops`),
    index('delivery_events_recipient_trgm').using('gin', sql`${t.recipient} gin_trgm_ops`),
    index('delivery_events_diagnostic_trgm').using('gin', sql`${t.diagnostic} gin_trgm_ops`),
    index('delivery_events_org_message_idx').on(t.orgId, t.messageId),
  ],
);
