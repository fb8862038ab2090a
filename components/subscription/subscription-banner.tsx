import Link from 'next/link';
import { Alert } from '@/components/ui/alert';
import { can, type AdminLevel } from '@/lib/auth/permissions';
import { describeSubscriptionState, type SubscriptionState } from '@/lib/licensing/subscription-state';

/**
 * The administration shell's word on a lapsed subscription, on every page: Expired (renew to
 * keep full access) or Disabled (read-only until renewed). Nothing while it is active.
 */
export function SubscriptionBanner({ state, level }: { state: SubscriptionState; level: AdminLevel }) {
  if (state.status === 'active') return null;
  return (
    <Alert variant={state.status === 'disabled' ? 'danger' : 'warning'} title={state.status === 'disabled' ? 'Subscription disabled' : 'Subscription expired'} className="mb-6">
      {describeSubscriptionState(state)}{' '}
      {can(level, 'billing.pay') ? <Link href="/renewals">Renew now</Link> : 'Ask a level 1 administrator to renew.'}
    </Alert>
  );
}
