import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organisations } from './organisations';
import { bytea } from './types';

/**
 * Each organisation's keys (lib/crypto/keys.ts). `kek` rows are the versioned key-encryption keys
 * that wrap every message's data key (`npm run keys -- rotate` adds a version and retires the old
 * ones once no data key uses them); the one `root` row (version 1) is what purpose keys (the keyed
 * search index) are derived from, and is never rotated (the index would have to be rebuilt).
 * With the master-key provider a key is derived from SEALPOST_MASTER_KEY and nothing secret is
 * stored here; with AWS KMS the row holds the key as KMS encrypted it (CiphertextBlob).
 */
export const organisationKeys = pgTable(
  'organisation_keys',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['kek', 'root'] }).notNull(),
    version: integer('version').notNull(),
    provider: text('provider', { enum: ['master', 'kms'] }).notNull(),
    /** KMS: the key's CiphertextBlob. Master key: null. */
    wrappedKey: bytea('wrapped_key'),
    /** KMS: the KMS key (KMS_KEY_ID) it was generated under. */
    kmsKeyId: text('kms_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** No data key is wrapped by it any more: never used again. */
    retiredAt: timestamp('retired_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.kind, t.version] }),
    check('organisation_keys_version_positive', sql`${t.version} >= 1`),
    check('organisation_keys_kms_wrapped', sql`(${t.provider} = 'kms') = (${t.wrappedKey} is not null)`),
    index('organisation_keys_current_idx').on(t.orgId, t.kind, t.version).where(sql`${t.retiredAt} is null`),
  ],
);
