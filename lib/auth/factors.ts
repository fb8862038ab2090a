import 'server-only';
import { and, eq, isNotNull } from 'drizzle-orm';
import type { Tx } from '@/db/client';
import { administratorPasskeys, administratorRecoveryCodes, administrators, administratorSignInChallenges } from '@/db/schema';

/**
 * Every table that holds an administrator's second factors, by `administrator_id`: resetting an
 * administrator's two-factor authentication deletes their rows from each (a new kind of factor
 * is added here). The authenticator app itself lives on the administrators row.
 */
export const secondFactorTables = [administratorRecoveryCodes, administratorPasskeys] as const;

/**
 * Removes every second factor of an administrator, and any sign-in waiting for one. Returns
 * whether there was anything to remove.
 */
export async function removeSecondFactors(tx: Tx, administratorId: string, now: Date): Promise<boolean> {
  let removed = 0;
  for (const table of secondFactorTables) removed += (await tx.delete(table).where(eq(table.administratorId, administratorId)).returning()).length;
  await tx.delete(administratorSignInChallenges).where(eq(administratorSignInChallenges.administratorId, administratorId));
  const [app] = await tx
    .update(administrators)
    .set({ totpSecret: null, totpEnabledAt: null, totpLastTimeStep: null, updatedAt: now })
    .where(and(eq(administrators.id, administratorId), isNotNull(administrators.totpSecret)))
    .returning({ id: administrators.id });
  return removed > 0 || Boolean(app);
}
