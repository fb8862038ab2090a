import 'server-only';
import { and, eq } from 'drizzle-orm';
import { getDb, type Tx } from '@/db/client';
import { administrators, identityProviders } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { env } from '@/lib/env';
import { formatDateTime, plural } from '@/lib/format';
import { listOrgDomains } from '@/lib/licensing/queries';
import { trimEndMatching } from '@/lib/trim';
import { queueMessage } from '@/lib/mail/queue-message';
import { identityProviderChangedEmail } from '@/lib/mail/templates';
import { forgetOtherIssuers } from './identities';
import { issuerProblem } from './oidc';
import { identityProviderSchema, type IdentityProviderInput } from './schemas';
import { sealSecret } from './secret-box';

export const NEW_ISSUER_NEEDS_SECRET = 'Enter the client secret the new issuer gave you: the stored secret is never sent to another issuer.';

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
    // The stored secret was issued by the old provider: it is never sent to another one.
    if (existing && existing.issuer !== issuer && !values.clientSecret) {
      throw new AppError('invalid_input', 'Check the highlighted fields.', { clientSecret: [NEW_ISSUER_NEEDS_SECRET] });
    }

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
    // Accounts linked to another issuer's identities link again at their next Domain sign-in.
    const unlinked = await forgetOtherIssuers(tx, actor.orgId, issuer);
    if (unlinked > 0) changes.push(`${plural(unlinked, 'account')} linked to the previous issuer unlinked (each links again at its next Domain sign-in)`);
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'identity_providers.configured',
      summary: existing
        ? `${actor.email} changed Domain sign-in: ${changes.join('; ')}`
        : `${actor.email} set up Domain sign-in with ${issuer} for ${row.domains.join(', ')} (${describeRequired(row.requiredForAdministrators, row.requiredForInternalUsers)})${changes.length > 0 ? `; ${changes.join('; ')}` : ''}`,
      target: { type: 'identity_provider', id: actor.orgId, label: issuer },
      clientAddress: actor.clientAddress,
      now,
    });
    await tellLevelOneAdministrators(tx, {
      actor,
      now,
      changes: existing
        ? changes
        : [`set up with ${issuer} (client ID ${row.clientId}) for ${row.domains.join(', ')}, ${describeRequired(row.requiredForAdministrators, row.requiredForInternalUsers)}`, ...changes],
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
    await tellLevelOneAdministrators(tx, { actor, now, changes: [`Domain sign-in turned off (it was ${removed.issuer}); everyone signs in with a password again`] });
  });
}

/**
 * Emails every active level 1 administrator of the organisation (the one who made the change
 * too) what changed, who changed it and when, through the outbox in the change's transaction.
 */
async function tellLevelOneAdministrators(tx: Tx, input: { actor: AdminActor; now: Date; changes: string[] }) {
  const { actor } = input;
  const recipients = await tx
    .select({ email: administrators.email, name: administrators.name })
    .from(administrators)
    .where(and(eq(administrators.orgId, actor.orgId), eq(administrators.level, 1), eq(administrators.status, 'active')));
  for (const recipient of recipients) {
    const message = identityProviderChangedEmail({
      name: recipient.name,
      organisation: actor.orgName,
      actor: `${actor.name} (${actor.email})`,
      when: formatDateTime(input.now),
      changes: input.changes,
      url: `${env().APP_URL}/settings/identity-provider`,
    });
    await queueMessage(tx, {
      orgId: actor.orgId,
      carriesSecret: false,
      channel: 'email',
      kind: 'identity_provider_changed',
      recipient: recipient.email,
      subject: message.subject,
      bodyText: message.text,
      bodyHtml: message.html,
    });
  }
}
