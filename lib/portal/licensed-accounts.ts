import 'server-only';
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { passwordTokens, portalUsers } from '@/db/schema';

/**
 * The portal account of an organisation's own address follows its license. These run inside the
 * licensing change's transaction, so the address, its account and the audit event move together.
 */

/**
 * An address that stops being licensed (removed, or renamed away from) can no longer use the
 * portal: its account is disabled, its sessions end on their next request (the session version
 * moves on) and its unused password links stop working. Its messages stay, for the
 * organisation's records. True when there was an account to disable.
 */
export async function disablePortalAccount(tx: DbOrTx, email: string, now: Date): Promise<boolean> {
  const [user] = await tx
    .update(portalUsers)
    .set({ status: 'disabled', sessionVersion: sql`${portalUsers.sessionVersion} + 1` })
    .where(and(eq(portalUsers.email, email.toLowerCase()), ne(portalUsers.status, 'disabled')))
    .returning({ id: portalUsers.id });
  if (!user) return false;
  await tx
    .update(passwordTokens)
    .set({ usedAt: now })
    .where(and(eq(passwordTokens.portalUserId, user.id), isNull(passwordTokens.usedAt)));
  return true;
}

/**
 * An address licensed again gets its account back — as a new one: pending, without the old
 * password (the address may now be someone else's), so its owner sets a password through the
 * activation link of the next message's notification or the portal's "Reset password". Returns
 * how many accounts came back.
 */
export async function reenablePortalAccounts(tx: DbOrTx, emails: string[]): Promise<number> {
  if (emails.length === 0) return 0;
  // From the disabled accounts (a partial index) to the addresses, not the other way round: a CSV
  // import brings 100,000 addresses, which would otherwise be 100,000 lookups or a full scan, and
  // the array is one parameter (not one per address).
  const rows = await tx.execute<{ id: string }>(sql`
    with disabled as materialized (
      select id, email from ${portalUsers} where ${portalUsers.status} = 'disabled'
    )
    update ${portalUsers} set status = 'pending', password_hash = null, session_version = ${portalUsers.sessionVersion} + 1
    from disabled
    where ${portalUsers.id} = disabled.id and disabled.email = any(${sql.param(emails.map((e) => e.toLowerCase()))}::text[])
    returning ${portalUsers.id}`);
  return (rows as unknown as { id: string }[]).length;
}
