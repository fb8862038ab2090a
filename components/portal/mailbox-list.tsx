import { Lock, Mail, Paperclip } from '@/components/ui/icons';
import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { formatPortalDate } from '@/lib/messaging/format';
import type { PortalPreferences } from '@/db/schema';

export type MailboxRow = {
  id: string;
  subject: string;
  sentAt: Date;
  status: 'sent' | 'recalled';
  restriction: 'none' | 'no_print' | 'no_print_no_reply';
  expiresAt: Date | null;
  readAt: Date | null;
  counterpart: string;
  hasAttachments: boolean;
  /** Its organisation asks for an SMS code first: the subject is not shown (and not known here). */
  locked?: boolean;
  /** Sent only: how many of the recipients have opened it. */
  readBy?: { read: number; of: number };
  /** Inbox only: the row stands for a conversation of this many messages (its newest shown). */
  messages?: number;
};

function ReadBadge({ read, of }: { read: number; of: number }) {
  if (read === 0) return <Badge variant="neutral">Not read yet</Badge>;
  return <Badge variant="success">{read === of ? 'Read' : `Read by ${read} of ${of}`}</Badge>;
}

/** One row's link: counterpart, subject (bold while unread), badges and date. No hooks: the Inbox's client list draws it too. */
export function MailboxRowLink({ row, unreadMatters, preferences, now }: { row: MailboxRow; unreadMatters: boolean; preferences: PortalPreferences; now: Date }) {
  const unread = unreadMatters && !row.readAt && row.status === 'sent';
  const expired = row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime();
  return (
    <Link href={`/secure/messages/${row.id}`} data-focus-heading="" className="flex min-w-0 flex-1 flex-col gap-1 px-4 py-3 hover:bg-canvas sm:flex-row sm:items-center sm:gap-4">
      <span className={`w-56 max-w-full shrink-0 truncate text-sm ${unread ? 'font-semibold text-ink' : 'text-muted'}`}>{row.counterpart}</span>
      <span className={`min-w-0 flex-1 truncate text-sm ${unread ? 'font-semibold' : ''}`}>
        {unread && <span className="sr-only">Unread: </span>}
        {row.messages !== undefined && row.messages > 1 && (
          <span className="mr-2 inline-flex min-w-6 items-center justify-center rounded-full border border-line bg-canvas px-1.5 text-xs font-semibold text-ink" title={`Conversation of ${row.messages} messages`}>
            {row.messages}
            <span className="sr-only"> messages in this conversation: </span>
          </span>
        )}
        {row.locked ? (
          <span className="inline-flex items-center gap-1 text-muted">
            <Lock aria-hidden className="size-3.5" /> Locked: open it to enter the code sent by text message
          </span>
        ) : (
          row.subject
        )}
      </span>
      <span className="flex shrink-0 flex-wrap items-center gap-2">
        {row.hasAttachments && (
          <span title="Has attachments" className="text-muted">
            <Paperclip aria-hidden className="size-4" />
            <span className="sr-only">Has attachments</span>
          </span>
        )}
        {row.restriction !== 'none' && (
          <Badge variant="neutral">
            <Lock aria-hidden className="size-3" /> {row.restriction === 'no_print' ? 'No print' : 'No print, no reply'}
          </Badge>
        )}
        {row.status === 'recalled' && <Badge variant="danger">Recalled</Badge>}
        {row.readBy && row.status === 'sent' && <ReadBadge {...row.readBy} />}
        {expired && <Badge variant="warning">Expired</Badge>}
        <time dateTime={row.sentAt.toISOString()} className="text-xs text-muted">
          {formatPortalDate(row.sentAt, preferences)}
        </time>
      </span>
    </Link>
  );
}

/** Sent and search rows: unread messages in bold, restrictions and expiry as badges. */
export function MailboxList({
  rows,
  label,
  unreadMatters,
  preferences,
  emptyTitle,
  now,
}: {
  rows: MailboxRow[];
  label: string;
  unreadMatters: boolean;
  preferences: PortalPreferences;
  emptyTitle: string;
  /** The request's time, so expiry badges are decided once per render. */
  now: Date;
}) {
  if (rows.length === 0) {
    return (
      <Card className="p-6">
        <EmptyState icon={Mail} title={emptyTitle} />
      </Card>
    );
  }
  return (
    <Card className="overflow-hidden">
      <ul aria-label={label} data-result-list="" className="divide-y divide-line">
        {rows.map((row) => (
          <li key={row.id} className="flex">
            <MailboxRowLink row={row} unreadMatters={unreadMatters} preferences={preferences} now={now} />
          </li>
        ))}
      </ul>
    </Card>
  );
}
