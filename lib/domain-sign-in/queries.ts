import 'server-only';
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { domains, identityProviders } from '@/db/schema';
import type { AccountKind } from '@/lib/auth/authenticate';

/** What the settings page shows: never the client secret, sealed or not. */
export type IdentityProviderView = {
  issuer: string;
  clientId: string;
  domains: string[];
  requiredForAdministrators: boolean;
  requiredForInternalUsers: boolean;
  updatedAt: Date;
  updatedBy: string;
};

const viewColumns = {
  issuer: identityProviders.issuer,
  clientId: identityProviders.clientId,
  domains: identityProviders.domains,
  requiredForAdministrators: identityProviders.requiredForAdministrators,
  requiredForInternalUsers: identityProviders.requiredForInternalUsers,
  updatedAt: identityProviders.updatedAt,
  updatedBy: identityProviders.updatedBy,
};

export async function getIdentityProvider(db: DbOrTx, orgId: string): Promise<IdentityProviderView | null> {
  const [row] = await db.select(viewColumns).from(identityProviders).where(eq(identityProviders.orgId, orgId));
  return row ?? null;
}

/** The provider with its sealed secret, for the sign-in flow only. */
export async function getProviderForSignIn(db: DbOrTx, orgId: string) {
  const [row] = await db
    .select({ ...viewColumns, orgId: identityProviders.orgId, clientSecretEncrypted: identityProviders.clientSecretEncrypted })
    .from(identityProviders)
    .where(eq(identityProviders.orgId, orgId));
  return row ?? null;
}

export function emailDomain(email: string): string {
  return email.trim().toLowerCase().split('@').pop() ?? '';
}

/** The organisation whose provider covers this address's domain, if any. */
export async function findProviderForEmail(db: DbOrTx, email: string) {
  const domain = emailDomain(email);
  if (!domain) return null;
  const [row] = await db
    .select({ orgId: identityProviders.orgId })
    .from(identityProviders)
    .innerJoin(domains, eq(domains.orgId, identityProviders.orgId))
    .where(and(eq(domains.domain, domain), sql`${domain} = any(${identityProviders.domains})`));
  return row ? getProviderForSignIn(db, row.orgId) : null;
}

export type SignInMethod = 'password' | 'choice' | 'domain';

/**
 * How an address signs in, decided by its domain alone (so the answer says nothing about whether
 * an account exists): a password, a choice of Cloud (password) or Domain, or Domain only.
 */
export async function signInMethodFor(db: DbOrTx, email: string, kind: AccountKind): Promise<SignInMethod> {
  const provider = await findProviderForEmail(db, email);
  if (!provider) return 'password';
  const required = kind === 'administrator' ? provider.requiredForAdministrators : provider.requiredForInternalUsers;
  return required ? 'domain' : 'choice';
}

export const DOMAIN_SIGN_IN_REQUIRED =
  'Your organisation signs you in through its identity provider. Enter your email address, choose Next, and continue there.';
