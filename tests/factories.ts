import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administrators, licensedEmails } from '@/db/schema';
import type { AdminActor } from '@/lib/auth/actor';
import { hashPassword } from '@/lib/auth/passwords';
import { getAdministratorSession } from '@/lib/administrators/queries';
import { createOrganisation } from '@/lib/organisations/create-organisation';

export const TEST_PASSWORD = 'Correct-Horse-42!';
let cachedHash: Promise<string> | undefined;

/** A fresh organisation with its own domain and one administrator per level. */
export async function createTestOrg(options: { licenses?: number; licensed?: number } = {}) {
  const db = getDb();
  const tag = randomBytes(4).toString('hex');
  const domain = `t${tag}.example`;
  cachedHash ??= hashPassword(TEST_PASSWORD);
  const passwordHash = await cachedHash;
  const { orgId, ownerId } = await createOrganisation(db, {
    name: `Org ${tag}`,
    domains: [domain],
    owner: { name: 'Owner Person', email: `owner@${domain}`, password: TEST_PASSWORD, passwordHash, mustChangePassword: false },
    licensesPurchased: options.licenses ?? 10,
  });
  const [manager, viewer] = await db
    .insert(administrators)
    .values([
      { orgId, email: `manager@${domain}`, name: 'Manager Person', level: 2, passwordHash },
      { orgId, email: `viewer@${domain}`, name: 'Viewer Person', level: 3, passwordHash },
    ])
    .returning({ id: administrators.id });
  if (options.licensed) {
    await db.insert(licensedEmails).values(Array.from({ length: options.licensed }, (_, i) => ({ orgId, email: `user${i}@${domain}` })));
  }
  return { orgId, domain, ownerId, managerId: manager.id, viewerId: viewer.id };
}

export async function actorFor(adminId: string, clientAddress = '198.51.100.10'): Promise<AdminActor> {
  const session = await getAdministratorSession(getDb(), adminId);
  if (!session) throw new Error(`no administrator ${adminId}`);
  return { ...session, clientAddress };
}

export async function setMustChangePassword(adminId: string) {
  await getDb().update(administrators).set({ mustChangePassword: true }).where(eq(administrators.id, adminId));
}
