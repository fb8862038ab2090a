/** A secure message's states, as monitoring shows them (lib/messaging/monitoring.ts): pure, safe in the browser. */
export const MONITOR_STATES = ['read', 'unread', 'extended', 'expired', 'recalled'] as const;
export type MonitorState = (typeof MONITOR_STATES)[number];

export const MONITOR_STATE_LABELS: Record<MonitorState, string> = {
  read: 'Read',
  unread: 'Unread',
  extended: 'Extended',
  expired: 'Expired',
  recalled: 'Recalled',
};

/** A message's states side by side: read or unread, and each of extended, expired and recalled that holds. */
export function messageStates(message: { read: boolean; extended: boolean; expired: boolean; recalled: boolean }): MonitorState[] {
  return [message.read ? 'read' : 'unread', ...(['extended', 'expired', 'recalled'] as const).filter((state) => message[state])];
}

