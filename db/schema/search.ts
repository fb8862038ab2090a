import { bigint, index, pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core';
import { organisations } from './organisations';
import { portalUsers, secureMessages } from './messaging';

/**
 * The keyed search index of secure messages (lib/messaging/search-index.ts): one row per message,
 * the 64-bit HMACs under the organisation's search key of each word of its subject and body and of
 * each word's beginnings — never a word. Deleted with the message's data key (recall, deletion by
 * every party, retention), so a message whose content is gone is not found by it either.
 */
export const messageSearchTokens = pgTable(
  'message_search_tokens',
  {
    messageId: uuid('message_id')
      .primaryKey()
      .references(() => secureMessages.id, { onDelete: 'cascade' }),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    tokens: bigint('tokens', { mode: 'bigint' }).array().notNull(),
  },
  (t) => [index('message_search_tokens_gin').using('gin', t.tokens)],
);

/**
 * The organisations whose messages a portal user sent or received: a search computes its tokens
 * under each of their keys (an external recipient hears from several organisations).
 */
export const messagePartyOrgs = pgTable(
  'message_party_orgs',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => portalUsers.id, { onDelete: 'cascade' }),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.orgId] }), index('message_party_orgs_org_idx').on(t.orgId)],
);

