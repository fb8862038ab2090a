import { CalendarPlus, Mail, MailOpen, Reply, Send, Undo2, type IconComponent } from '@/components/ui/icons';
import { ROUTE_LABELS } from '@/lib/delivery/routes';
import { formatDateTime } from '@/lib/format';
import type { MessageLog as MessageLogData, MessageLogEvent } from '@/lib/messaging/monitoring';
import { MessageStateBadges } from './status-badge';

const kinds: Record<MessageLogEvent['kind'], { label: string; icon: IconComponent }> = {
  sent: { label: 'Sent', icon: Send },
  notified: { label: 'Notification emailed', icon: Mail },
  opened: { label: 'Opened', icon: MailOpen },
  replied: { label: 'Replied', icon: Reply },
  recalled: { label: 'Recalled', icon: Undo2 },
  extended: { label: 'Expiry extended', icon: CalendarPlus },
};

const restrictions: Record<MessageLogData['message']['restriction'], string> = {
  none: 'None',
  no_print: 'No print',
  no_print_no_reply: 'No print, no reply',
};

/**
 * The message's summary and its log, rendered on the server (dates formatted once, in UTC) and
 * handed to the detail panel as children.
 */
export function MessageLog({ log, headingLevel = 'h3' }: { log: MessageLogData; headingLevel?: 'h2' | 'h3' }) {
  const { message, events } = log;
  const Heading = headingLevel;
  return (
    <div className="grid gap-6">
      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-2 text-sm">
        <dt className="text-muted">Status</dt>
        <dd>
          <MessageStateBadges message={message} />
        </dd>
        <dt className="text-muted">From</dt>
        <dd className="[overflow-wrap:anywhere]">{message.from}</dd>
        <dt className="text-muted">To</dt>
        <dd>
          <ul className="grid gap-1">
            {message.recipients.map((r) => (
              <li key={r.email} className="[overflow-wrap:anywhere]">
                {r.email}
                {r.kind === 'cc' && <span className="text-muted"> (CC)</span>}
                <span className="block text-xs text-muted">
                  {ROUTE_LABELS[message.routes.find((route) => route.email === r.email)?.route ?? 'secure_portal']} ·{' '}
                  {r.readAt ? `Read ${formatDateTime(r.readAt)}` : 'Not read yet'}
                </span>
              </li>
            ))}
          </ul>
        </dd>
        <dt className="text-muted">Direction</dt>
        <dd>{message.direction === 'outbound' ? 'Outbound (sent by your organisation)' : 'Inbound (sent to your organisation)'}</dd>
        <dt className="text-muted">Sent</dt>
        <dd>
          <time dateTime={message.sentAt.toISOString()}>{formatDateTime(message.sentAt)}</time>
        </dd>
        <dt className="text-muted">Expires</dt>
        <dd>{message.expiresAt ? <time dateTime={message.expiresAt.toISOString()}>{formatDateTime(message.expiresAt)}</time> : 'Never'}</dd>
        <dt className="text-muted">Policy</dt>
        <dd>{message.policyName ?? 'None'}</dd>
        <dt className="text-muted">Received through</dt>
        <dd>{message.connectorName ? `Mail gateway, connector ${message.connectorName}` : 'Secure-message portal'}</dd>
        <dt className="text-muted">Restriction</dt>
        <dd>{restrictions[message.restriction]}</dd>
        <dt className="text-muted">Read receipt</dt>
        <dd>{message.readReceipt ? 'Requested' : 'Not requested'}</dd>
      </dl>

      <section aria-labelledby={`log-heading-${message.id}`} className="grid gap-3">
        <Heading id={`log-heading-${message.id}`} className="text-sm font-semibold text-ink">
          Log
        </Heading>
        {events.length === 0 ? (
          <p className="text-sm text-muted">Nothing has been logged for this message.</p>
        ) : (
          <ol className="grid gap-3" aria-label="Message log, oldest first">
            {events.map((event) => {
              const { label, icon: Icon } = kinds[event.kind];
              return (
                <li key={event.id} className="flex gap-3 text-sm">
                  <span className="mt-0.5 flex size-6 shrink-0 items-center justify-center rounded-full bg-brand-50 text-brand-700">
                    <Icon aria-hidden className="size-3.5" />
                  </span>
                  <div className="grid min-w-0 gap-0.5">
                    <p>
                      <span className="font-medium">{label}</span>
                      {event.actor && <span className="[overflow-wrap:anywhere]"> · {event.actor}</span>}
                    </p>
                    <p className="text-xs text-muted">
                      <time dateTime={event.occurredAt.toISOString()}>{formatDateTime(event.occurredAt)}</time>
                    </p>
                    {event.detail && <p className="text-xs text-muted">{event.detail}</p>}
                  </div>
                </li>
              );
            })}
          </ol>
        )}
      </section>
    </div>
  );
}
