import 'server-only';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { getDb, type DbOrTx } from '@/db/client';
import { listColumnPreferences } from '@/db/schema';
import type { AdminActor } from '@/lib/auth/actor';
import { can, type Permission } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';

/**
 * The lists whose columns an administrator can choose, each with the permission that shows it and
 * the columns that may be hidden (the first column, selection and actions always stay).
 */
export const CHOOSABLE_COLUMNS = {
  '/licensed-emails': { permission: 'licensed_emails.view', columns: ['added'] },
  '/administrators': { permission: 'administrators.view', columns: ['phone', 'level', 'lastSignIn'] },
  '/recipients': { permission: 'recipients.view', columns: ['phone', 'first', 'last'] },
} as const satisfies Record<string, { permission: Permission; columns: readonly string[] }>;

export type ChoosableList = keyof typeof CHOOSABLE_COLUMNS;

export const columnPreferencesSchema = z
  .object({
    list: z.enum(Object.keys(CHOOSABLE_COLUMNS) as [ChoosableList, ...ChoosableList[]]),
    hidden: z.array(z.string().max(40)).max(30),
  })
  .strict();

/** The columns the administrator hides on `list` (none when never chosen). */
export async function getHiddenColumns(db: DbOrTx, admin: { orgId: string; id: string }, list: ChoosableList): Promise<string[]> {
  const [row] = await db
    .select({ hidden: listColumnPreferences.hidden })
    .from(listColumnPreferences)
    .where(and(eq(listColumnPreferences.orgId, admin.orgId), eq(listColumnPreferences.administratorId, admin.id), eq(listColumnPreferences.list, list)));
  return row?.hidden ?? [];
}

/**
 * Remembers which columns the actor hides on a list. A personal display preference that changes
 * no data and no one else's view, so it is not an audit event.
 */
export async function saveHiddenColumns(input: { actor: AdminActor; list: ChoosableList; hidden: string[]; now?: Date }) {
  const { actor, list } = input;
  const spec = CHOOSABLE_COLUMNS[list];
  if (!can(actor.level, spec.permission)) throw new AppError('forbidden', 'Your administrator level does not show this list.');
  const allowed = new Set<string>(spec.columns);
  const unknown = input.hidden.filter((c) => !allowed.has(c));
  if (unknown.length > 0) throw new AppError('invalid_input', `This list has no column to hide called ${unknown.join(', ')}.`);
  const hidden = [...new Set(input.hidden)];
  const now = input.now ?? new Date();
  await getDb()
    .insert(listColumnPreferences)
    .values({ orgId: actor.orgId, administratorId: actor.id, list, hidden, updatedAt: now })
    .onConflictDoUpdate({ target: [listColumnPreferences.administratorId, listColumnPreferences.list], set: { hidden, updatedAt: now } });
  return { hidden };
}
