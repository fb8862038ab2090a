import { sql } from 'drizzle-orm';
import { check, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { administrators } from './administrators';
import { organisations } from './organisations';

/**
 * The columns an administrator has hidden on a list (components/data-table): one row per
 * administrator and list, remembered across sessions and devices. No row: the list's defaults.
 */
export const listColumnPreferences = pgTable(
  'list_column_preferences',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    administratorId: uuid('administrator_id')
      .notNull()
      .references(() => administrators.id, { onDelete: 'cascade' }),
    /** The list's path, e.g. "/licensed-emails". */
    list: text('list').notNull(),
    /** Column ids hidden on that list. */
    hidden: text('hidden').array().notNull().default(sql`'{}'::text[]`),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.administratorId, t.list] }),
    check('list_column_preferences_hidden_size', sql`cardinality(${t.hidden}) <= 30`),
  ],
);
