/**
 * When to try a deferred delivery again, like an MTA's queue: 5 minutes, then doubling (10, 20,
 * 40 …) up to 4 hours between attempts, for at most SMTP_RETRY_DAYS (Postfix's
 * maximal_queue_lifetime is 5 days). 4xx replies and connection failures come here; 5xx replies
 * are final at once and never do. Pure: the clock and any jitter are passed in.
 */
import type { RecipientResult } from './deliver';

export const DEFAULT_RETRY_DAYS = 5;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export type RetryInput = {
  /** Attempts made so far, the one that just failed included (≥ 1). */
  attempts: number;
  firstAttemptAt: Date;
  now: Date;
  /** Give up this many days after the first attempt. Default 5. */
  retryDays?: number;
  /** First delay. Default 5 minutes. */
  baseDelayMs?: number;
  /** Longest delay. Default 4 hours. */
  maxDelayMs?: number;
  /** Spreads retries of many messages apart (e.g. d => d * (0.9 + Math.random() * 0.2)); default none. */
  jitter?: (delayMs: number) => number;
};

/** The next attempt's time, or null: the retry period is over, give up (see `expire`). */
export function retryAt(input: RetryInput): Date | null {
  const base = input.baseDelayMs ?? 5 * MINUTE;
  const max = input.maxDelayMs ?? 4 * 60 * MINUTE;
  const deadline = input.firstAttemptAt.getTime() + (input.retryDays ?? DEFAULT_RETRY_DAYS) * DAY;
  const now = input.now.getTime();
  if (now >= deadline) return null;
  // 2^(attempts-1) overflows to Infinity for absurd counts; min() keeps that harmless.
  const delay = Math.min(base * 2 ** Math.max(0, input.attempts - 1), max);
  const next = now + Math.max(0, input.jitter ? input.jitter(delay) : delay);
  // One last attempt at the deadline rather than none after the last full interval.
  return new Date(Math.min(next, deadline));
}

/**
 * The final form of a recipient still deferred when the retry period ends: bounced with RFC 3463
 * 4.4.7 "delivery time expired" (class 4: the last failures were temporary), keeping the last
 * remote server and reply so the DSN can say what went wrong.
 */
export function expire(result: RecipientResult, retryDays: number = DEFAULT_RETRY_DAYS): RecipientResult {
  return {
    ...result,
    outcome: 'bounced',
    enhancedCode: '4.4.7',
    diagnostic: `Delivery time expired: gave up after ${retryDays} day${retryDays === 1 ? '' : 's'} of trying. Last error: ${result.diagnostic}`,
  };
}
