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

  it("fills in what the sender left open, keeps what they chose, and turns read receipts on", () => {
    const p = policy({ restriction: 'no_print' });
    expect(withPolicy({ expireDays: null, restriction: 'none', readReceipt: false }, p)).toEqual({ expireDays: 30, restriction: 'no_print', readReceipt: true });
    expect(withPolicy({ expireDays: 7, restriction: 'no_print_no_reply', readReceipt: false }, p)).toEqual({ expireDays: 7, restriction: 'no_print_no_reply', readReceipt: true });
    expect(withPolicy({ expireDays: null, restriction: 'none', readReceipt: false }, null)).toEqual({ expireDays: null, restriction: 'none', readReceipt: false });
  });
});
