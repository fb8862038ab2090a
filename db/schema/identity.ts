import { sql } from 'drizzle-orm';
import { boolean, check, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { administrators } from './administrators';
import { portalUsers } from './messaging';
import { organisations } from './organisations';

/**
 * An organisation's identity provider for Domain sign-in (OpenID Connect): at most one per
 * organisation. The client secret is stored encrypted (lib/domain-sign-in/secret-box.ts).
 */
export const identityProviders = pgTable(
  'identity_providers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    issuer: text('issuer').notNull(),
    clientId: text('client_id').notNull(),
    clientSecretEncrypted: text('client_secret_encrypted').notNull(),
    /** The organisation's email domains whose people sign in through this provider (lower case). */
    domains: text('domains').array().notNull(),
    requiredForAdministrators: boolean('required_for_administrators').notNull().default(false),
    requiredForInternalUsers: boolean('required_for_internal_users').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [uniqueIndex('identity_providers_org_key').on(t.orgId), check('identity_providers_domains', sql`cardinality(${t.domains}) > 0`)],
);

/**
 * One Domain sign-in in progress: created when the browser is sent to the provider, used once
 * when it comes back. The state is also in a cookie of that browser, so a callback that was
 * started elsewhere is refused. Only the state's hash is stored.
 */
export const domainSignIns = pgTable(
  'domain_sign_ins',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    stateHash: text('state_hash').notNull(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['administrator', 'portal_user'] }).notNull(),
    nonce: text('nonce').notNull(),
    codeVerifier: text('code_verifier').notNull(),
    /** Where to go after signing in (a path on this site). */
    returnTo: text('return_to').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** When the provider's answer came back (once). */
    usedAt: timestamp('used_at', { withTimezone: true }),
    /** The account the provider vouched for, and the hash of the one-time ticket that opens its session. */
    accountId: uuid('account_id'),
    ticketHash: text('ticket_hash'),
    redeemedAt: timestamp('redeemed_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('domain_sign_ins_state_key').on(t.stateHash), index('domain_sign_ins_expires_idx').on(t.expiresAt)],
);

/**
 * The identity an account is bound to at its organisation's identity provider: set at the
 * account's first Domain sign-in, after which only the same (issuer, subject) signs it in, whatever
 * email the provider later vouches for. A level 1 administrator removes the binding to let the
 * person link again; changing the provider's issuer removes every binding to the old one.
 * Exactly one of administratorId and portalUserId is set, matching `kind`.
 */
export const domainIdentities = pgTable(
  'domain_identities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['administrator', 'portal_user'] }).notNull(),
    administratorId: uuid('administrator_id').references(() => administrators.id, { onDelete: 'cascade' }),
    portalUserId: uuid('portal_user_id').references(() => portalUsers.id, { onDelete: 'cascade' }),
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    linkedAt: timestamp('linked_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('domain_identities_administrator_key').on(t.administratorId),
    uniqueIndex('domain_identities_portal_user_key').on(t.portalUserId),
    index('domain_identities_org_idx').on(t.orgId),
    check(
      'domain_identities_one_account',
      sql`(${t.kind} = 'administrator' and ${t.administratorId} is not null and ${t.portalUserId} is null) or (${t.kind} = 'portal_user' and ${t.portalUserId} is not null and ${t.administratorId} is null)`,
    ),
  ],
);
