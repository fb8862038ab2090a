import { describe, expect, it } from 'vitest';
import { describePolicy } from './describe';

describe('describePolicy', () => {
  it('writes the secure-delivery policy in the words /policies shows', () => {
    expect(
      describePolicy({
        conditionKind: 'subject_contains',
        conditionValue: '[secure]',
        delivery: 'secure_portal',
        expireAfterDays: 30,
        readReceipt: true,
        restriction: 'none',
      }),
    ).toBe('Subject contains [secure] → deliver by secure message, expire after 30 days, read receipt on');
  });

  it('writes the SMS two-factor policy', () => {
    expect(
      describePolicy({
        conditionKind: 'recipient_without_tls',
        conditionValue: '',
        delivery: 'sms_two_factor',
        expireAfterDays: null,
        readReceipt: false,
        restriction: 'none',
      }),
    ).toBe('Recipients without TLS → SMS two-factor delivery');
  });

  it('mentions restrictions and a single day', () => {
    expect(
      describePolicy({
        conditionKind: 'attachment_present',
        conditionValue: '',
        delivery: 'secure_portal',
        expireAfterDays: 1,
        readReceipt: false,
        restriction: 'no_print_no_reply',
      }),
    ).toBe('Message has an attachment → deliver by secure message, expire after 1 day, read receipt off, no print, no reply');
  });
});
