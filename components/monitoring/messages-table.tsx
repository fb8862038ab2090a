import Link from 'next/link';
import { Button } from '@/components/ui/button';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { ROUTE_LABELS } from '@/lib/delivery/routes';
import { formatDay } from '@/lib/format';
import { monitorHref, type MonitoredMessage, type MonitorParams } from '@/lib/messaging/monitoring';
import { MessageStatusBadge } from './status-badge';

function None() {
  return (
    <>
      <span aria-hidden className="text-muted">
        —
      </span>
      <span className="sr-only">None</span>
    </>
  );
}

/** Long recipient lists stay one line or two; the panel shows them all. */
function Recipients({ emails }: { emails: string[] }) {
  if (emails.length === 0) return <None />;
  const shown = emails.slice(0, 2).join(', ');
  return <>{emails.length > 2 ? `${shown} and ${emails.length - 2} more` : shown}</>;
}

/** Each shown recipient's route (the same two as the To column), then how many more. */
function Routes({ routes }: { routes: MonitoredMessage['routes'] }) {
  if (routes.length === 0) return <None />;
  return (
    <ul className="grid gap-0.5">
      {routes.slice(0, 2).map((r) => (
        <li key={r.email}>
          <span className="sr-only">{r.email}: </span>
          {ROUTE_LABELS[r.route]}
        </li>
      ))}
      {routes.length > 2 && <li className="text-xs text-muted">and {routes.length - 2} more</li>}
    </ul>
  );
}

/**
 * The organisation's messages. "View log" is a link to this page with ?message=<id>, and a click
 * anywhere on the row follows it (the link covers the row): the server
 * loads that message's log and the panel opens, with or without JavaScript, and the URL can be shared.
 */
export function MessagesTable({ rows, params }: { rows: MonitoredMessage[]; params: MonitorParams }) {
  return (
    <Table aria-label="Secure messages, newest first">
      <TableHeader>
        <TableRow>
          <TableHead>Time (UTC)</TableHead>
          <TableHead>From</TableHead>
          <TableHead>To</TableHead>
          <TableHead>Subject</TableHead>
          <TableHead>Status</TableHead>
          <TableHead>Policy</TableHead>
          <TableHead>Route</TableHead>
          <TableHead>
            <span className="sr-only">Log</span>
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => {
          const selected = row.id === params.messageId;
          return (
            // The whole row opens the panel: the "View log" link stretches over it.
            <TableRow key={row.id} data-state={selected ? 'selected' : undefined} className="relative cursor-pointer">
              <TableCell className="whitespace-nowrap text-muted">
                {/* Date over time keeps the column narrow enough for whole email addresses beside it. */}
                <time dateTime={row.sentAt.toISOString()} className="grid">
                  <span>{formatDay(row.sentAt)}</span>
                  <span className="text-xs">{row.sentAt.toISOString().slice(11, 16)} UTC</span>
                </time>
              </TableCell>
              <TableCell className="break-words">{row.from}</TableCell>
              <TableCell className="break-words">
                <Recipients emails={row.to} />
              </TableCell>
              <TableCell className="max-w-80 min-w-40 font-medium [overflow-wrap:anywhere]">{row.subject}</TableCell>
              <TableCell>
                <MessageStatusBadge status={row.status} />
              </TableCell>
              <TableCell className="min-w-28">
                {row.policyName ?? <None />}
                {row.connectorName && <span className="block text-xs text-muted">by mail gateway · {row.connectorName}</span>}
              </TableCell>
              <TableCell className="min-w-36">
                <Routes routes={row.routes} />
              </TableCell>
              <TableCell className="text-right">
                <Button asChild variant="outline" size="sm">
                  <Link
                    href={monitorHref({ ...params, messageId: row.id })}
                    scroll={false}
                    data-message-link={row.id}
                    aria-label={`View log of "${row.subject}"`}
                    aria-current={selected ? 'true' : undefined}
                    className="after:absolute after:inset-0 after:content-['']"
                  >
                    View log
                  </Link>
                </Button>
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
