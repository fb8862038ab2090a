import 'server-only';
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administrators } from '@/db/schema';
import { getAdministratorCredentials } from '@/lib/administrators/queries';
import { DOMAIN_SIGN_IN_REQUIRED, signInMethodFor } from '@/lib/domain-sign-in/queries';
import { authenticate, type AccountSource, type SignInAccount } from './authenticate';

export { INVALID_CREDENTIALS } from './authenticate';

/** `pendingSecondFactor`: the password was right; the sign-in completes with an authenticator code, a passkey or a recovery code. */
export type SignedInAdministrator = { id: string; orgId: string; sessionVersion: number; mustChangePassword: boolean; pendingSecondFactor: boolean };

type AdministratorAccount = SignInAccount & { orgId: string; sessionVersion: number; mustChangePassword: boolean; totpEnabledAt?: Date | null; hasPasskey?: boolean };

export const administratorSource: AccountSource<AdministratorAccount> = {
  kind: 'administrator',
  async find(email) {
    const admin = await getAdministratorCredentials(getDb(), { email });
    return admin ? { ...admin, active: admin.status === 'active' } : null;
  },
  async passwordRefused(email) {
    return (await signInMethodFor(getDb(), email, 'administrator')) === 'domain' ? DOMAIN_SIGN_IN_REQUIRED : null;
  },
  async needsSecondFactor(account) {
    return Boolean(account.totpEnabledAt || account.hasPasskey);
  },
  async recordSignIn(tx, account, now) {
    await tx.update(administrators).set({ lastSignInAt: now }).where(eq(administrators.id, account.id));
  },
};

/** An administrator's email and password (see `authenticate` for the rules). */
export async function signInAdministrator(input: { email: string; password: string; clientAddress: string; now?: Date }): Promise<SignedInAdministrator> {
  const admin = await authenticate(administratorSource, input);
  return { id: admin.id, orgId: admin.orgId, sessionVersion: admin.sessionVersion, mustChangePassword: admin.mustChangePassword, pendingSecondFactor: admin.pendingSecondFactor };
}
