import { sql, type SQL } from 'drizzle-orm';
import { bigint, boolean, check, customType, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { BOUNCE_REASONS } from '../../lib/delivery/classify-bounce';
import { DELIVERY_ROUTES } from '../../lib/delivery/routes';
import { organisations } from './organisations';

export { BOUNCE_REASONS, DELIVERY_ROUTES };

/**
 * 'complained': a feedback-loop (ARF) report, the recipient marked the message as spam.
 * 'unparsed': a raw bounce that could not be read; its original is kept in raw_bounces for 30 days.
 */
export const DELIVERY_EVENTS = ['delivered', 'bounced', 'deferred', 'dropped', 'rejected', 'opened', 'complained', 'unparsed'] as const;
export const DELIVERY_METHODS = ['tls', 'secure_portal', 'sms_two_factor', 'plain'] as const;
export const BOUNCE_CLASSES = ['hard', 'soft'] as const;

/**
 * The route of an event (deliveryEvents.route, NTA 7516; lib/delivery/routes.ts), as SQL over its
 * event, method and tls_verified: TLS with a certificate verified for the server's name, TLS
 * without one (or not known to be verified), plain text, the secure portal, the secure portal
 * with SMS; none for what was never sent (dropped: a suppressed address; an unparsed bounce).
 */
export function deliveryRouteOf(t: { event: AnyPgColumn; method: AnyPgColumn; tlsVerified: AnyPgColumn }): SQL {
  return sql`case when ${t.event} in ('dropped', 'unparsed') then null else case ${t.method} when 'secure_portal' then 'secure_portal' when 'sms_two_factor' then 'secure_portal_sms' when 'plain' then 'plain' else case when ${t.tlsVerified} then 'tls_verified' else 'tls_unverified' end end end`;
}

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

type TextColumns = Record<'sender' | 'recipient' | 'messageId' | 'diagnostic' | 'remoteServer', AnyPgColumn>;

/**
 * The words of an event's text columns, for free-text search. PostgreSQL's parser keeps an email
 * address, a host name or an enhanced code like 5.1.1 as one word ('person@example.com'); the
 * addresses again with '@', '.', '<' and '>' as spaces add their parts ('person', 'example', 'com';
 * without its '@' the parser would take `<id@host>` for an HTML tag and drop it). A whole
 * address is then one rare word in a GIN index, where a trigram search for it walks the huge
 * posting lists of the trigrams every address shares ("exa", "com"): over 2,000,000 events,
 * `person@example.com AND delivery` went from 116 ms (p50, trigrams) to about 10 ms. Stored, so a
 * filter over many rows (an OR with another term, a NOT) reads the words instead of parsing text.
 */
export function deliveryEventWords(t: TextColumns): SQL {
  const addresses = sql`${t.sender} || ' ' || ${t.recipient} || ' ' || ${t.messageId} || ' ' || ${t.remoteServer}`;
  return sql`to_tsvector('simple'::regconfig, ${addresses} || ' ' || ${t.diagnostic} || ' ' || translate(${addresses}, '@.<>', '    '))`;
}

/**
 * The words query for free text matched against deliveryEventWords: the text's own words in order
 * (`person@example.com`, `5.1.1`), or the words of its parts (`dr.patel` → dr, patel), so a part
 * of an address or host name finds the events that hold the whole.
 */
export function deliveryWordsQuery(value: string): SQL {
  return sql`(phraseto_tsquery('simple'::regconfig, ${value}) || phraseto_tsquery('simple'::regconfig, translate(${value}, '@.<>', '    ')))`;
}

/**
 * Every delivery attempt of an organisation's mail (/delivery-events): from the email provider's webhooks
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
    /** Sealpost's class (lib/delivery/classify-bounce.ts); the sender's own is reportedClass. */
    bounceClass: text('bounce_class', { enum: BOUNCE_CLASSES }),
    /** The bounce reason from the classifier's taxonomy; null for events that are not failures. */
    reason: text('reason', { enum: BOUNCE_REASONS }),
    /** The class the sender of the event gave (API client, Resend), kept beside ours. */
    reportedClass: text('reported_class', { enum: BOUNCE_CLASSES }),
    /** RFC 3464 Action of the report (failed, delayed, …); '' when the source gave none. */
    dsnAction: text('dsn_action').notNull().default(''),
    /** Where it came from: 'ingest' (API) or 'provider' (our own notification mail). */
    source: text('source').notNull().default('ingest'),
    /** The TLS version of the SMTP session ("TLSv1.3"); '' for plain text or when not known. */
    tlsVersion: text('tls_version').notNull().default(''),
    /** The server's certificate was verified for its name; null when not known (or no TLS). */
    tlsVerified: boolean('tls_verified'),
    /** DELIVERY_ROUTES: derived from method and tlsVerified (null: never sent), stored for the Route filter. */
    route: text('route', { enum: DELIVERY_ROUTES }).generatedAlwaysAs((): SQL => deliveryRouteOf(deliveryEvents)),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** Free-text search: deliveryEventWords, stored so that a filter reads it instead of computing it. */
    words: tsvector('words')
      .notNull()
      .generatedAlwaysAs((): SQL => deliveryEventWords(deliveryEvents)),
  },
  (t) => [
    index('delivery_events_org_time_idx').on(t.orgId, t.occurredAt, t.id),
    // Substring search for the field terms from:, to: and server:.
    index('delivery_events_sender_trgm').using('gin', sql`${t.sender} gin_trgm_ops`),
    index('delivery_events_recipient_trgm').using('gin', sql`${t.recipient} gin_trgm_ops`),
    index('delivery_events_remote_server_trgm').using('gin', sql`${t.remoteServer} gin_trgm_ops`),
    // Free text: the words of every text column (see deliveryEventWords).
    index('delivery_events_words').using('gin', t.words),
    index('delivery_events_org_message_idx').on(t.orgId, t.messageId),
    // Suppression after repeated soft bounces counts an address's recent events.
    index('delivery_events_org_recipient_time_idx').on(t.orgId, t.recipient, t.occurredAt),
  ],
);

/** Longest original kept for an unparsed bounce; the useful part of a bounce is at its start. */
export const RAW_BOUNCE_MAX_BYTES = 1024 * 1024;

/** The original of a raw bounce that could not be read, kept 30 days for a look by hand. */
export const rawBounces = pgTable(
  'raw_bounces',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    eventId: bigint('event_id', { mode: 'number' }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** Size of the whole original; `content` holds at most RAW_BOUNCE_MAX_BYTES of it. */
    size: integer('size').notNull(),
    truncated: boolean('truncated').notNull().default(false),
    content: customType<{ data: Buffer }>({ dataType: () => 'bytea' })('content').notNull(),
  },
  (t) => [index('raw_bounces_org_event_idx').on(t.orgId, t.eventId), index('raw_bounces_expires_idx').on(t.expiresAt)],
);

export const SUPPRESSION_SOURCES = ['hard_bounce', 'complaint', 'soft_bounces', 'manual'] as const;

/**
 * Addresses an organisation's mail is no longer sent to (`/suppressions`): added by a
 * hard bounce, a complaint, repeated soft bounces, or by hand. One row per address.
 */
export const suppressions = pgTable(
  'suppressions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    /** Lower case. */
    address: text('address').notNull(),
    source: text('source', { enum: SUPPRESSION_SOURCES }).notNull(),
    /** The bounce reason (taxonomy) or 'complaint' / 'manual'. */
    reason: text('reason').notNull(),
    /** Plain words: the diagnostic of the event, or the administrator's note. */
    detail: text('detail').notNull().default(''),
    /** The delivery event that caused it; null when added by hand. */
    eventId: bigint('event_id', { mode: 'number' }),
    createdBy: text('created_by').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('suppressions_org_address_key').on(t.orgId, t.address),
    index('suppressions_org_created_idx').on(t.orgId, t.createdAt, t.id),
    index('suppressions_address_trgm').using('gin', sql`${t.address} gin_trgm_ops`),
    check('suppressions_address_lower', sql`${t.address} = lower(${t.address})`),
  ],
);

/** Per-organisation keys for POST /api/delivery-events. Only a SHA-256 hash is stored. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The first characters of the key, shown to tell keys apart (e.g. "sp_live_ab12…"). */
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_hash_key').on(t.keyHash), index('api_keys_org_idx').on(t.orgId)],
);

/**
 * Every external address an organisation has written to (/recipients), added on first send, with the
 * phone number used for SMS two-factor sign-in (E.164).
 */
export const recipientAccounts = pgTable(
  'recipient_accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    /** Lower case. */
    email: text('email').notNull(),
    phone: text('phone'),
    firstSentAt: timestamp('first_sent_at', { withTimezone: true }).notNull().defaultNow(),
    lastSentAt: timestamp('last_sent_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('recipient_accounts_org_email_key').on(t.orgId, t.email),
    index('recipient_accounts_email_trgm').using('gin', sql`${t.email} gin_trgm_ops`),
    // The recipients without a phone, by address: the "Missing phone" filter and the dashboard notice.
    index('recipient_accounts_missing_phone_idx').on(t.orgId, t.email).where(sql`${t.phone} is null`),
  ],
);

/**
 * A code sent by SMS for one organisation's SMS step in one portal session (6 digits, hashed, 10
 * minutes, at most 5 tries, single use), to that organisation's phone number for the recipient.
 * `sessionId` and `orgId` are null only on challenges from before the step was per organisation
 * (the migration deletes them); such rows match nothing.
 */
export const smsChallenges = pgTable(
  'sms_challenges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    portalUserId: uuid('portal_user_id').notNull(),
    sessionId: uuid('session_id'),
    orgId: uuid('org_id').references(() => organisations.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    phone: text('phone').notNull(),
    attempts: integer('attempts').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** The outbox SMS that carries the code: when it failed (an invalid number), the step says so. No FK: the outbox is pruned on its own. */
    outboxMessageId: uuid('outbox_message_id'),
  },
  (t) => [index('sms_challenges_user_idx').on(t.portalUserId), index('sms_challenges_session_org_idx').on(t.sessionId, t.orgId)],
);

/**
 * A passed SMS step: this portal session may open this organisation's messages, for as long as the
 * session lasts and the organisation keeps the same phone number for the recipient. Kept in
 * PostgreSQL so every instance serving the portal sees it; one organisation's row never opens
 * another's messages.
 */
export const smsVerifications = pgTable(
  'sms_verifications',
  {
    sessionId: uuid('session_id').notNull(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    portalUserId: uuid('portal_user_id').notNull(),
    /** The number the code went to: a different number set since asks for the step again. */
    phone: text('phone').notNull(),
    verifiedAt: timestamp('verified_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.orgId] }), index('sms_verifications_user_idx').on(t.portalUserId)],
);
