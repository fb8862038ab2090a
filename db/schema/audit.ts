import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organisations } from './organisations';

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** Null only for events that belong to no organisation (a failed sign-in for an unknown address). */
    orgId: uuid('org_id').references(() => organisations.id, { onDelete: 'cascade' }),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    actorType: text('actor_type', { enum: ['administrator', 'portal_user', 'system', 'anonymous'] }).notNull(),
    actorId: uuid('actor_id'),
    actorEmail: text('actor_email').notNull().default(''),
    action: text('action').notNull(),
    targetType: text('target_type').notNull().default(''),
    targetId: text('target_id').notNull().default(''),
    targetLabel: text('target_label').notNull().default(''),
    summary: text('summary').notNull(),
    clientAddress: text('client_address').notNull().default(''),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    // Keyset pagination: newest first within an organisation, optionally by action or actor.
    index('audit_events_org_time_idx').on(t.orgId, t.occurredAt, t.id),
    index('audit_events_org_action_time_idx').on(t.orgId, t.action, t.occurredAt, t.id),
    index('audit_events_org_actor_time_idx').on(t.orgId, t.actorEmail, t.occurredAt, t.id),
    // The free-text search of /events (lib/audit/queries.ts, auditSearchText): a substring of the
    // summary or the target, as trigrams, so it stays an index lookup with 100,000s of events.
    index('audit_events_text_trgm').using('gin', sql`(${t.summary} || ' ' || ${t.targetLabel}) gin_trgm_ops`),
  ],
);
