import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { domains, organisations } from './organisations';
import { policies } from './policies';
import { bytea } from './types';

/**
 * How the SMTP gateway recognises an organisation's mail server (README "Mail flow"): SMTP AUTH with a
 * generated secret (only its SHA-256 is kept, as for API keys), and/or the client addresses it
 * connects from. A connector may have either or both.
 */
export const mailConnectors = pgTable(
  'mail_connectors',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** SMTP AUTH user name (lower case, unique across organisations); null when recognised by address only. */
    smtpUsername: text('smtp_username'),
    /** SHA-256 (hex) of the secret; null with smtpUsername. */
    secretHash: text('secret_hash'),
    /** CIDR ranges (IPv4 and IPv6) a client may connect from to be recognised without AUTH. */
    allowedRanges: text('allowed_ranges').array().notNull().default(sql`'{}'::text[]`),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('mail_connectors_username_key').on(t.smtpUsername),
    index('mail_connectors_org_idx').on(t.orgId),
    check('mail_connectors_username_lower', sql`${t.smtpUsername} = lower(${t.smtpUsername})`),
    check('mail_connectors_auth_pair', sql`(${t.smtpUsername} is null) = (${t.secretHash} is null)`),
  ],
);

export const GATEWAY_MESSAGE_STATUSES = ['received', 'processed', 'failed'] as const;

/**
 * A message the gateway accepted: its raw bytes in the attachment store (`storageKey`), its
 * envelope here. Written with its recipients and its processing job in the transaction that
 * precedes the `250`.
 */
export const gatewayMessages = pgTable(
  'gateway_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    connectorId: uuid('connector_id').references(() => mailConnectors.id, { onDelete: 'set null' }),
    /** The envelope sender (MAIL FROM), lower case. */
    envelopeFrom: text('envelope_from').notNull(),
    /** The Message-ID header as sent (with its angle brackets), '' when the message had none. */
    headerMessageId: text('header_message_id').notNull().default(''),
    /**
     * The Subject of a message accepted before encryption at rest, plain; null for every other
     * (never written any more): `npm run keys -- migrate` seals it once the message's work is done.
     */
    subject: text('subject'),
    /** The Subject, sealed under the raw copy's key (lib/mailflow/raw-copy.ts), bound to this row. */
    subjectSealed: bytea('subject_sealed'),
    /** The plain message's size and SHA-256 (hex). */
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    /**
     * The raw RFC 5322 message in the attachment store (lib/storage), sealed in segments under a key
     * of its own (lib/crypto/sealed-files.ts), kept here wrapped by the server's upload key. Null key:
     * a raw copy stored plain before encryption at rest.
     */
    storageKey: text('storage_key').notNull(),
    fileKey: bytea('file_key'),
    fileKeyWrap: text('file_key_wrap', { enum: ['upload', 'upload-kms'] }),
    clientAddress: text('client_address').notNull().default(''),
    status: text('status', { enum: GATEWAY_MESSAGE_STATUSES }).notNull().default('received'),
    /** Why processing failed (status failed). */
    failure: text('failure').notNull().default(''),
    /** The envelope sender is not a licensed address: no secure processing, plain SMTP delivery. */
    senderUnlicensed: boolean('sender_unlicensed').notNull().default(false),
    /**
     * Where the delivery job takes it: the recipients' mail servers (MX, or the smart host), or the
     * organisation's inbound route (a reply from the portal coming home to the internal user's mailbox).
     */
    deliverTo: text('deliver_to', { enum: ['recipient_mx', 'inbound_route'] }).notNull().default('recipient_mx'),
    /** For a reply coming home: the secure message it is a copy of (one copy per message). */
    replyHomeOf: uuid('reply_home_of'),
    /** For a DSN: the gateway message it reports on (it quotes that message's header section). */
    reportOf: uuid('report_of'),
    /**
     * When the raw copy was removed from the attachment store: once every recipient's delivery is
     * final (lib/mailflow/raw-copy.ts `removeRawCopyIfFinal`), or with its content (below). The row
     * stays: the mail-flow page and the delivery log show what the gateway did.
     */
    rawCopyRemovedAt: timestamp('raw_copy_removed_at', { withTimezone: true }),
    /**
     * When the raw copy's key and the sealed Subject were destroyed, and why: a secure message this
     * mail became (or, for a reply coming home, the message it copies; for a DSN, the message it
     * reports on) was recalled, deleted by every party or reached the retention end, in the same
     * transaction (lib/messaging/destroy-content.ts).
     */
    contentDestroyedAt: timestamp('content_destroyed_at', { withTimezone: true }),
    contentDestroyedReason: text('content_destroyed_reason', { enum: ['recalled', 'deleted', 'expired'] }),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [
    index('gateway_messages_org_received_idx').on(t.orgId, t.receivedAt, t.id),
    uniqueIndex('gateway_messages_storage_key').on(t.storageKey),
    uniqueIndex('gateway_messages_reply_home_key').on(t.replyHomeOf).where(sql`${t.replyHomeOf} is not null`),
    // What `keys migrate` still has to seal: raw copies stored plain before encryption at rest.
    index('gateway_messages_plain_idx').on(t.id).where(sql`${t.fileKey} is null and ${t.contentDestroyedAt} is null`),
    // The hourly clean-up's work list: raw copies still in the store (lib/mailflow/clean-up.ts).
    index('gateway_messages_raw_copy_kept_idx').on(t.receivedAt).where(sql`${t.rawCopyRemovedAt} is null`),
    // Key destruction finds the DSNs that quote a message's header section.
    index('gateway_messages_report_of_idx').on(t.reportOf).where(sql`${t.reportOf} is not null`),
    check('gateway_messages_file_key_pair', sql`(${t.fileKey} is null) = (${t.fileKeyWrap} is null)`),
  ],
);

/**
 * What happens to each envelope recipient. `pending` until the processing job decides;
 * `secure_message` once delivered to the portal; `queued_for_delivery` for the outbound SMTP
 * engine (lib/mailflow/outbound), with `tlsRequired` when a policy demands verified TLS;
 * `failed` when the message could not be processed. The delivery job (lib/mailflow/deliver-message.ts)
 * then moves it to `delivered`, `deferred` (tried again at `nextAttemptAt`) or `bounced` (final:
 * the sender got a DSN); a TLS-required recipient without verified TLS becomes `secure_message`.
 */
export const GATEWAY_RECIPIENT_STATUSES = ['pending', 'secure_message', 'queued_for_delivery', 'delivered', 'deferred', 'bounced', 'failed'] as const;
export const gatewayRecipients = pgTable(
  'gateway_recipients',
  {
    gatewayMessageId: uuid('gateway_message_id')
      .notNull()
      .references(() => gatewayMessages.id, { onDelete: 'cascade' }),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    /** Envelope recipient (RCPT TO), lower case. */
    address: text('address').notNull(),
    status: text('status', { enum: GATEWAY_RECIPIENT_STATUSES }).notNull().default('pending'),
    /** The policy that decided this recipient's outcome, if any. */
    policyId: uuid('policy_id').references(() => policies.id, { onDelete: 'set null' }),
    /** secure_portal, sms_two_factor, tls_required, or plain (no policy, or an unlicensed sender). */
    outcome: text('outcome', { enum: ['secure_portal', 'sms_two_factor', 'tls_required', 'plain'] }),
    /** Delivery must use verified TLS (a TLS-required policy); never plain text. */
    tlsRequired: boolean('tls_required').notNull().default(false),
    secureMessageId: uuid('secure_message_id'),
    /** SMTP delivery attempts made so far. */
    attempts: integer('attempts').notNull().default(0),
    firstAttemptAt: timestamp('first_attempt_at', { withTimezone: true }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    /** When a deferred recipient is tried again (its delivery job starts then). */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.gatewayMessageId, t.address] }),
    check('gateway_recipients_address_lower', sql`${t.address} = lower(${t.address})`),
    // Key destruction finds the gateway mail a secure message came from (lib/messaging/destroy-content.ts).
    index('gateway_recipients_secure_message_idx').on(t.secureMessageId).where(sql`${t.secureMessageId} is not null`),
    // The outbound engine's work list.
    index('gateway_recipients_awaiting_idx').on(t.updatedAt).where(sql`${t.status} in ('queued_for_delivery', 'deferred')`),
  ],
);

/**
 * Message-ID dedupe per connector: a resubmission within a day (the client did not see our 250)
 * is answered 250 again without storing it twice. One row per (connector, Message-ID); the
 * insert claims it when absent or older than a day.
 */
export const gatewayMessageIds = pgTable(
  'gateway_message_ids',
  {
    connectorId: uuid('connector_id')
      .notNull()
      .references(() => mailConnectors.id, { onDelete: 'cascade' }),
    headerMessageId: text('header_message_id').notNull(),
    gatewayMessageId: uuid('gateway_message_id').notNull(),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.connectorId, t.headerMessageId] }), index('gateway_message_ids_seen_idx').on(t.firstSeenAt)],
);

/**
 * Per-connector counters by minute, shared by every gateway process: messages (rate limit) and
 * refusals (shown in settings; the first refusal of a minute is an audit event).
 */
export const mailConnectorCounters = pgTable(
  'mail_connector_counters',
  {
    connectorId: uuid('connector_id')
      .notNull()
      .references(() => mailConnectors.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['messages', 'refusals'] }).notNull(),
    minute: timestamp('minute', { withTimezone: true }).notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.connectorId, t.kind, t.minute] }), index('mail_connector_counters_minute_idx').on(t.minute)],
);

/** Groups of sender addresses for "sender in group" policies. */
export const policyGroups = pgTable(
  'policy_groups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('policy_groups_org_name_key').on(t.orgId, sql`lower(${t.name})`)],
);

export const policyGroupMembers = pgTable(
  'policy_group_members',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => policyGroups.id, { onDelete: 'cascade' }),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    /** Lower case. */
    email: text('email').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.groupId, t.email] }),
    index('policy_group_members_org_email_idx').on(t.orgId, t.email),
    check('policy_group_members_email_lower', sql`${t.email} = lower(${t.email})`),
  ],
);

/**
 * Whether a recipient domain's MX offers STARTTLS with a certificate that verifies, as the
 * outbound engine's probe last found it. Unknown domains count as "without TLS" (the safer side).
 */
export const mxTlsCache = pgTable('mx_tls_cache', {
  /** Lower case. */
  domain: text('domain').primaryKey(),
  supportsTls: boolean('supports_tls').notNull(),
  checkedAt: timestamp('checked_at', { withTimezone: true }).notNull(),
});

/**
 * DKIM keys (RFC 6376), one active key per domain of the organisation at most: outbound mail for
 * that domain (gateway mail delivered by SMTP, DSNs to its senders, replies coming home) is signed
 * with it. Rotation retires the active key and makes a new one with a new selector; disabling
 * retires it. A retired key keeps its public half (the DNS record to leave published for a while)
 * and loses its private half.
 */
export const dkimKeys = pgTable(
  'dkim_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    domainId: uuid('domain_id')
      .notNull()
      .references(() => domains.id, { onDelete: 'cascade' }),
    /** The DNS label before `._domainkey.` (lower case letters, digits, hyphens). */
    selector: text('selector').notNull(),
    /** RSA key size in bits. */
    bits: integer('bits').notNull(),
    /** The public key, base64 DER SubjectPublicKeyInfo: the record's `p=` value. */
    publicKey: text('public_key').notNull(),
    /** PKCS#8 PEM; its own column (to be encrypted at rest); null once the key is retired. */
    privateKey: text('private_key'),
    status: text('status', { enum: ['active', 'retired'] }).notNull().default('active'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    retiredAt: timestamp('retired_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('dkim_keys_domain_selector_key').on(t.domainId, t.selector),
    uniqueIndex('dkim_keys_one_active_key').on(t.domainId).where(sql`${t.status} = 'active'`),
    index('dkim_keys_org_idx').on(t.orgId),
    check('dkim_keys_active_has_private_key', sql`${t.status} <> 'active' or ${t.privateKey} is not null`),
  ],
);
