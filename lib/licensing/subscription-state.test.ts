import { describe, expect, it } from 'vitest';
import { describeSubscriptionState, GRACE_PERIOD_DAYS, subscriptionState, summariseSubscriptionState } from './subscription-state';

describe('subscriptionState', () => {
  // Renewal date 1 Jan 2027: the term's last day is 31 Dec 2026; 30 days of grace end on 31 Jan.
  it.each([
    ['2026-10-01T12:00:00Z', { status: 'active', daysLeft: 92 }],
    ['2026-12-31T00:00:00Z', { status: 'active', daysLeft: 1 }],
    ['2026-12-31T23:59:59Z', { status: 'active', daysLeft: 1 }],
    ['2027-01-01T00:00:00Z', { status: 'expired', daysOverdue: 0, disabledOn: '2027-01-31', daysUntilDisabled: 30 }],
    ['2027-01-04T09:00:00Z', { status: 'expired', daysOverdue: 3, disabledOn: '2027-01-31', daysUntilDisabled: 27 }],
    ['2027-01-30T23:59:59Z', { status: 'expired', daysOverdue: 29, disabledOn: '2027-01-31', daysUntilDisabled: 1 }],
    ['2027-01-31T00:00:00Z', { status: 'disabled', daysOverdue: 30, disabledOn: '2027-01-31' }],
    ['2028-06-01T00:00:00Z', { status: 'disabled', daysOverdue: 517, disabledOn: '2027-01-31' }],
  ])('renewal 2027-01-01 at %s', (now, expected) => {
    expect(subscriptionState('2027-01-01', new Date(now))).toEqual({ renewalDate: '2027-01-01', ...expected });
  });

  it('crosses a leap day and a year end with the same grace', () => {
    expect(subscriptionState('2028-02-15', new Date('2028-03-16T00:00:00Z'))).toMatchObject({ status: 'disabled', disabledOn: '2028-03-16' });
    expect(subscriptionState('2028-02-15', new Date('2028-03-15T23:00:00Z'))).toMatchObject({ status: 'expired', daysOverdue: 29 });
    expect(subscriptionState('2026-12-15', new Date('2027-01-13T00:00:00Z'))).toMatchObject({ status: 'expired', disabledOn: '2027-01-14' });
    expect(GRACE_PERIOD_DAYS).toBe(30);
  });
});

describe('describeSubscriptionState', () => {
  it.each([
    ['2026-12-02T10:00:00Z', 'Active until 1 Jan 2027.'],
    ['2027-01-01T10:00:00Z', 'Expired today. Renew before 31 Jan 2027 to keep full access; buying more licenses waits for the renewal.'],
    ['2027-01-04T10:00:00Z', 'Expired 3 days ago. Renew before 31 Jan 2027 to keep full access; buying more licenses waits for the renewal.'],
    [
      '2027-02-10T10:00:00Z',
      'Disabled since 31 Jan 2027 (expired 1 Jan 2027). Read-only until you renew: no new licensed addresses or purchases, and your users cannot send new secure messages.',
    ],
  ])('at %s', (now, text) => {
    expect(describeSubscriptionState(subscriptionState('2027-01-01', new Date(now)))).toBe(text);
  });
});

describe('summariseSubscriptionState', () => {
  it.each([
    ['2026-12-02T10:00:00Z', '30 days left'],
    ['2027-01-04T10:00:00Z', 'Expired 3 days ago — renew before 31 Jan 2027 to avoid losing access'],
    ['2027-02-10T10:00:00Z', 'Read-only since 31 Jan 2027 — renew to restore access'],
  ])('at %s', (now, text) => {
    expect(summariseSubscriptionState(subscriptionState('2027-01-01', new Date(now)))).toBe(text);
  });
});
