import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, outboxMessages, policies, policyChangeRequests } from '@/db/schema';
import { env } from '@/lib/env';
import { actorFor, createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { answerPolicyChangeRequest } from './answer-policy-change-request';
import { listPolicyChangeRequests } from './queries';
import { requestPolicyChange } from './request-policy-change';

async function orgWithPolicy() {
  const org = await createTestOrg();
  const [policy] = await getDb()
    .insert(policies)
    .values({ orgId: org.orgId, name: 'Secure subject', position: 1, conditionKind: 'subject_contains', conditionValue: '[secure]', delivery: 'secure_portal', expireAfterDays: 30 })
    .returning({ id: policies.id });
  return { ...org, policyId: policy.id };
}

describe('requestPolicyChange', () => {
  it('stores the request, records its event and emails the operators, all in one go', async () => {
    const org = await orgWithPolicy();
    const actor = await actorFor(org.managerId);
    const now = new Date('2026-11-20T10:00:00Z');
    const { id } = await requestPolicyChange({ actor, policyId: org.policyId, details: '  Expire after 14 days instead of 30.  ', now });

    const listed = await listPolicyChangeRequests(getDb(), org.orgId);
    expect(listed).toEqual([
      expect.objectContaining({ id, policyName: 'Secure subject', requestedByEmail: `manager@${org.domain}`, details: 'Expire after 14 days instead of 30.', state: 'sent', requestedAt: now }),
    ]);

    const events = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'policies.change_requested')));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorEmail: `manager@${org.domain}`,
      targetType: 'policy_change_request',
      targetId: id,
      targetLabel: 'Secure subject',
      summary: `manager@${org.domain} asked Sealpost to change the policy "Secure subject"`,
    });

    const mail = await getDb().select().from(outboxMessages).where(and(eq(outboxMessages.orgId, org.orgId), eq(outboxMessages.kind, 'policy_change_request')));
    expect(mail).toHaveLength(1);
    expect(mail[0].recipient).toBe(env().SEALPOST_OPERATORS_EMAIL);
    expect(mail[0].subject).toBe(`Policy change request from Org ${org.domain.slice(1, 9)}`);
    expect(mail[0].bodyText).toContain('Policy: Secure subject');
    expect(mail[0].bodyText).toContain('Request: Expire after 14 days instead of 30.');
    expect(mail[0].bodyText).toContain(`Reference: ${id}`);
  });

  it('asks for a new policy when none is chosen', async () => {
    const org = await createTestOrg();
    const { id } = await requestPolicyChange({ actor: await actorFor(org.ownerId), policyId: '', details: 'Add SMS two-factor for recipients without TLS.' });
    const [row] = await getDb().select().from(policyChangeRequests).where(eq(policyChangeRequests.id, id));
    expect(row).toMatchObject({ policyId: null, policyName: '', state: 'sent' });
    const [event] = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'policies.change_requested')));
    expect(event.summary).toBe(`owner@${org.domain} asked Sealpost for a new policy`);
    expect(event.targetLabel).toBe('A new policy');
  });

  it('refuses a read-only administrator, another organisation’s policy and an empty request, and changes nothing', async () => {
    const org = await orgWithPolicy();
    const other = await orgWithPolicy();
    expect((await refusal(requestPolicyChange({ actor: await actorFor(org.viewerId), policyId: '', details: 'Please add a policy for us.' }))).code).toBe('forbidden');
    expect((await refusal(requestPolicyChange({ actor: await actorFor(org.ownerId), policyId: other.policyId, details: 'Change their policy, please.' }))).code).toBe('not_found');
    expect((await refusal(requestPolicyChange({ actor: await actorFor(org.ownerId), policyId: '', details: '   short ' }))).code).toBe('invalid_input');
    expect(await listPolicyChangeRequests(getDb(), org.orgId)).toEqual([]);
    expect(await listPolicyChangeRequests(getDb(), other.orgId)).toEqual([]);
    const mail = await getDb().select().from(outboxMessages).where(and(eq(outboxMessages.orgId, org.orgId), eq(outboxMessages.kind, 'policy_change_request')));
    expect(mail).toEqual([]);
    const events = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'policies.change_requested')));
    expect(events).toEqual([]);
  });
});

describe('answerPolicyChangeRequest (the operators)', () => {
  it('moves the request on, records the answer as an event of the organisation and emails the administrator who asked', async () => {
    const org = await orgWithPolicy();
    const { id } = await requestPolicyChange({ actor: await actorFor(org.managerId), policyId: org.policyId, details: 'Turn read receipts on for this policy.' });
    const later = new Date(Date.now() + 60_000);

    expect(await answerPolicyChangeRequest(getDb(), { id, state: 'done', note: 'Read receipts are on.', now: later })).toEqual({ orgId: org.orgId, state: 'done', changed: true });
    const [listed] = await listPolicyChangeRequests(getDb(), org.orgId);
    expect(listed).toMatchObject({ id, state: 'done', updatedAt: later });

    const [event] = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'policies.change_request_answered')));
    expect(event).toMatchObject({ actorType: 'system', actorEmail: 'operator', targetId: id, summary: 'Sealpost marked the change request for the policy "Secure subject" done: Read receipts are on.' });
    const [mail] = await getDb().select().from(outboxMessages).where(and(eq(outboxMessages.orgId, org.orgId), eq(outboxMessages.kind, 'policy_change_answered')));
    expect(mail).toMatchObject({ recipient: `manager@${org.domain}`, subject: 'Your policy change request: Done' });
    expect(mail.bodyText).toContain('Their note: Read receipts are on.');

    // The same answer again changes nothing and says so; an unknown reference is not found.
    expect(await answerPolicyChangeRequest(getDb(), { id, state: 'done' })).toEqual({ orgId: org.orgId, state: 'done', changed: false });
    const events = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'policies.change_request_answered')));
    expect(events).toHaveLength(1);
    expect((await refusal(answerPolicyChangeRequest(getDb(), { id: '00000000-0000-4000-8000-000000000000', state: 'declined' }))).code).toBe('not_found');
    expect((await refusal(answerPolicyChangeRequest(getDb(), { id: 'not-a-reference', state: 'declined' }))).code).toBe('invalid_input');
  });
});
