import 'server-only';
import { and, eq, ne } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { administrators, policyChangeRequests, type POLICY_CHANGE_REQUEST_STATES } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors/app-error';
import { policyChangeAnsweredEmail } from '@/lib/mail/templates';
import { queueMessage } from '@/lib/mail/queue-message';
import { NEW_POLICY, POLICY_CHANGE_REQUEST_STATE_LABELS } from './schemas';

export type PolicyChangeRequestState = (typeof POLICY_CHANGE_REQUEST_STATES)[number];

/**
 * For the Sealpost operators (`npm run policy-request`): moves a change request to its next
 * state (in progress, done, declined) with an optional note. In one transaction: the new state,
 * an audit event of the organisation's (actor "operator"), and an email to the administrator who
 * asked, when they are still active. The same state twice changes nothing.
 */
export async function answerPolicyChangeRequest(
  db: Db,
  input: { id: string; state: Exclude<PolicyChangeRequestState, 'sent'>; note?: string; now?: Date },
): Promise<{ orgId: string; state: PolicyChangeRequestState; changed: boolean }> {
  const now = input.now ?? new Date();
  const note = input.note?.trim() ?? '';
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.id)) throw new AppError('invalid_input', 'That is not a request reference.');
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(policyChangeRequests)
      .set({ state: input.state, updatedAt: now })
      .where(and(eq(policyChangeRequests.id, input.id), ne(policyChangeRequests.state, input.state)))
      .returning({
        orgId: policyChangeRequests.orgId,
        policyName: policyChangeRequests.policyName,
        details: policyChangeRequests.details,
        requestedById: policyChangeRequests.requestedById,
        requestedByEmail: policyChangeRequests.requestedByEmail,
      });
    if (!updated) {
      const [existing] = await tx.select({ orgId: policyChangeRequests.orgId, state: policyChangeRequests.state }).from(policyChangeRequests).where(eq(policyChangeRequests.id, input.id));
      if (!existing) throw new AppError('not_found', 'No policy change request has that reference.');
      return { orgId: existing.orgId, state: existing.state, changed: false };
    }
    const stateLabel = POLICY_CHANGE_REQUEST_STATE_LABELS[input.state];
    const about = updated.policyName || NEW_POLICY;
    await recordAuditEvent(tx, {
      orgId: updated.orgId,
      actor: { type: 'system', email: 'operator' },
      action: 'policies.change_request_answered',
      summary: `Sealpost marked the change request for ${updated.policyName ? `the policy "${updated.policyName}"` : 'a new policy'} ${stateLabel.toLowerCase()}${note ? `: ${note}` : ''}`,
      target: { type: 'policy_change_request', id: input.id, label: about },
      metadata: { state: input.state, ...(note ? { note } : {}) },
      now,
    });
    const [requester] = updated.requestedById
      ? await tx
          .select({ name: administrators.name, email: administrators.email })
          .from(administrators)
          .where(and(eq(administrators.id, updated.requestedById), eq(administrators.orgId, updated.orgId), eq(administrators.status, 'active')))
      : [];
    if (requester) {
      const message = policyChangeAnsweredEmail({ name: requester.name, policy: about, details: updated.details, state: stateLabel, note, url: `${env().APP_URL}/policies` });
      await queueMessage(tx, {
        orgId: updated.orgId,
        channel: 'email',
        kind: 'policy_change_answered',
        recipient: requester.email,
        subject: message.subject,
        bodyText: message.text,
        bodyHtml: message.html,
        carriesSecret: false,
      });
    }
    return { orgId: updated.orgId, state: input.state, changed: true };
  });
}
