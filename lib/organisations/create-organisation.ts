import 'server-only';
import type { DbOrTx, Tx } from '@/db/client';
import { inviteAdministratorIn } from '@/lib/administrators/invite-administrator';
import { administrators, domains, organisations, subscriptions } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { passwordProblems } from '@/lib/auth/password-policy';
import { hashPassword } from '@/lib/auth/passwords';
import { AppError } from '@/lib/errors/app-error';
import { addYears, toDay } from '@/lib/licensing/term';

export type CreateOrganisationInput = {
  name: string;
  domains: string[];
  owner: { name: string; email: string; password: string; mustChangePassword: boolean; passwordHash?: string };
  licensesPurchased?: number;
  /** "Require two-factor authentication for administrators" (off unless given here; see below). */
  requireAdministratorTwoFactor?: boolean;
  termStart?: string;
  now?: Date;
};

const DOMAIN = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/;

/**
 * An operator creates an organisation with its domains, an annual subscription and its first
 * level-1 administrator, in one transaction with its audit events.
 */
export async function createOrganisation(db: DbOrTx, input: CreateOrganisationInput) {
  const now = input.now ?? new Date();
  const domainList = checkedDomains(input);
  const ownerEmail = checkedOwnerEmail(input.owner.email);
  const ownerDomain = ownerEmail.split('@')[1] ?? '';
  if (!input.owner.passwordHash) {
    const problems = passwordProblems(input.owner.password, { email: ownerEmail });
    if (problems.length > 0) throw new AppError('invalid_input', `Owner password: ${problems.join(' ')}`);
  }
  const passwordHash = input.owner.passwordHash ?? (await hashPassword(input.owner.password));
  const termStart = input.termStart ?? toDay(now);

  return db.transaction(async (tx) => {
    // This path (an owner with a password) serves the demo data, tests and benches: no second
    // factor is required unless asked for. Organisations from `npm run org:create` require one.
    const org = await insertOrganisation(tx, { ...input, domainList, termStart, now, requireAdministratorTwoFactor: input.requireAdministratorTwoFactor ?? false });
    const [owner] = await tx
      .insert(administrators)
      .values({
        orgId: org.id,
        email: ownerEmail,
        name: input.owner.name.trim() || ownerEmail,
        level: 1,
        passwordHash,
        mustChangePassword: input.owner.mustChangePassword,
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: administrators.id });
    await recordAuditEvent(tx, {
      orgId: org.id,
      actor: { type: 'system', email: 'operator' },
      action: 'administrators.created',
      summary: `${ownerEmail} added as level 1 administrator${ownerDomain && !domainList.includes(ownerDomain) ? ' (outside the organisation\u2019s domains)' : ''}`,
      target: { type: 'administrator', id: owner.id, label: ownerEmail },
      now,
    });
    return { orgId: org.id, ownerId: owner.id };
  });
}

function checkedDomains(input: { name: string; domains: string[] }): string[] {
  const domainList = input.domains.map((d) => d.trim().toLowerCase());
  if (!input.name.trim()) throw new AppError('invalid_input', 'The organisation needs a name.');
  if (domainList.length === 0 || domainList.some((d) => !DOMAIN.test(d))) {
    throw new AppError('invalid_input', 'Give at least one valid email domain, like example.com.');
  }
  return domainList;
}

function checkedOwnerEmail(email: string): string {
  const ownerEmail = email.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(ownerEmail)) throw new AppError('invalid_input', 'The owner needs a valid email address.');
  return ownerEmail;
}

/** The organisation, its domains and subscription, and its creation event. */
async function insertOrganisation(tx: Tx, input: { name: string; domainList: string[]; licensesPurchased?: number; termStart: string; now: Date; requireAdministratorTwoFactor: boolean }) {
  const { domainList, termStart, now } = input;
  const [org] = await tx
    .insert(organisations)
    .values({ name: input.name.trim(), createdAt: now, requireAdministratorTwoFactor: input.requireAdministratorTwoFactor })
    .returning({ id: organisations.id });
  await tx.insert(domains).values(domainList.map((domain) => ({ orgId: org.id, domain, createdAt: now })));
  await tx.insert(subscriptions).values({
    orgId: org.id,
    termStart,
    renewalDate: addYears(termStart, 1),
    licensesPurchased: input.licensesPurchased ?? 0,
    updatedAt: now,
  });
  await recordAuditEvent(tx, {
    orgId: org.id,
    actor: { type: 'system', email: 'operator' },
    action: 'organisations.created',
    summary: `Organisation ${input.name.trim()} created with ${domainList.join(', ')}`,
    target: { type: 'organisation', id: org.id, label: input.name.trim() },
    now,
  });
  return org;
}

/**
 * `npm run org:create`: the organisation, and an invitation for its first level-1 administrator
 * (who chooses their own password through the emailed link). Returns the link, for the operator
 * to pass on when no mail transport is configured.
 */
export async function createOrganisationWithInvitation(
  db: DbOrTx,
  input: Omit<CreateOrganisationInput, 'owner'> & { owner: { name: string; email: string } },
): Promise<{ orgId: string; invitationUrl: string }> {
  const now = input.now ?? new Date();
  const domainList = checkedDomains(input);
  const email = checkedOwnerEmail(input.owner.email);
  const termStart = input.termStart ?? toDay(now);
  return db.transaction(async (tx) => {
    const org = await insertOrganisation(tx, { ...input, domainList, termStart, now, requireAdministratorTwoFactor: true });
    const { url } = await inviteAdministratorIn(tx, {
      orgId: org.id,
      details: { name: input.owner.name.trim() || email, email, phone: '', addressLine1: '', addressLine2: '', city: '', region: '', postalCode: '', country: '', level: 1 },
      inviter: { auditActor: { type: 'system', email: 'operator' }, label: 'The Sealpost operator' },
      now,
    });
    return { orgId: org.id, invitationUrl: url };
  });
}
