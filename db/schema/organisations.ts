import { sql } from 'drizzle-orm';
import { boolean, check, date, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bytea, citext } from './types';

export const organisations = pgTable(
  'organisations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    addressLine1: text('address_line1').notNull().default(''),
    addressLine2: text('address_line2').notNull().default(''),
    city: text('city').notNull().default(''),
    region: text('region').notNull().default(''),
    postalCode: text('postal_code').notNull().default(''),
    country: text('country').notNull().default(''),
    /** Discount and tax in basis points (1250 = 12.50 %): integers, like money. */
    discountBps: integer('discount_bps').notNull().default(0),
    taxRateBps: integer('tax_rate_bps').notNull().default(0),
    /**
     * Where receipts and invoices also go (an accounts department), besides the administrator who
     * paid; empty: only to them. Set by a level 1 administrator on /settings/billing.
     */
    billingEmail: text('billing_email').notNull().default(''),
    /** Suppression after soft bounces: this many consecutive soft bounces … */
    softBounceLimit: integer('soft_bounce_limit').notNull().default(5),
    /** … within this many days put an address on the suppression list. */
    softBounceDays: integer('soft_bounce_days').notNull().default(7),
    /**
     * Administrators must sign in with a second factor (an authenticator app); one without it is
     * taken to enrolment and can do nothing else. On for new organisations.
     */
    requireAdministratorTwoFactor: boolean('require_administrator_two_factor').notNull().default(true),
    /**
     * The inbound route (issue #17, "replies come home"): the organisation's own mail server, where
     * a reply an external recipient writes in the portal is also delivered by SMTP to the internal
     * user's mailbox. Null: replies stay in the portal only.
     */
    inboundRouteHost: text('inbound_route_host'),
    inboundRoutePort: integer('inbound_route_port'),
    /** `verified`: STARTTLS with a certificate verified for the host, never plain text; `opportunistic`: STARTTLS when offered. */
    inboundRouteTls: text('inbound_route_tls', { enum: ['verified', 'opportunistic'] }).notNull().default('verified'),
    /**
     * Secure messages older than this many days have their data key destroyed (a nightly job):
     * only the metadata monitoring and the delivery log need stays. Null: kept until deleted.
     */
    messageRetentionDays: integer('message_retention_days'),
    /** Internal users may recall their own messages from Sent (administrators always can). */
    senderMayRecall: boolean('sender_may_recall').notNull().default(false),
    /**
     * The organisation's logo (PNG or JPEG, at most 256 KB; SVG is refused), shown with its name on
     * the portal and in notification emails (lib/organisations/branding.ts). Null: none.
     */
    logo: bytea('logo'),
    logoContentType: text('logo_content_type', { enum: ['image/png', 'image/jpeg'] }),
    logoUpdatedAt: timestamp('logo_updated_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('organisations_retention_range', sql`${t.messageRetentionDays} between 1 and 36500`),
    check('organisations_discount_range', sql`${t.discountBps} between 0 and 10000`),
    check('organisations_tax_range', sql`${t.taxRateBps} between 0 and 10000`),
    check('organisations_inbound_route_pair', sql`(${t.inboundRouteHost} is null) = (${t.inboundRoutePort} is null)`),
    check('organisations_logo_pair', sql`(${t.logo} is null) = (${t.logoContentType} is null)`),
    check('organisations_inbound_route_port', sql`${t.inboundRoutePort} between 1 and 65535`),
  ],
);

export const domains = pgTable(
  'domains',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    domain: citext('domain').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // A domain belongs to exactly one organisation.
  (t) => [uniqueIndex('domains_domain_key').on(t.domain), index('domains_org_idx').on(t.orgId)],
);

export const subscriptions = pgTable(
  'subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    termStart: date('term_start', { mode: 'string' }).notNull(),
    /** End of the current annual term. */
    renewalDate: date('renewal_date', { mode: 'string' }).notNull(),
    licensesPurchased: integer('licenses_purchased').notNull().default(0),
    /**
     * The organisation's licensed addresses, kept by triggers on licensed_emails (migration 0012)
     * for every insert, delete and move, whoever makes it: pages read it instead of counting.
     */
    licensesUsed: integer('licenses_used').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('subscriptions_org_key').on(t.orgId),
    check('subscriptions_licenses_nonnegative', sql`${t.licensesPurchased} >= 0`),
    check('subscriptions_term_order', sql`${t.renewalDate} > ${t.termStart}`),
  ],
);

/** Price per license per year by the organisation's total number of licenses. */
export const priceTiers = pgTable(
  'price_tiers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    minLicenses: integer('min_licenses').notNull(),
    /** Inclusive upper bound; null for the open-ended top tier. */
    maxLicenses: integer('max_licenses'),
    unitPriceCents: integer('unit_price_cents').notNull(),
  },
  (t) => [
    uniqueIndex('price_tiers_min_key').on(t.minLicenses),
    check('price_tiers_price_positive', sql`${t.unitPriceCents} > 0`),
  ],
);

export const licensedEmails = pgTable(
  'licensed_emails',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    /**
     * Plain text, always lower case (checked): comparing and indexing 100,000-row imports is about
     * twice as fast as citext, and every input is normalised anyway.
     */
    email: text('email').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Domains are unique across organisations, so an address is too.
    uniqueIndex('licensed_emails_email_key').on(t.email),
    check('licensed_emails_email_lower', sql`${t.email} = lower(${t.email})`),
    index('licensed_emails_org_created_idx').on(t.orgId, t.createdAt, t.id),
  ],
);
