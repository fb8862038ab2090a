import { describe, expect, it } from 'vitest';
import { policyForCompose, withPolicy, type SendPolicy } from './send-policy';

const policy = (over: Partial<SendPolicy>): SendPolicy => ({
  id: 'p',
  name: 'Secure delivery on request',
  conditionKind: 'subject_contains',
  conditionValue: '[secure]',
  delivery: 'secure_portal',
  expireAfterDays: 30,
  readReceipt: true,
  restriction: 'none',
  ...over,
});
const message = (over: Partial<{ subject: string; hasAttachment: boolean; senderGroups: string[] }> = {}) => ({ subject: '', hasAttachment: false, senderGroups: [], ...over });

describe('send policies', () => {
  it('the first policy whose subject condition the message meets, ignoring case', () => {
    const list = [policy({ id: 'a', conditionValue: '[phi]' }), policy({ id: 'b' }), policy({ id: 'c', conditionValue: 'secure' }), policy({ id: 'd', conditionKind: 'recipient_without_tls', conditionValue: null })];
    expect(policyForCompose(list, message({ subject: 'Re: [SECURE] results' }))?.id).toBe('b');
    expect(policyForCompose(list, message({ subject: '[phi] and [secure]' }))?.id).toBe('a');
    expect(policyForCompose(list, message({ subject: 'Lunch?' }))).toBeNull();
  });

  it('compose meets attachment and sender-group conditions too, never "recipients without TLS"', () => {
    const list = [policy({ id: 'tls', conditionKind: 'recipient_without_tls', conditionValue: '' }), policy({ id: 'group', conditionKind: 'sender_in_group', conditionValue: 'Legal' }), policy({ id: 'att', conditionKind: 'attachment_present', conditionValue: '' })];
    expect(policyForCompose(list, message({ senderGroups: ['legal'] }))?.id).toBe('group');
    expect(policyForCompose(list, message({ hasAttachment: true }))?.id).toBe('att');
    expect(policyForCompose(list, message())).toBeNull();
  });

  type Choices = Parameters<typeof withPolicy>[0];
  type Policy = Parameters<typeof withPolicy>[1];
  const none: Choices = { expireDays: null, restriction: 'none', readReceipt: false };
  const cases: [string, Choices, Policy, ReturnType<typeof withPolicy>][] = [
    ['no policy: the sender’s choices as they are', { expireDays: 7, restriction: 'no_print', readReceipt: true }, null, { expireDays: 7, restriction: 'no_print', readReceipt: true }],
    ['no policy, nothing chosen', none, null, none],
    ['the policy fills in what the sender left open', none, { expireAfterDays: 30, restriction: 'no_print', readReceipt: true }, { expireDays: 30, restriction: 'no_print', readReceipt: true }],
    ['a longer expiry than the policy’s is cut to the policy’s', { ...none, expireDays: 30 }, { expireAfterDays: 7, restriction: 'none', readReceipt: false }, { expireDays: 7, restriction: 'none', readReceipt: false }],
    ['a shorter expiry than the policy’s is kept', { ...none, expireDays: 1 }, { expireAfterDays: 7, restriction: 'none', readReceipt: false }, { expireDays: 1, restriction: 'none', readReceipt: false }],
    ['“never” does not beat the policy’s expiry', { ...none, expireDays: null }, { expireAfterDays: 14, restriction: 'none', readReceipt: false }, { expireDays: 14, restriction: 'none', readReceipt: false }],
    ['a policy without expiry keeps the sender’s', { ...none, expireDays: 7 }, { expireAfterDays: null, restriction: 'none', readReceipt: false }, { expireDays: 7, restriction: 'none', readReceipt: false }],
    ['a weaker restriction than the policy’s is raised to it', { ...none, restriction: 'no_print' }, { expireAfterDays: null, restriction: 'no_print_no_reply', readReceipt: false }, { expireDays: null, restriction: 'no_print_no_reply', readReceipt: false }],
    ['no restriction is raised to the policy’s', none, { expireAfterDays: null, restriction: 'no_print', readReceipt: false }, { expireDays: null, restriction: 'no_print', readReceipt: false }],
    ['a stricter restriction than the policy’s is kept', { ...none, restriction: 'no_print_no_reply' }, { expireAfterDays: null, restriction: 'no_print', readReceipt: false }, { expireDays: null, restriction: 'no_print_no_reply', readReceipt: false }],
    ['read receipt: the sender asks, the policy does not', { ...none, readReceipt: true }, { expireAfterDays: null, restriction: 'none', readReceipt: false }, { expireDays: null, restriction: 'none', readReceipt: true }],
    ['read receipt: the policy asks, the sender does not', none, { expireAfterDays: null, restriction: 'none', readReceipt: true }, { expireDays: null, restriction: 'none', readReceipt: true }],
    ['everything at once', { expireDays: 30, restriction: 'none', readReceipt: false }, { expireAfterDays: 7, restriction: 'no_print_no_reply', readReceipt: true }, { expireDays: 7, restriction: 'no_print_no_reply', readReceipt: true }],
  ];
  it.each(cases)('policy as a minimum: %s', (_name, choices, p, expected) => {
    expect(withPolicy(choices, p)).toEqual(expected);
  });
});
