import { boolean, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { administrators } from './administrators';
import { organisations } from './organisations';

/**
 * The organisation's mail policies: a condition and what happens to matching mail. Configured by
 * Sealpost operators; administrators read them at /policies.
 */
export const policies = pgTable(
  'policies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Evaluation order: lower first. */
    position: integer('position').notNull().default(0),
    conditionKind: text('condition_kind', { enum: ['subject_contains', 'recipient_without_tls', 'sender_in_group', 'attachment_present'] }).notNull(),
    conditionValue: text('condition_value').notNull().default(''),
    delivery: text('delivery', { enum: ['secure_portal', 'sms_two_factor', 'tls_required'] }).notNull(),
    expireAfterDays: integer('expire_after_days'),
    readReceipt: boolean('read_receipt').notNull().default(false),
    restriction: text('restriction', { enum: ['none', 'no_print', 'no_print_no_reply'] }).notNull().default('none'),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('policies_org_idx').on(t.orgId, t.position)],
);

export const policyChanges = pgTable(
  'policy_changes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    policyId: uuid('policy_id')
      .notNull()
      .references(() => policies.id, { onDelete: 'cascade' }),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
    changedBy: text('changed_by').notNull(),
    summary: text('summary').notNull(),
  },
  (t) => [index('policy_changes_org_time_idx').on(t.orgId, t.changedAt)],
);

/** Where a policy change request stands: sent to the Sealpost operators, being worked on, done or declined. */
export const POLICY_CHANGE_REQUEST_STATES = ['sent', 'in_progress', 'done', 'declined'] as const;

/**
 * An administrator's request to change the policies (which Sealpost operators configure): the
 * request is emailed to the operators and listed on /policies with its state.
 */
export const policyChangeRequests = pgTable(
  'policy_change_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    /** The policy to change; null for a new policy (or one deleted since). */
    policyId: uuid('policy_id').references(() => policies.id, { onDelete: 'set null' }),
    /** The policy's name when the request was made, so the request still reads after a rename or deletion. */
    policyName: text('policy_name').notNull().default(''),
    requestedById: uuid('requested_by_id').references(() => administrators.id, { onDelete: 'set null' }),
    requestedByEmail: text('requested_by_email').notNull(),
    details: text('details').notNull(),
    state: text('state', { enum: POLICY_CHANGE_REQUEST_STATES }).notNull().default('sent'),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
    /** When the state last changed (the operators' answer). */
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('policy_change_requests_org_time_idx').on(t.orgId, t.requestedAt)],
);
