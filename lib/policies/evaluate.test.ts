import { describe, expect, it } from 'vitest';
import { evaluatePolicies, type EvaluablePolicy } from './evaluate';

const p = (id: string, conditionKind: string, conditionValue: string, delivery: EvaluablePolicy['delivery'] = 'secure_portal'): EvaluablePolicy => ({ id, conditionKind, conditionValue, delivery });
const msg = { subject: 'Quarterly [Secure] report', hasAttachment: false, senderGroups: [] as string[] };

describe('evaluatePolicies', () => {
  it.each([
    ['subject contains, any case', [p('s', 'subject_contains', '[secure]')], msg, true, 's', 'secure_portal'],
    ['subject does not contain', [p('s', 'subject_contains', '[phi]')], msg, true, null, 'smtp'],
    ['empty subject condition never matches', [p('s', 'subject_contains', '  ')], msg, true, null, 'smtp'],
    ['attachment present', [p('a', 'attachment_present', '', 'sms_two_factor')], { ...msg, hasAttachment: true }, true, 'a', 'sms_two_factor'],
    ['no attachment', [p('a', 'attachment_present', '')], msg, true, null, 'smtp'],
    ['sender in group, any case', [p('g', 'sender_in_group', 'Legal')], { ...msg, senderGroups: ['LEGAL'] }, true, 'g', 'secure_portal'],
    ['sender not in group', [p('g', 'sender_in_group', 'Legal')], { ...msg, senderGroups: ['Finance'] }, true, null, 'smtp'],
    ['recipient without TLS', [p('t', 'recipient_without_tls', '', 'sms_two_factor')], msg, false, 't', 'sms_two_factor'],
    ['recipient with TLS', [p('t', 'recipient_without_tls', '', 'sms_two_factor')], msg, true, null, 'smtp'],
    ['unknown kind never matches', [p('x', 'weekday_is', 'monday')], msg, true, null, 'smtp'],
    ['first match in order wins', [p('first', 'subject_contains', 'report', 'tls_required'), p('second', 'subject_contains', '[secure]')], msg, true, 'first', 'tls_required'],
  ] as const)('%s', (_name, policies, message, tlsCapable, policyId, outcome) => {
    const [decision] = evaluatePolicies(policies, message, [{ address: 'r@example.org', tlsCapable }]);
    expect(decision.policy?.id ?? null).toBe(policyId);
    expect(decision.outcome).toBe(outcome);
  });

  it('decides per recipient', () => {
    const list = [p('t', 'recipient_without_tls', '', 'sms_two_factor')];
    const decisions = evaluatePolicies(list, msg, [
      { address: 'a@tls.example', tlsCapable: true },
      { address: 'b@plain.example', tlsCapable: false },
    ]);
    expect(decisions.map((d) => [d.address, d.outcome])).toEqual([
      ['a@tls.example', 'smtp'],
      ['b@plain.example', 'sms_two_factor'],
    ]);
  });
});
