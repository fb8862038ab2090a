import 'server-only';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { administratorEmailChanges, administratorInvitations, administratorPasskeys, administrators, organisations, subscriptions } from '@/db/schema';
import type { AdminLevel } from '@/lib/auth/permissions';

/** What a signed-in request knows about its administrator. Never includes the password hash. */
export type AdministratorSession = {
  id: string;
  orgId: string;
  orgName: string;
  email: string;
  name: string;
  level: AdminLevel;
  status: 'active' | 'inactive';
  mustChangePassword: boolean;
  /** The organisation requires a second factor and this administrator has none yet: enrolment only. */
  mustEnrolSecondFactor: boolean;
  /** A second factor is set up: step-up asks for it (lib/auth/step-up.ts), not the password. */
  hasSecondFactor: boolean;
  sessionVersion: number;
  /** The subscription's renewal date, for the shell's Expired / Disabled banner (null without one). */
  renewalDate: string | null;
};

/**
 * Whether the administrator (the row of `administrators` in the query) has a passkey or security
 * key. The outer column is written out in full: drizzle leaves it unqualified in a query of one
 * table, where it would name the passkey's own id inside the subquery.
 */
export const hasPasskeySql = sql<boolean>`exists (select 1 from ${administratorPasskeys} where ${administratorPasskeys.administratorId} = "administrators"."id")`;

export async function getAdministratorSession(db: DbOrTx, id: string): Promise<AdministratorSession | null> {
  const [row] = await db
    .select({
      id: administrators.id,
      orgId: administrators.orgId,
      orgName: organisations.name,
      email: administrators.email,
      name: administrators.name,
      level: administrators.level,
      status: administrators.status,
      mustChangePassword: administrators.mustChangePassword,
      requireTwoFactor: organisations.requireAdministratorTwoFactor,
      totpEnabledAt: administrators.totpEnabledAt,
      hasPasskey: hasPasskeySql,
      sessionVersion: administrators.sessionVersion,
      renewalDate: subscriptions.renewalDate,
    })
    .from(administrators)
    .innerJoin(organisations, eq(organisations.id, administrators.orgId))
    // Joined here rather than read by the layout: one statement per request instead of two.
    .leftJoin(subscriptions, eq(subscriptions.orgId, administrators.orgId))
    .where(eq(administrators.id, id));
  if (!row) return null;
  const { requireTwoFactor, totpEnabledAt, hasPasskey, ...session } = row;
  // Step-up asks for a code only of an administrator with the app; one whose only factor is a passkey confirms with the password.
  return { ...session, level: row.level as AdminLevel, mustEnrolSecondFactor: requireTwoFactor && !totpEnabledAt && !hasPasskey, hasSecondFactor: Boolean(totpEnabledAt) };
}

/** For sign-in and password checks only: the one query that reads a password hash. */
export async function getAdministratorCredentials(db: DbOrTx, where: { email: string } | { id: string; orgId: string }) {
  const [row] = await db
    .select({
      id: administrators.id,
      orgId: administrators.orgId,
      email: administrators.email,
      name: administrators.name,
      status: administrators.status,
      passwordHash: administrators.passwordHash,
      mustChangePassword: administrators.mustChangePassword,
      sessionVersion: administrators.sessionVersion,
      totpEnabledAt: administrators.totpEnabledAt,
      hasPasskey: hasPasskeySql,
    })
    .from(administrators)
    .where(
      'email' in where
        ? eq(administrators.email, where.email)
        : and(eq(administrators.id, where.id), eq(administrators.orgId, where.orgId)),
    );
  return row ?? null;
}

export type AdministratorRow = Awaited<ReturnType<typeof listAdministrators>>[number];

/** The organisation's administrators for /administrators: active first, then by name. */
export async function listAdministrators(db: DbOrTx, orgId: string) {
  const rows = await db
    .select({
      id: administrators.id,
      name: administrators.name,
      email: administrators.email,
      phone: administrators.phone,
      addressLine1: administrators.addressLine1,
      addressLine2: administrators.addressLine2,
      city: administrators.city,
      region: administrators.region,
      postalCode: administrators.postalCode,
      country: administrators.country,
      level: administrators.level,
      status: administrators.status,
      mustChangePassword: administrators.mustChangePassword,
      lastSignInAt: administrators.lastSignInAt,
      /** Two-factor authentication is on (what "Reset two-factor authentication" would remove). */
      twoFactorEnabledAt: administrators.totpEnabledAt,
      createdAt: administrators.createdAt,
      /** An email change waiting for confirmation from the new address. */
      pendingEmail: administratorEmailChanges.newEmail,
      pendingEmailExpiresAt: administratorEmailChanges.expiresAt,
    })
    .from(administrators)
    .leftJoin(administratorEmailChanges, and(eq(administratorEmailChanges.administratorId, administrators.id), eq(administratorEmailChanges.orgId, orgId)))
    .where(eq(administrators.orgId, orgId))
    .orderBy(administrators.status, administrators.name);
  return rows.map((row) => ({ ...row, level: row.level as AdminLevel }));
}

/** The administrator's postal address, to pre-fill billing forms. */
export async function getAdministratorAddress(db: DbOrTx, orgId: string, id: string) {
  const [row] = await db
    .select({
      name: administrators.name,
      addressLine1: administrators.addressLine1,
      addressLine2: administrators.addressLine2,
      city: administrators.city,
      region: administrators.region,
      postalCode: administrators.postalCode,
      country: administrators.country,
    })
    .from(administrators)
    .where(and(eq(administrators.id, id), eq(administrators.orgId, orgId)));
  return row ?? null;
}

/** The organisation's invitations not yet accepted nor revoked (expired ones included: they can be sent again). */
export async function listPendingInvitations(db: DbOrTx, orgId: string) {
  const rows = await db
    .select({
      id: administratorInvitations.id,
      name: administratorInvitations.name,
      email: administratorInvitations.email,
      level: administratorInvitations.level,
      invitedBy: administratorInvitations.invitedBy,
      invitedAt: administratorInvitations.invitedAt,
      expiresAt: administratorInvitations.expiresAt,
    })
    .from(administratorInvitations)
    .where(and(eq(administratorInvitations.orgId, orgId), isNull(administratorInvitations.acceptedAt), isNull(administratorInvitations.revokedAt)))
    .orderBy(asc(administratorInvitations.invitedAt));
  return rows.map((row) => ({ ...row, level: row.level as AdminLevel }));
}
