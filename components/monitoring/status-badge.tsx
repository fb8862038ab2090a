import { Badge, type BadgeProps } from '@/components/ui/badge';
import { messageStates, MONITOR_STATE_LABELS, type MonitorState } from '@/lib/messaging/monitor-states';
import type { MonitoredMessage } from '@/lib/messaging/monitoring';

const variants: Record<MonitorState, NonNullable<BadgeProps['variant']>> = {
  read: 'success',
  unread: 'brand',
  extended: 'warning',
  expired: 'neutral',
  recalled: 'danger',
};

export function MessageStateBadges({ message }: { message: Pick<MonitoredMessage, 'read' | 'extended' | 'expired' | 'recalled'> }) {
  return (
    <span className="flex flex-wrap gap-1">
      {messageStates(message).map((state) => (
        <Badge key={state} variant={variants[state]}>
          {MONITOR_STATE_LABELS[state]}
        </Badge>
      ))}
    </span>
  );
}
