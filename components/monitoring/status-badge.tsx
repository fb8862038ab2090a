import { Badge, type BadgeProps } from '@/components/ui/badge';
import { MONITOR_STATUS_LABELS, type MonitorStatus } from '@/lib/messaging/monitoring';

const variants: Record<MonitorStatus, NonNullable<BadgeProps['variant']>> = {
  sent: 'brand',
  read: 'success',
  recalled: 'danger',
  extended: 'warning',
};

export function MessageStatusBadge({ status }: { status: MonitorStatus }) {
  return <Badge variant={variants[status]}>{MONITOR_STATUS_LABELS[status]}</Badge>;
}
