import { describe, expect, it } from 'vitest';
import { policyForSubject, withPolicy, type SendPolicy } from './send-policy';

const policy = (over: Partial<SendPolicy>): SendPolicy => ({
  id: 'p',
  name: 'Secure delivery on request',
  conditionKind: 'subject_contains',
  conditionValue: '[secure]',
  expireAfterDays: 30,
  readReceipt: true,
  restriction: 'none',
  ...over,
});

describe('send policies', () => {
  it('the first policy whose subject condition the message meets, ignoring case', () => {
    const list = [policy({ id: 'a', conditionValue: '[phi]' }), policy({ id: 'b' }), policy({ id: 'c', conditionValue: 'secure' }), policy({ id: 'd', conditionKind: 'recipient_without_tls', conditionValue: null })];
    expect(policyForSubject(list, 'Re: [SECURE] results')?.id).toBe('b');
    expect(policyForSubject(list, '[phi] and [secure]')?.id).toBe('a');
    expect(policyForSubject(list, 'Lunch?')).toBeNull();
  });

  it("fills in what the sender left open, keeps what they chose, and turns read receipts on", () => {
    const p = policy({ restriction: 'no_print' });
    expect(withPolicy({ expireDays: null, restriction: 'none', readReceipt: false }, p)).toEqual({ expireDays: 30, restriction: 'no_print', readReceipt: true });
    expect(withPolicy({ expireDays: 7, restriction: 'no_print_no_reply', readReceipt: false }, p)).toEqual({ expireDays: 7, restriction: 'no_print_no_reply', readReceipt: true });
    expect(withPolicy({ expireDays: null, restriction: 'none', readReceipt: false }, null)).toEqual({ expireDays: null, restriction: 'none', readReceipt: false });
  });
});
