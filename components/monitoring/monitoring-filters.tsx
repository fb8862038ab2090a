import Link from 'next/link';
import { Button } from '@/components/ui/button';
import { Checkbox } from '@/components/ui/checkbox';
import { FormField } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { MAX_SEARCH_LENGTH, MONITOR_STATUSES, MONITOR_STATUS_LABELS, monitorHref, type MonitorParams } from '@/lib/messaging/monitoring';

const hints: Record<(typeof MONITOR_STATUSES)[number], string> = {
  sent: 'not opened yet',
  read: 'opened by a recipient',
  recalled: 'recipients can no longer open it',
  extended: 'expiry extended while unread',
};

/**
 * A plain GET form: it works without JavaScript, and the URL it produces (?status=…&q=…) is the
 * one the page and its pagination read. Several statuses at once show messages of any of them.
 */
export function MonitoringFilters({ params }: { params: MonitorParams }) {
  return (
    <form
      method="get"
      action="/secure-messages"
      role="search"
      aria-label="Filter secure messages"
      // Remount when the filters change so client-side navigation (e.g. "Clear") resets the
      // uncontrolled fields to the URL's values.
      key={monitorHref({ statuses: params.statuses, search: params.search })}
      className="grid items-end gap-4 lg:grid-cols-[auto_minmax(0,1fr)_auto]"
    >
      <fieldset className="grid gap-2">
        <legend className="mb-2 text-sm font-medium text-ink">Status</legend>
        <div className="flex flex-wrap gap-x-5 gap-y-2">
          {MONITOR_STATUSES.map((status) => (
            <div key={status} className="flex items-center gap-2">
              <Checkbox id={`status-${status}`} name="status" value={status} defaultChecked={params.statuses.includes(status)} />
              <Label htmlFor={`status-${status}`}>{MONITOR_STATUS_LABELS[status]}</Label>
            </div>
          ))}
        </div>
      </fieldset>
      <FormField id="monitor-search" label="Search">
        <Input
          id="monitor-search"
          name="q"
          type="search"
          maxLength={MAX_SEARCH_LENGTH}
          placeholder="Subject, sender or recipient"
          defaultValue={params.search}
        />
      </FormField>
      <div className="flex gap-2">
        <Button type="submit">Apply filters</Button>
        <Button asChild variant="ghost">
          <Link href="/secure-messages">Clear</Link>
        </Button>
      </div>
      <p className="text-xs text-muted lg:col-span-3">
        Sent: {hints.sent}. Read: {hints.read}. Recalled: {hints.recalled}. Extended: {hints.extended}.
      </p>
    </form>
  );
}
