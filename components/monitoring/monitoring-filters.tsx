import Link from 'next/link';
import { Button } from '@/components/ui/button';
import { Checkbox } from '@/components/ui/checkbox';
import { FormField } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { MAX_SEARCH_LENGTH } from '@/lib/messaging/monitoring';
import { secureMessageList, type SecureMessageListState } from '@/lib/messaging/secure-message-list';

const READ_CHOICES = [
  { value: '', label: 'Any' },
  { value: 'read', label: 'Read' },
  { value: 'unread', label: 'Unread' },
] as const;

const FLAGS = [
  { name: 'extended', label: 'Extended', hint: 'expiry extended' },
  { name: 'expired', label: 'Expired', hint: 'past its expiry' },
  { name: 'recalled', label: 'Recalled', hint: 'recipients can no longer open it' },
] as const;

/**
 * A plain GET form: it works without JavaScript, and the URL it produces (lib/messaging/
 * secure-message-list.ts) is the one the page and its pager read. The states do not hide each
 * other: read or unread, and each of extended, expired and recalled; the chosen ones must all hold.
 */
export function MonitoringFilters({ state }: { state: SecureMessageListState }) {
  return (
    <form
      method="get"
      action="/secure-messages"
      role="search"
      aria-label="Filter secure messages"
      // Remount when the filters change so client-side navigation (e.g. "Clear") resets the
      // uncontrolled fields to the URL's values.
      key={secureMessageList.href(state, { page: null })}
      className="grid items-end gap-4 lg:grid-cols-[auto_auto_minmax(0,1fr)_auto]"
    >
      <fieldset className="grid gap-2">
        <legend className="mb-2 text-sm font-medium text-ink">Opened</legend>
        <div className="flex flex-wrap gap-x-4 gap-y-2">
          {READ_CHOICES.map((choice) => (
            <div key={choice.value} className="flex items-center gap-2">
              <input
                type="radio"
                id={`read-${choice.value || 'any'}`}
                name="read"
                value={choice.value}
                defaultChecked={(state.filters.read ?? '') === choice.value}
                className="size-4 accent-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
              />
              <Label htmlFor={`read-${choice.value || 'any'}`}>{choice.label}</Label>
            </div>
          ))}
        </div>
      </fieldset>
      <fieldset className="grid gap-2">
        <legend className="mb-2 text-sm font-medium text-ink">Status</legend>
        <div className="flex flex-wrap gap-x-4 gap-y-2">
          {FLAGS.map((flag) => (
            <div key={flag.name} className="flex items-center gap-2">
              <Checkbox id={`state-${flag.name}`} name={flag.name} value="1" defaultChecked={state.filters[flag.name]} />
              <Label htmlFor={`state-${flag.name}`}>{flag.label}</Label>
            </div>
          ))}
        </div>
      </fieldset>
      <FormField id="monitor-search" label="Search">
        <Input id="monitor-search" name="q" type="search" maxLength={MAX_SEARCH_LENGTH} placeholder="Subject, sender or recipient" defaultValue={state.q} />
      </FormField>
      <div className="flex gap-2">
        <Button type="submit">Apply filters</Button>
        <Button asChild variant="ghost">
          <Link href="/secure-messages">Clear</Link>
        </Button>
      </div>
      <p className="text-xs text-muted lg:col-span-4">
        A message is read (a recipient opened it) or unread, and may also be {FLAGS.map((f) => `${f.label.toLowerCase()} (${f.hint})`).join(', ')}. Chosen states must all hold.
      </p>
    </form>
  );
}
