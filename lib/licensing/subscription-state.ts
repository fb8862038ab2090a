/**
 * What a subscription may still do, from its renewal date and the clock (pure; `now` passed in).
 * Modelled on Microsoft 365's Active → Expired → Disabled:
 *
 * - **active**: before the renewal date. Everything works.
 * - **expired**: on the renewal date (the term has no day left to prorate) and for the grace
 *   period after it. Everything keeps working except buying more licenses: a prorated purchase
 *   would cost nothing, and licenses bought into an ended term are not what anyone means to buy.
 *   The organisation renews first.
 * - **disabled**: past the grace period. Administration of what the subscription pays for is
 *   read-only (no adding, renaming or removing licensed addresses; no purchase but the renewal),
 *   and the organisation's internal users can read their secure messages but not send new ones.
 *   Renewing and paying always work, and a renewal makes the subscription active again.
 *
 * The use cases enforce this (lib/billing, lib/licensing, lib/messaging); pages only explain it.
 */
import { formatDay, plural } from '@/lib/format';
import { addDays, daysUntil } from './term';

/** Days after the renewal date during which a lapsed subscription keeps working. */
export const GRACE_PERIOD_DAYS = 30;

export type SubscriptionState =
  | { status: 'active'; renewalDate: string; daysLeft: number }
  | {
      status: 'expired';
      renewalDate: string;
      /** Days since the renewal date (0 on the day itself). */
      daysOverdue: number;
      /** The first day of the disabled state. */
      disabledOn: string;
      daysUntilDisabled: number;
    }
  | { status: 'disabled'; renewalDate: string; daysOverdue: number; disabledOn: string };

export type SubscriptionStatus = SubscriptionState['status'];

export function subscriptionState(renewalDate: string, now: Date): SubscriptionState {
  const daysLeft = daysUntil(renewalDate, now);
  if (daysLeft > 0) return { status: 'active', renewalDate, daysLeft };
  const daysOverdue = Math.abs(daysLeft);
  const disabledOn = addDays(renewalDate, GRACE_PERIOD_DAYS);
  if (daysOverdue < GRACE_PERIOD_DAYS) {
    return { status: 'expired', renewalDate, daysOverdue, disabledOn, daysUntilDisabled: GRACE_PERIOD_DAYS - daysOverdue };
  }
  return { status: 'disabled', renewalDate, daysOverdue, disabledOn };
}

export const STATUS_LABEL: Record<SubscriptionStatus, string> = { active: 'Active', expired: 'Expired', disabled: 'Disabled' };

function ago(days: number): string {
  return days === 0 ? 'today' : `${plural(days, 'day')} ago`;
}

/** One line for the dashboard and the shell's banner: what happened and what to do. */
export function describeSubscriptionState(state: SubscriptionState): string {
  switch (state.status) {
    case 'active':
      return `Active until ${formatDay(state.renewalDate)}.`;
    case 'expired':
      return `Expired ${ago(state.daysOverdue)}. Renew before ${formatDay(state.disabledOn)} to keep full access; buying more licenses waits for the renewal.`;
    case 'disabled':
      return `Disabled since ${formatDay(state.disabledOn)} (expired ${formatDay(state.renewalDate)}). Read-only until you renew: no new licensed addresses or purchases, and your users cannot send new secure messages.`;
  }
}

/** The dashboard's short form beside the status (the shell's banner gives the whole of it). */
export function summariseSubscriptionState(state: SubscriptionState): string {
  switch (state.status) {
    case 'active':
      return `${plural(state.daysLeft, 'day')} left`;
    case 'expired':
      return `Expired ${ago(state.daysOverdue)} — renew before ${formatDay(state.disabledOn)} to avoid losing access`;
    case 'disabled':
      return `Read-only since ${formatDay(state.disabledOn)} — renew to restore access`;
  }
}

/** The refusal of a license purchase once the term has ended (any state but active). */
export function termEndedMessage(renewalDate: string): string {
  return `Your subscription's term ended on ${formatDay(renewalDate)}. Renew it first (Renewals), then buy more licenses.`;
}

/** The refusal of a change that a disabled subscription does not allow. */
export function disabledMessage(state: Extract<SubscriptionState, { status: 'disabled' }>, what: string): string {
  return `Your subscription expired on ${formatDay(state.renewalDate)} and is read-only until it is renewed: ${what} A level 1 administrator can renew under Renewals.`;
}
