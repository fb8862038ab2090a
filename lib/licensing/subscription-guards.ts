import 'server-only';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { subscriptions } from '@/db/schema';
import { AppError } from '@/lib/errors/app-error';
import { disabledMessage, subscriptionState, termEndedMessage, type SubscriptionState } from './subscription-state';

/**
 * The use cases' side of lib/licensing/subscription-state.ts: they read the state from the
 * subscription row (locked by the caller when the change depends on it) and refuse here, so no
 * page, action or route can skip the rule.
 */
export async function getSubscriptionState(db: DbOrTx, orgId: string, now: Date): Promise<SubscriptionState | null> {
  const [sub] = await db.select({ renewalDate: subscriptions.renewalDate }).from(subscriptions).where(eq(subscriptions.orgId, orgId));
  return sub ? subscriptionState(sub.renewalDate, now) : null;
}

/** More licenses are bought only within the term: once it has ended the organisation renews first. */
export function assertTermRunning(renewalDate: string, now: Date) {
  if (subscriptionState(renewalDate, now).status !== 'active') throw new AppError('conflict', termEndedMessage(renewalDate));
}

/** Past the grace period, what the subscription pays for is read-only until it is renewed. */
export function assertNotDisabled(state: SubscriptionState | null, refused: string) {
  if (state?.status === 'disabled') throw new AppError('forbidden', disabledMessage(state, refused));
}
