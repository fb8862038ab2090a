import 'server-only';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { licensedEmails, portalUsers, type PortalPreferences } from '@/db/schema';

export const DEFAULT_PREFERENCES: PortalPreferences = { dateFormat: 'd MMM yyyy', timeFormat: '24h', weekStartsOn: 1, timeZone: 'UTC', signature: '' };

/** What a signed-in portal request knows about its user. Never the password hash. */
export type PortalSession = {
  id: string;
  email: string;
  displayName: string;
  status: 'pending' | 'active' | 'disabled';
  sessionVersion: number;
  preferences: PortalPreferences;
  /** False until a time zone is stored: until then times show in UTC and the portal adopts the device's zone. */
  timeZoneChosen: boolean;
  /** The organisation whose licensed address this is; null for external recipients. */
  internalOrgId: string | null;
};

export async function getPortalSession(db: DbOrTx, id: string): Promise<PortalSession | null> {
  const [row] = await db
    .select({
      id: portalUsers.id,
      email: portalUsers.email,
      displayName: portalUsers.displayName,
      status: portalUsers.status,
      sessionVersion: portalUsers.sessionVersion,
      preferences: portalUsers.preferences,
      internalOrgId: licensedEmails.orgId,
    })
    .from(portalUsers)
    .leftJoin(licensedEmails, eq(licensedEmails.email, portalUsers.email))
    .where(eq(portalUsers.id, id));
  return row ? { ...row, preferences: { ...DEFAULT_PREFERENCES, ...(row.preferences ?? {}) }, timeZoneChosen: row.preferences?.timeZone !== undefined } : null;
}

/** For sign-in and password checks only. */
export async function getPortalCredentials(db: DbOrTx, where: { email: string } | { id: string }) {
  const [row] = await db
    .select({
      id: portalUsers.id,
      email: portalUsers.email,
      displayName: portalUsers.displayName,
      status: portalUsers.status,
      passwordHash: portalUsers.passwordHash,
      sessionVersion: portalUsers.sessionVersion,
      internalOrgId: licensedEmails.orgId,
    })
    .from(portalUsers)
    .leftJoin(licensedEmails, eq(licensedEmails.email, portalUsers.email))
    .where('email' in where ? eq(portalUsers.email, where.email.trim().toLowerCase()) : eq(portalUsers.id, where.id));
  return row ?? null;
}
