import { sql } from 'drizzle-orm';
import { bigint, boolean, check, customType, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organisations } from './organisations';
import { portalUsers } from './messaging';
import { citext } from './types';

export const administrators = pgTable(
  'administrators',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    email: citext('email').notNull(),
    name: text('name').notNull(),
    phone: text('phone').notNull().default(''),
    addressLine1: text('address_line1').notNull().default(''),
    addressLine2: text('address_line2').notNull().default(''),
    city: text('city').notNull().default(''),
    region: text('region').notNull().default(''),
    postalCode: text('postal_code').notNull().default(''),
    country: text('country').notNull().default(''),
    /** 1 = full access, 2 = general administration, 3 = read-only. */
    level: integer('level').notNull(),
    status: text('status', { enum: ['active', 'inactive'] }).notNull().default('active'),
    passwordHash: text('password_hash').notNull(),
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    /** Bumped to end every session: a token carrying an older version is refused. */
    sessionVersion: integer('session_version').notNull().default(1),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
    passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }),
    /**
     * The authenticator app's shared secret (RFC 6238, base32), in force once `totpEnabledAt` is
     * set; before that, a secret being enrolled (shown once, confirmed by a first code).
     */
    totpSecret: text('totp_secret'),
    totpEnabledAt: timestamp('totp_enabled_at', { withTimezone: true }),
    /** The time step of the last accepted code: a code of that step or an earlier one is refused (replay). */
    totpLastTimeStep: bigint('totp_last_time_step', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('administrators_email_key').on(t.email),
    index('administrators_org_idx').on(t.orgId),
    check('administrators_level_range', sql`${t.level} between 1 and 3`),
  ],
);

/** Single-use tokens for password resets and account activation, stored only as SHA-256 hashes. */
export const passwordTokens = pgTable(
  'password_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Null for portal accounts, which belong to no single organisation. */
    orgId: uuid('org_id').references(() => organisations.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: ['reset', 'activation'] }).notNull(),
    administratorId: uuid('administrator_id').references(() => administrators.id, { onDelete: 'cascade' }),
    /** Set instead of administratorId for secure-message portal accounts. */
    portalUserId: uuid('portal_user_id').references(() => portalUsers.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('password_tokens_hash_key').on(t.tokenHash),
    index('password_tokens_admin_idx').on(t.administratorId),
    index('password_tokens_portal_user_idx').on(t.portalUserId),
  ],
);

/** Fixed-window counters for throttling (sign-in attempts, reset requests), shared by every instance. */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  count: integer('count').notNull(),
  windowEndsAt: timestamp('window_ends_at', { withTimezone: true }).notNull(),
  /**
   * The audit event that counts the attempts this counter refused in its current window (one
   * event with a count, not one per refusal); cleared when a new window starts. No foreign key:
   * an event deleted with its organisation just means the next refusal starts a new one.
   */
  throttledEventId: bigint('throttled_event_id', { mode: 'number' }),
});

/**
 * An administrator's email change waiting for confirmation from the new address: the email
 * changes only when the single-use link sent there is opened. One pending change per
 * administrator (a new request replaces it); only the link's SHA-256 hash is stored.
 */
export const administratorEmailChanges = pgTable(
  'administrator_email_changes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    administratorId: uuid('administrator_id')
      .notNull()
      .references(() => administrators.id, { onDelete: 'cascade' }),
    newEmail: citext('new_email').notNull(),
    tokenHash: text('token_hash').notNull(),
    /** The administrator who asked for the change. */
    requestedBy: text('requested_by').notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('administrator_email_changes_admin_key').on(t.administratorId), uniqueIndex('administrator_email_changes_token_key').on(t.tokenHash)],
);

/**
 * An invitation to become an administrator: the contact details and level chosen by whoever
 * invited, and a single-use link (only its SHA-256 hash stored, 7 days) where the new
 * administrator sets their own password. The administrator row is created when it is accepted,
 * so nobody ever holds a password another person chose. At most one open (neither accepted nor
 * revoked) invitation per address; accepted and revoked ones stay so an old link can say why it
 * no longer works.
 */
export const administratorInvitations = pgTable(
  'administrator_invitations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    email: citext('email').notNull(),
    name: text('name').notNull(),
    phone: text('phone').notNull().default(''),
    addressLine1: text('address_line1').notNull().default(''),
    addressLine2: text('address_line2').notNull().default(''),
    city: text('city').notNull().default(''),
    region: text('region').notNull().default(''),
    postalCode: text('postal_code').notNull().default(''),
    country: text('country').notNull().default(''),
    level: integer('level').notNull(),
    tokenHash: text('token_hash').notNull(),
    /** Who sent it (or sent it last), as shown in the email. */
    invitedBy: text('invited_by').notNull(),
    invitedAt: timestamp('invited_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    administratorId: uuid('administrator_id').references(() => administrators.id, { onDelete: 'set null' }),
  },
  (t) => [
    uniqueIndex('administrator_invitations_token_key').on(t.tokenHash),
    uniqueIndex('administrator_invitations_open_email_key').on(t.email).where(sql`${t.acceptedAt} is null and ${t.revokedAt} is null`),
    index('administrator_invitations_org_idx').on(t.orgId),
    check('administrator_invitations_level_range', sql`${t.level} between 1 and 3`),
  ],
);

/** Single-use recovery codes of an administrator's second factor, stored only as SHA-256 hashes. */
export const administratorRecoveryCodes = pgTable(
  'administrator_recovery_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    administratorId: uuid('administrator_id')
      .notNull()
      .references(() => administrators.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('administrator_recovery_codes_key').on(t.administratorId, t.codeHash)],
);

/**
 * A sign-in waiting for its second factor: the password was right; the browser holds the ticket
 * (a cookie; only its hash is stored) for 10 minutes and a few tries at the code.
 */
export const administratorSignInChallenges = pgTable('administrator_sign_in_challenges', {
  id: uuid('id').primaryKey().defaultRandom(),
  administratorId: uuid('administrator_id')
    .notNull()
    .references(() => administrators.id, { onDelete: 'cascade' }),
  ticketHash: text('ticket_hash').notNull(),
  attempts: integer('attempts').notNull().default(0),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * How and when each administrator session last authenticated (RFC 8176 `amr` values, e.g.
 * ['pwd'], ['pwd', 'otp']): written at sign-in under the session's own id (the token's `sid`) and
 * again at each step-up (lib/auth/amr.ts). Step-up for sensitive changes asks for an
 * authentication within the last 10 minutes. Rows older than a session can live are removed as
 * new ones are written.
 */
export const administratorSessionAuthentications = pgTable(
  'administrator_session_authentications',
  {
    sessionId: uuid('session_id').primaryKey(),
    administratorId: uuid('administrator_id')
      .notNull()
      .references(() => administrators.id, { onDelete: 'cascade' }),
    amr: text('amr').array().notNull(),
    authenticatedAt: timestamp('authenticated_at', { withTimezone: true }).notNull(),
    signedInAt: timestamp('signed_in_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('administrator_session_authentications_admin_idx').on(t.administratorId, t.signedInAt)],
);

/**
 * An administrator's passkey or security key (WebAuthn): a second factor after the password, and
 * (when the authenticator verifies its user and keeps the credential) a password-less sign-in.
 * The public key as the authenticator gave it (COSE); the signature counter, which must grow
 * when the authenticator keeps one (a smaller or equal value means a cloned key and is refused).
 */
export const administratorPasskeys = pgTable(
  'administrator_passkeys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    administratorId: uuid('administrator_id')
      .notNull()
      .references(() => administrators.id, { onDelete: 'cascade' }),
    /** The credential id, base64url, as the browser reports it. */
    credentialId: text('credential_id').notNull(),
    publicKey: customType<{ data: Buffer }>({ dataType: () => 'bytea' })('public_key').notNull(),
    counter: bigint('counter', { mode: 'number' }).notNull().default(0),
    /** How the browser can reach it (usb, nfc, ble, hybrid, internal). */
    transports: text('transports').array().notNull().default(sql`'{}'::text[]`),
    name: text('name').notNull(),
    /** Synced between devices (multiDevice) or bound to one authenticator (singleDevice). */
    deviceType: text('device_type', { enum: ['singleDevice', 'multiDevice'] }).notNull(),
    backedUp: boolean('backed_up').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('administrator_passkeys_credential_key').on(t.credentialId), index('administrator_passkeys_admin_idx').on(t.administratorId)],
);

/**
 * A WebAuthn challenge handed to a browser, used once (deleted when its answer comes back) and
 * only for a few minutes. In the database so any web process can check the answer. A sign-in's
 * second step ties it to that sign-in (`signInChallengeId`); registration to the administrator;
 * a password-less sign-in to nobody yet.
 */
export const webauthnChallenges = pgTable(
  'webauthn_challenges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    purpose: text('purpose', { enum: ['registration', 'sign_in', 'second_factor'] }).notNull(),
    administratorId: uuid('administrator_id').references(() => administrators.id, { onDelete: 'cascade' }),
    signInChallengeId: uuid('sign_in_challenge_id').references(() => administratorSignInChallenges.id, { onDelete: 'cascade' }),
    /** base64url, as sent in the options. */
    challenge: text('challenge').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('webauthn_challenges_expires_idx').on(t.expiresAt)],
);
