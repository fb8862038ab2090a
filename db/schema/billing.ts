import { sql } from 'drizzle-orm';
import { check, date, index, integer, jsonb, pgSequence, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { administrators } from './administrators';
import { organisations } from './organisations';

/**
 * `detail` lists what the line covers, e.g. the addresses added with the licenses; `period` the
 * service period it pays for (from its first day to the renewal date that ends it, as terms are
 * shown everywhere), on invoices issued since it exists.
 */
export type InvoiceLine = { description: string; quantity: number; unitPriceCents: number; amountCents: number; detail?: string; period?: { from: string; to: string } };

/**
 * A purchase of licenses or a renewal, priced on the server. It stays `open` until it is paid
 * (card) or confirmed (check); fulfilment moves it to `fulfilled` exactly once.
 */
export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['licenses', 'renewal'] }).notNull(),
    status: text('status', { enum: ['open', 'fulfilled', 'cancelled'] }).notNull().default('open'),
    quantity: integer('quantity').notNull(),
    unitPriceCents: integer('unit_price_cents').notNull(),
    /** Proration: days from purchase to renewal over days in the term (renewals: the whole term). */
    daysCharged: integer('days_charged').notNull(),
    daysInTerm: integer('days_in_term').notNull(),
    subtotalCents: integer('subtotal_cents').notNull(),
    discountBps: integer('discount_bps').notNull().default(0),
    discountCents: integer('discount_cents').notNull().default(0),
    taxBps: integer('tax_bps').notNull().default(0),
    taxCents: integer('tax_cents').notNull().default(0),
    totalCents: integer('total_cents').notNull(),
    lines: jsonb('lines').$type<InvoiceLine[]>().notNull(),
    poNumber: text('po_number').notNull().default(''),
    /** The subscription's renewal date the price was computed against; a change makes the order stale. */
    pricedForRenewalDate: date('priced_for_renewal_date', { mode: 'string' }).notNull(),
    paymentMethod: text('payment_method', { enum: ['card', 'check'] }),
    paymentIntentId: text('payment_intent_id'),
    createdBy: uuid('created_by').references(() => administrators.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    fulfilledAt: timestamp('fulfilled_at', { withTimezone: true }),
  },
  (t) => [
    index('orders_org_idx').on(t.orgId, t.createdAt),
    uniqueIndex('orders_payment_intent_key').on(t.paymentIntentId),
    check('orders_quantity_positive', sql`${t.quantity} > 0`),
    check('orders_total_nonnegative', sql`${t.totalCents} >= 0`),
  ],
);

/** Addresses waiting for their order to be paid; added to licensed_emails on fulfilment. */
export const orderEmails = pgTable(
  'order_emails',
  {
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.email] })],
);

export const invoiceNumbers = pgSequence('invoice_number_seq', { startWith: 1, increment: 1 });

export const invoices = pgTable(
  'invoices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'restrict' }),
    number: text('number').notNull(),
    issuedOn: date('issued_on', { mode: 'string' }).notNull(),
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    status: text('status', { enum: ['open', 'paid', 'void'] }).notNull(),
    paymentMethod: text('payment_method', { enum: ['card', 'check'] }).notNull(),
    poNumber: text('po_number').notNull().default(''),
    billTo: jsonb('bill_to').$type<{ name: string; organisation: string; lines: string[] }>().notNull(),
    lines: jsonb('lines').$type<InvoiceLine[]>().notNull(),
    subtotalCents: integer('subtotal_cents').notNull(),
    discountCents: integer('discount_cents').notNull(),
    taxCents: integer('tax_cents').notNull(),
    totalCents: integer('total_cents').notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    /** The card that paid it (brand as the provider names it, e.g. `visa`, and its last four digits); empty otherwise. */
    cardBrand: text('card_brand').notNull().default(''),
    cardLast4: text('card_last4').notNull().default(''),
    /** An open check invoice paid by card later ("Pay now"): the Stripe PaymentIntent for it. */
    paymentIntentId: text('payment_intent_id'),
    voidedAt: timestamp('voided_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('invoices_number_key').on(t.number),
    uniqueIndex('invoices_order_key').on(t.orderId),
    uniqueIndex('invoices_payment_intent_key').on(t.paymentIntentId),
    // The invoices list filters by status and totals what is open.
    index('invoices_org_status_idx').on(t.orgId, t.status),
    index('invoices_org_idx').on(t.orgId, t.createdAt),
  ],
);

export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'restrict' }),
    provider: text('provider', { enum: ['stripe', 'test_gateway', 'check'] }).notNull(),
    /** The provider's id (PaymentIntent id, or the check's reference); unique so a replay pays nothing twice. */
    providerReference: text('provider_reference').notNull(),
    amountCents: integer('amount_cents').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('payments_provider_reference_key').on(t.provider, t.providerReference), uniqueIndex('payments_order_key').on(t.orderId)],
);

/** Provider webhook events already processed: a replayed event id changes nothing. */
export const webhookEvents = pgTable('webhook_events', {
  id: text('id').primaryKey(),
  provider: text('provider').notNull(),
  type: text('type').notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Renewal reminders sent, one per term and offset: a reminder job that runs twice sends once. */
export const renewalReminders = pgTable(
  'renewal_reminders',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    renewalDate: date('renewal_date', { mode: 'string' }).notNull(),
    daysBefore: integer('days_before').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.renewalDate, t.daysBefore] })],
);
