import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { rateLimits } from '@/db/schema';
import { AppError } from '@/lib/errors/app-error';

/**
 * Fixed-window counters in PostgreSQL, so every instance sees the same counts. A key is
 * blocked once its count within the window reaches the limit.
 */
export type ThrottleRule = { key: string; limit: number; windowSeconds: number };

export const SIGN_IN_WINDOW_SECONDS = 15 * 60;

/** Accounts of each kind are throttled apart: one address can be an administrator and a portal user. */
export function signInRules(email: string, clientAddress: string, kind: 'administrator' | 'portal_user' = 'administrator'): ThrottleRule[] {
  const prefix = kind === 'administrator' ? 'sign-in' : 'portal-sign-in';
  const rules: ThrottleRule[] = [{ key: `${prefix}:account:${email.trim().toLowerCase()}`, limit: 5, windowSeconds: SIGN_IN_WINDOW_SECONDS }];
  if (clientAddress) rules.push({ key: `sign-in:address:${clientAddress}`, limit: 30, windowSeconds: SIGN_IN_WINDOW_SECONDS });
  return rules;
}

/** Seconds to wait if any rule is exhausted, else 0. */
export async function throttledFor(db: DbOrTx, rules: ThrottleRule[], now: Date): Promise<number> {
  if (rules.length === 0) return 0;
  const rows = await db
    .select({ key: rateLimits.key, count: rateLimits.count, windowEndsAt: rateLimits.windowEndsAt })
    .from(rateLimits)
    .where(and(inArray(rateLimits.key, rules.map((r) => r.key)), gt(rateLimits.windowEndsAt, now)));
  let wait = 0;
  for (const row of rows) {
    const rule = rules.find((r) => r.key === row.key);
    if (rule && row.count >= rule.limit) {
      wait = Math.max(wait, Math.ceil((row.windowEndsAt.getTime() - now.getTime()) / 1000));
    }
  }
  return wait;
}

/**
 * One more attempt on each rule's counter (a new window when the old one has ended); the counts
 * after it. On its own, for a failure found by a check made before (`throttledFor`).
 */
export async function countAttempt(db: DbOrTx, rules: ThrottleRule[], now: Date) {
  const counts: { rule: ThrottleRule; count: number; windowEndsAt: Date }[] = [];
  for (const rule of rules) {
    const windowEnds = new Date(now.getTime() + rule.windowSeconds * 1000);
    const [row] = await db
      .insert(rateLimits)
      .values({ key: rule.key, count: 1, windowEndsAt: windowEnds })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          count: sql`case when ${rateLimits.windowEndsAt} <= ${now.toISOString()}::timestamptz then 1 else ${rateLimits.count} + 1 end`,
          windowEndsAt: sql`case when ${rateLimits.windowEndsAt} <= ${now.toISOString()}::timestamptz then ${windowEnds.toISOString()}::timestamptz else ${rateLimits.windowEndsAt} end`,
        },
      })
      .returning({ count: rateLimits.count, windowEndsAt: rateLimits.windowEndsAt });
    counts.push({ rule, count: row.count, windowEndsAt: row.windowEndsAt });
  }
  return counts;
}

/**
 * Counts an attempt before it is checked, and returns the seconds to wait when it is over a
 * limit (0 otherwise). The count and the decision are one statement per rule, so concurrent
 * attempts cannot all pass a check made before any of them was counted: of N at once, only the
 * first `limit` go ahead. A successful attempt gives its count back with `refundAttempts`.
 */
export async function reserveAttempt(db: DbOrTx, rules: ThrottleRule[], now: Date): Promise<number> {
  let wait = 0;
  for (const { rule, count, windowEndsAt } of await countAttempt(db, rules, now)) {
    if (count > rule.limit) wait = Math.max(wait, Math.ceil((windowEndsAt.getTime() - now.getTime()) / 1000));
  }
  return wait;
}

/** Gives back the attempt reserved on each rule: a try that succeeded is not held against anyone. */
export async function refundAttempts(db: DbOrTx, rules: ThrottleRule[], now: Date) {
  await db
    .update(rateLimits)
    .set({ count: sql`greatest(${rateLimits.count} - 1, 0)` })
    .where(and(inArray(rateLimits.key, rules.map((rule) => rule.key)), gt(rateLimits.windowEndsAt, now)));
}

/**
 * `reserveAttempt` for checks that simply refuse when over the limit: throws `rate_limited`, and
 * otherwise returns the way to give the attempt back once it has succeeded.
 */
export async function takeAttempt(db: DbOrTx, rules: ThrottleRule[], now: Date): Promise<() => Promise<void>> {
  const wait = await reserveAttempt(db, rules, now);
  if (wait > 0) throw new AppError('rate_limited', waitMessage(wait));
  return () => refundAttempts(db, rules, now);
}

export async function clearThrottle(db: DbOrTx, key: string) {
  await db.delete(rateLimits).where(eq(rateLimits.key, key));
}

export function waitMessage(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return `Too many attempts. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`;
}
