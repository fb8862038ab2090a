import { describe, expect, it } from 'vitest';
import type { RecipientResult } from './deliver';
import { expire, retryAt } from './retry';

const first = new Date('2026-12-01T00:00:00Z');
const minutes = (m: number) => new Date(first.getTime() + m * 60_000);

describe('retryAt', () => {
  it.each([
    // attempts so far, now (minutes after the first attempt), next attempt (minutes after the first)
    [1, 0, 5],
    [2, 5, 15],
    [3, 15, 35],
    [4, 35, 75],
    [5, 75, 155],
    [6, 155, 315],
    [7, 315, 555],
    [8, 555, 795], // 320 min would exceed the 4 h cap: 240
    [9, 795, 1035],
    [40, 3000, 3240],
    [5000, 3000, 3240], // no overflow for absurd counts
  ])('after %i attempt(s) at +%i min: next at +%i min', (attempts, now, next) => {
    expect(retryAt({ attempts, firstAttemptAt: first, now: minutes(now) })).toEqual(minutes(next));
  });

  it('makes one last attempt at the deadline, then gives up', () => {
    const fiveDays = 5 * 24 * 60;
    expect(retryAt({ attempts: 30, firstAttemptAt: first, now: minutes(fiveDays - 60) })).toEqual(minutes(fiveDays));
    expect(retryAt({ attempts: 31, firstAttemptAt: first, now: minutes(fiveDays) })).toBeNull();
    expect(retryAt({ attempts: 31, firstAttemptAt: first, now: minutes(fiveDays + 1) })).toBeNull();
  });

  it('honours SMTP_RETRY_DAYS and an injected jitter', () => {
    expect(retryAt({ attempts: 3, firstAttemptAt: first, now: minutes(24 * 60), retryDays: 1 })).toBeNull();
    expect(retryAt({ attempts: 3, firstAttemptAt: first, now: minutes(60), retryDays: 1 })).toEqual(minutes(80));
    expect(retryAt({ attempts: 1, firstAttemptAt: first, now: first, jitter: (d) => d * 1.1 })).toEqual(minutes(5.5));
  });
});

describe('expire', () => {
  it('turns a deferred recipient into a 4.4.7 bounce that keeps the last error', () => {
    const deferred: RecipientResult = {
      recipient: 'bob@dest.test',
      outcome: 'deferred',
      remoteServer: 'mx.dest.test',
      remoteAddress: '192.0.2.1:25',
      smtpCode: 451,
      enhancedCode: '4.7.1',
      diagnostic: '451 4.7.1 Greylisted',
      tls: null,
    };
    expect(expire(deferred)).toEqual({
      ...deferred,
      outcome: 'bounced',
      enhancedCode: '4.4.7',
      diagnostic: 'Delivery time expired: gave up after 5 days of trying. Last error: 451 4.7.1 Greylisted',
    });
  });
});
