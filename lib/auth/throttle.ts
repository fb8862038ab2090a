import 'server-only';
import { and, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '@/db/client';
import { auditEvents, rateLimits } from '@/db/schema';
import { recordAuditEvent, type AuditEventInput } from '@/lib/audit/record';
import { AppError } from '@/lib/errors/app-error';

/**
 * Fixed-window counters in PostgreSQL, so every instance sees the same counts. A key is
 * blocked once its count within the window reaches the limit. A `ceiling` rule is counted only
 * when every other rule of the attempt is within its limit: attempts refused by a narrower rule
 * do not use up the wider one.
 */
export type ThrottleRule = { key: string; limit: number; windowSeconds: number; ceiling?: boolean };

export const SIGN_IN_WINDOW_SECONDS = 15 * 60;

/**
 * Sign-in attempts in 15 minutes: per account from one client address (tight), per account from
 * all addresses (a looser ceiling), and per client address over all accounts. Someone hammering
 * an account from one address is refused after 5 tries there and adds at most those 5 to the
 * account's ceiling, so the real user, at another address, can still sign in: locking them out
 * takes 10 addresses each used up.
 */
export const SIGN_IN_LIMITS = { accountAndAddress: 5, account: 50, address: 30 } as const;

type AccountKind = 'administrator' | 'portal_user';

/** Accounts of each kind are throttled apart: one address can be an administrator and a portal user. */
function signInPrefix(kind: AccountKind) {
  return kind === 'administrator' ? 'sign-in' : 'portal-sign-in';
}

function accountKey(email: string, kind: AccountKind) {
  return `${signInPrefix(kind)}:account:${email.trim().toLowerCase()}`;
}

/** An email address and a client address contain no space: the key is unambiguous. */
function accountAddressPrefix(email: string, kind: AccountKind) {
  return `${signInPrefix(kind)}:account-address:${email.trim().toLowerCase()} `;
}

export function signInRules(email: string, clientAddress: string, kind: AccountKind = 'administrator'): ThrottleRule[] {
  const windowSeconds = SIGN_IN_WINDOW_SECONDS;
  const rules: ThrottleRule[] = [];
  if (clientAddress) rules.push({ key: `sign-in:address:${clientAddress}`, limit: SIGN_IN_LIMITS.address, windowSeconds });
  // Without a client address (none recorded) all such attempts share one counter of the account.
  rules.push({ key: `${accountAddressPrefix(email, kind)}${clientAddress}`, limit: SIGN_IN_LIMITS.accountAndAddress, windowSeconds });
  rules.push({ key: accountKey(email, kind), limit: SIGN_IN_LIMITS.account, windowSeconds, ceiling: true });
  return rules;
}

/**
 * Forgets an account's failed sign-ins once it has proven itself: its ceiling and its counter at
 * `clientAddress`, or at every address (`null`, after a password reset).
 */
export async function clearSignInFailures(db: DbOrTx, email: string, kind: AccountKind, clientAddress: string | null) {
  const prefix = accountAddressPrefix(email, kind);
  await db
    .delete(rateLimits)
    .where(or(eq(rateLimits.key, accountKey(email, kind)), clientAddress === null ? sql`starts_with(${rateLimits.key}, ${prefix})` : eq(rateLimits.key, `${prefix}${clientAddress}`)));
}

/** A counter over its limit: the one whose window ends last decides the wait. */
export type Refusal = { key: string; wait: number };

function refusal(now: Date, over: { key: string; windowEndsAt: Date }[]): Refusal | null {
  let worst: Refusal | null = null;
  for (const { key, windowEndsAt } of over) {
    const wait = Math.ceil((windowEndsAt.getTime() - now.getTime()) / 1000);
    if (!worst || wait > worst.wait) worst = { key, wait };
  }
  return worst;
}

/** The counter that already refuses further attempts (its count has reached its limit), if any. */
export async function exhaustedRule(db: DbOrTx, rules: ThrottleRule[], now: Date): Promise<Refusal | null> {
  if (rules.length === 0) return null;
  const rows = await db
    .select({ key: rateLimits.key, count: rateLimits.count, windowEndsAt: rateLimits.windowEndsAt })
    .from(rateLimits)
    .where(and(inArray(rateLimits.key, rules.map((r) => r.key)), gt(rateLimits.windowEndsAt, now)));
  return refusal(
    now,
    rows.filter((row) => {
      const rule = rules.find((r) => r.key === row.key);
      return rule !== undefined && row.count >= rule.limit;
    }),
  );
}

/** Seconds to wait if any rule is exhausted, else 0. */
export async function throttledFor(db: DbOrTx, rules: ThrottleRule[], now: Date): Promise<number> {
  return (await exhaustedRule(db, rules, now))?.wait ?? 0;
}

/**
 * One more attempt on each rule's counter (a new window when the old one has ended, which also
 * forgets the old window's audit event); the counts after it. Ceiling rules are counted only
 * when the others are all within their limits. On its own, for a failure found by a check made
 * before (`throttledFor`).
 */
export async function countAttempt(db: DbOrTx, rules: ThrottleRule[], now: Date) {
  const counts: { rule: ThrottleRule; count: number; windowEndsAt: Date }[] = [];
  const ordered = [...rules.filter((rule) => !rule.ceiling), ...rules.filter((rule) => rule.ceiling)];
  for (const rule of ordered) {
    if (rule.ceiling && counts.some(({ rule: counted, count }) => count > counted.limit)) break;
    const windowEnds = new Date(now.getTime() + rule.windowSeconds * 1000);
    const windowOver = sql`${rateLimits.windowEndsAt} <= ${now.toISOString()}::timestamptz`;
    const [row] = await db
      .insert(rateLimits)
      .values({ key: rule.key, count: 1, windowEndsAt: windowEnds })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          count: sql`case when ${windowOver} then 1 else ${rateLimits.count} + 1 end`,
          windowEndsAt: sql`case when ${windowOver} then ${windowEnds.toISOString()}::timestamptz else ${rateLimits.windowEndsAt} end`,
          throttledEventId: sql`case when ${windowOver} then null else ${rateLimits.throttledEventId} end`,
        },
      })
      .returning({ count: rateLimits.count, windowEndsAt: rateLimits.windowEndsAt });
    counts.push({ rule, count: row.count, windowEndsAt: row.windowEndsAt });
  }
  return counts;
}

/**
 * Counts an attempt before it is checked, and returns the counter that refuses it (with the
 * seconds to wait), or null when it may go ahead. The count and the decision are one statement
 * per rule, so concurrent attempts cannot all pass a check made before any of them was counted:
 * of N at once, only the first `limit` go ahead. A successful attempt gives its count back with
 * `refundAttempts`.
 */
export async function reserveAttempt(db: DbOrTx, rules: ThrottleRule[], now: Date): Promise<Refusal | null> {
  const counts = await countAttempt(db, rules, now);
  return refusal(
    now,
    counts.filter(({ rule, count }) => count > rule.limit).map(({ rule, windowEndsAt }) => ({ key: rule.key, windowEndsAt })),
  );
}

/**
 * The audit event of an attempt refused by the counter `key`: the first refusal in the counter's
 * window is a new event, and each further one adds to that event's count (and its summary)
 * instead of adding a row, so hammering a throttled account cannot flood the audit trail. The
 * counter's row is locked meanwhile, so concurrent refusals count on the same event.
 */
export async function recordThrottledAttempt(tx: Tx, key: string, event: Omit<AuditEventInput, 'summary'> & { summary: (count: number) => string; now: Date }) {
  const [counter] = await tx.select({ eventId: rateLimits.throttledEventId }).from(rateLimits).where(eq(rateLimits.key, key)).for('update');
  if (counter?.eventId) {
    const [existing] = await tx
      .select({ count: sql<number>`coalesce((${auditEvents.metadata}->>'count')::int, 1)` })
      .from(auditEvents)
      .where(eq(auditEvents.id, counter.eventId));
    if (existing) {
      const count = existing.count + 1;
      await tx
        .update(auditEvents)
        .set({ summary: event.summary(count), metadata: sql`${auditEvents.metadata} || ${JSON.stringify({ count, lastAttemptAt: event.now.toISOString() })}::jsonb` })
        .where(eq(auditEvents.id, counter.eventId));
      return;
    }
  }
  const eventId = await recordAuditEvent(tx, { ...event, summary: event.summary(1), metadata: { ...event.metadata, count: 1, lastAttemptAt: event.now.toISOString() } });
  await tx.update(rateLimits).set({ throttledEventId: eventId }).where(eq(rateLimits.key, key));
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
  const refused = await reserveAttempt(db, rules, now);
  if (refused) throw new AppError('rate_limited', waitMessage(refused.wait));
  return () => refundAttempts(db, rules, now);
}

export function waitMessage(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return `Too many attempts. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`;
}
