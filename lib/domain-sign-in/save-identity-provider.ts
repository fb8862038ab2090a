import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { identityProviders } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { listOrgDomains } from '@/lib/licensing/queries';
import { trimEndMatching } from '@/lib/trim';
import { issuerProblem } from './oidc';
import { identityProviderSchema, type IdentityProviderInput } from './schemas';
import { sealSecret } from './secret-box';

export function assertCanManageIdentityProvider(actor: AdminActor) {
  if (!can(actor.level, 'settings.manage')) throw new AppError('forbidden', 'Only level 1 administrators manage Domain sign-in.');
}

function describeRequired(admins: boolean, users: boolean): string {
  if (admins && users) return 'required for administrators and internal users';
  if (admins) return 'required for administrators';
  if (users) return 'required for internal users';
  return 'optional';
}

/** Creates or changes the organisation's identity provider; the audit event says what changed. */
export async function saveIdentityProvider(input: { actor: AdminActor; values: IdentityProviderInput; now?: Date }): Promise<void> {
  const { actor } = input;
  assertCanManageIdentityProvider(actor);
  const parsed = identityProviderSchema.safeParse(input.values);
  if (!parsed.success) throw new AppError('invalid_input', 'Check the highlighted fields.');
  const values = parsed.data;
  const problem = issuerProblem(values.issuer);
  if (problem) throw new AppError('invalid_input', 'Check the highlighted fields.', { issuer: [problem] });
  const issuer = trimEndMatching(values.issuer, /\//);
  const now = input.now ?? new Date();

  await getDb().transaction(async (tx) => {
    const owned = new Set((await listOrgDomains(tx, actor.orgId)).map((d) => d.toLowerCase()));
    const chosen = [...new Set(values.domains)];
    const foreign = chosen.filter((d) => !owned.has(d));
    if (foreign.length > 0) throw new AppError('invalid_input', 'Check the highlighted fields.', { domains: [`Not a domain of your organisation: ${foreign.join(', ')}.`] });

    const [existing] = await tx
      .select({ issuer: identityProviders.issuer, clientId: identityProviders.clientId, domains: identityProviders.domains, requiredForAdministrators: identityProviders.requiredForAdministrators, requiredForInternalUsers: identityProviders.requiredForInternalUsers })
      .from(identityProviders)
      .where(eq(identityProviders.orgId, actor.orgId))
      .for('update');
    if (!existing && !values.clientSecret) throw new AppError('invalid_input', 'Check the highlighted fields.', { clientSecret: ['Enter the client secret.'] });

    const row = {
      issuer,
      clientId: values.clientId,
      domains: chosen.sort(),
      requiredForAdministrators: values.requiredForAdministrators,
      requiredForInternalUsers: values.requiredForInternalUsers,
      updatedAt: now,
      updatedBy: actor.email,
      ...(values.clientSecret ? { clientSecretEncrypted: sealSecret(values.clientSecret) } : {}),
    };
    const changes: string[] = [];
    if (existing) {
      if (existing.issuer !== row.issuer) changes.push(`issuer ${existing.issuer} → ${row.issuer}`);
      if (existing.clientId !== row.clientId) changes.push(`client ID ${existing.clientId} → ${row.clientId}`);
      if (values.clientSecret) changes.push('new client secret');
      if (existing.domains.join(',') !== row.domains.join(',')) changes.push(`domains ${existing.domains.join(', ')} → ${row.domains.join(', ')}`);
      const before = describeRequired(existing.requiredForAdministrators, existing.requiredForInternalUsers);
      const after = describeRequired(row.requiredForAdministrators, row.requiredForInternalUsers);
      if (before !== after) changes.push(`${before} → ${after}`);
      if (changes.length === 0) return;
      await tx.update(identityProviders).set(row).where(eq(identityProviders.orgId, actor.orgId));
    } else {
      await tx.insert(identityProviders).values({ ...row, orgId: actor.orgId, clientSecretEncrypted: sealSecret(values.clientSecret), createdAt: now });
    }
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'identity_providers.configured',
      summary: existing
        ? `${actor.email} changed Domain sign-in: ${changes.join('; ')}`
        : `${actor.email} set up Domain sign-in with ${issuer} for ${row.domains.join(', ')} (${describeRequired(row.requiredForAdministrators, row.requiredForInternalUsers)})`,
      target: { type: 'identity_provider', id: actor.orgId, label: issuer },
      clientAddress: actor.clientAddress,
      now,
    });
  });
}

/** Turns Domain sign-in off: everyone signs in with a password again. */
export async function removeIdentityProvider(input: { actor: AdminActor; now?: Date }): Promise<void> {
  const { actor } = input;
  assertCanManageIdentityProvider(actor);
  const now = input.now ?? new Date();
  await getDb().transaction(async (tx) => {
    const [removed] = await tx.delete(identityProviders).where(eq(identityProviders.orgId, actor.orgId)).returning({ issuer: identityProviders.issuer });
    if (!removed) throw new AppError('not_found', 'Domain sign-in is not set up.');
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'identity_providers.removed',
      summary: `${actor.email} turned off Domain sign-in (${removed.issuer})`,
      target: { type: 'identity_provider', id: actor.orgId, label: removed.issuer },
      clientAddress: actor.clientAddress,
      now,
    });
  });
}
