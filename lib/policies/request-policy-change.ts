import 'server-only';
import { and, eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { policies, policyChangeRequests } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors/app-error';
import { formatDateTime } from '@/lib/format';
import { policyChangeRequestEmail } from '@/lib/mail/templates';
import { queueMessage } from '@/lib/mail/queue-message';
import { NEW_POLICY, policyChangeRequestSchema, type PolicyChangeRequestInput } from './schemas';

/**
 * An administrator asks the Sealpost operators to change a policy (or add one): policies are
 * theirs to configure, not the organisation's. In one transaction: the request (listed on /policies with its
 * state), its audit event, and the email to the operators' address (SEALPOST_OPERATORS_EMAIL)
 * through the outbox, sent by its job once the transaction commits.
 */
export async function requestPolicyChange(input: { actor: AdminActor; now?: Date } & PolicyChangeRequestInput): Promise<{ id: string }> {
  const { actor } = input;
  if (!can(actor.level, 'policies.request_change')) throw new AppError('forbidden', 'Your administrator level does not allow requesting policy changes.');
  const parsed = policyChangeRequestSchema.safeParse({ policyId: input.policyId, details: input.details });
  if (!parsed.success) throw new AppError('invalid_input', parsed.error.issues[0]?.message ?? 'Check the request.');
  const { policyId, details } = parsed.data;
  const now = input.now ?? new Date();

  return getDb().transaction(async (tx) => {
    let policyName = '';
    if (policyId) {
      const [policy] = await tx
        .select({ name: policies.name })
        .from(policies)
        .where(and(eq(policies.orgId, actor.orgId), eq(policies.id, policyId)));
      // Another organisation's policy answers exactly like one that does not exist.
      if (!policy) throw new AppError('not_found', 'That policy no longer exists. Reload the page and choose again.');
      policyName = policy.name;
    }
    const [request] = await tx
      .insert(policyChangeRequests)
      .values({
        orgId: actor.orgId,
        policyId: policyId || null,
        policyName,
        requestedById: actor.id,
        requestedByEmail: actor.email,
        details,
        state: 'sent',
        requestedAt: now,
        updatedAt: now,
      })
      .returning({ id: policyChangeRequests.id });
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'policies.change_requested',
      summary: policyName ? `${actor.email} asked Sealpost to change the policy "${policyName}"` : `${actor.email} asked Sealpost for a new policy`,
      target: { type: 'policy_change_request', id: request.id, label: policyName || NEW_POLICY },
      clientAddress: actor.clientAddress,
      metadata: { policyId: policyId || null, details, sentTo: env().SEALPOST_OPERATORS_EMAIL },
      now,
    });
    const message = policyChangeRequestEmail({
      organisation: actor.orgName,
      orgId: actor.orgId,
      requestedBy: `${actor.name} (${actor.email})`,
      policy: policyName || NEW_POLICY,
      details,
      when: formatDateTime(now),
      reference: request.id,
    });
    await queueMessage(tx, {
      orgId: actor.orgId,
      channel: 'email',
      kind: 'policy_change_request',
      recipient: env().SEALPOST_OPERATORS_EMAIL,
      subject: message.subject,
      bodyText: message.text,
      bodyHtml: message.html,
      carriesSecret: false,
    });
    return { id: request.id };
  });
}
