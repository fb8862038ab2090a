import Link from 'next/link';
import { Button } from '@/components/ui/button';
import { FormField } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { Select } from '@/components/ui/select';
import { auditCategories } from '@/lib/audit/catalog';
import { auditFiltersToSearchParams, auditPeriods, MAX_SEARCH_LENGTH, type AuditFilters } from '@/lib/audit/filters';

/**
 * A plain GET form: it works without JavaScript, and the URL it produces is the one the page,
 * its pagination and the export all read.
 */
export function EventFilters({ filters, actors }: { filters: AuditFilters; actors: string[] }) {
  // An actor from a shared link may have no events left in the list; keep it selectable.
  const actorOptions = filters.actor && !actors.includes(filters.actor) ? [filters.actor, ...actors] : actors;
  return (
    <form
      method="get"
      action="/events"
      role="search"
      aria-label="Filter events"
      // Remount when the filters change so client-side navigation (e.g. "Clear") resets the
      // uncontrolled fields to the URL's values.
      key={auditFiltersToSearchParams(filters).toString()}
      className="grid items-end gap-4 sm:grid-cols-2 lg:grid-cols-4"
    >
      <FormField id="events-search" label="Search" className="sm:col-span-2">
        <Input
          id="events-search"
          name="q"
          type="search"
          maxLength={MAX_SEARCH_LENGTH}
          placeholder="Summary or target: an address, an invoice number…"
          defaultValue={filters.q ?? ''}
        />
      </FormField>
      <FormField id="events-period" label="Period">
        <Select id="events-period" name="period" defaultValue={filters.period ?? ''}>
          <option value="">Any time</option>
          {auditPeriods.map((period) => (
            <option key={period.id} value={period.id}>
              {period.label}
            </option>
          ))}
        </Select>
      </FormField>
      <FormField id="events-type" label="Type">
        <Select id="events-type" name="category" defaultValue={filters.category ?? ''}>
          <option value="">All types</option>
          {auditCategories.map((category) => (
            <option key={category.id} value={category.id}>
              {category.label}
            </option>
          ))}
        </Select>
      </FormField>
      <FormField id="events-actor" label="Actor">
        <Select id="events-actor" name="actor" defaultValue={filters.actor ?? ''}>
          <option value="">All actors</option>
          {actorOptions.map((email) => (
            <option key={email} value={email}>
              {email}
            </option>
          ))}
        </Select>
      </FormField>
      <FormField id="events-from" label="From">
        <Input id="events-from" name="from" type="date" min="0001-01-01" max="9999-12-31" defaultValue={filters.from ?? ''} />
      </FormField>
      <FormField id="events-to" label="To">
        <Input id="events-to" name="to" type="date" min="0001-01-01" max="9999-12-31" defaultValue={filters.to ?? ''} />
      </FormField>
      <div className="flex gap-2 sm:col-span-2 lg:col-span-4">
        <Button type="submit">Apply filters</Button>
        <Button asChild variant="ghost">
          <Link href="/events">Clear</Link>
        </Button>
      </div>
    </form>
  );
}
