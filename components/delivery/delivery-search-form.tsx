import Link from 'next/link';
import { Button } from '@/components/ui/button';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { Select } from '@/components/ui/select';
import { DELIVERY_ROUTES, ROUTE_LABELS } from '@/lib/delivery/routes';
import type { QueryError } from '@/lib/delivery/query-language';
import { deliverySearchToParams, type DeliverySearchParams } from '@/lib/delivery/search-params';

/** Shows where in the query the parser stopped: the text with a marker at the position. */
export function QueryErrorText({ q, error }: { q: string; error: QueryError }) {
  const at = Math.min(Math.max(error.position, 0), q.length);
  return (
    <>
      <span>{error.message} (at character {at + 1}).</span>{' '}
      <code className="whitespace-pre-wrap rounded bg-canvas px-1 font-mono text-xs [overflow-wrap:anywhere]">
        {q.slice(0, at)}
        <mark className="bg-danger-50 text-danger-700 underline">{q.slice(at, at + 1) || ' '}</mark>
        {q.slice(at + 1)}
      </code>
    </>
  );
}

/**
 * A plain GET form: it works without JavaScript, and the URL it produces (dates and query text)
 * is what the page, its pagination, its sort links and the export all read, so it can be shared.
 */
export function DeliverySearchForm({ params }: { params: DeliverySearchParams }) {
  const error = params.queryError ? <QueryErrorText q={params.q} error={params.queryError} /> : undefined;
  const hint = (
    <>
      Words match whole words, addresses and host names, or their parts (<code>person@example.com</code>,{' '}
      <code>patel</code>, <code>5.1.1</code>); <code>from:</code>, <code>to:</code> and <code>server:</code> match any part.
      For example <code>person@example.com AND delivery</code>, <code>from:alice</code>, <code>to:partner.example</code>,{' '}
      <code>status:bounced</code>, <code>code:5.1.1</code>, <code>method:tls</code>, <code>route:verified</code>, <code>id:&lt;message id&gt;</code>,{' '}
      <code>&quot;quoted phrase&quot;</code>, parentheses, <code>AND</code>, <code>OR</code>, <code>NOT</code>.
    </>
  );
  return (
    <form
      method="get"
      action="/delivery-events"
      role="search"
      aria-label="Search delivery events"
      key={deliverySearchToParams(params).toString()}
      className="grid items-start gap-4 sm:grid-cols-3 xl:grid-cols-[10rem_10rem_13rem_minmax(0,1fr)_auto]"
    >
      {params.sort !== 'time' && <input type="hidden" name="sort" value={params.sort} />}
      {params.dir !== 'asc' && <input type="hidden" name="dir" value={params.dir} />}
      <FormField id="delivery-from" label="Start date">
        <Input id="delivery-from" name="from" type="date" min="0001-01-01" max="9999-12-31" defaultValue={params.from} />
      </FormField>
      <FormField id="delivery-to" label="End date">
        <Input id="delivery-to" name="to" type="date" min="0001-01-01" max="9999-12-31" defaultValue={params.to} />
      </FormField>
      <FormField id="delivery-route" label="Route">
        {/* How each recipient's copy travelled (NTA 7516); the same as the route: search term. */}
        <Select id="delivery-route" name="route" defaultValue={params.route ?? ''}>
          <option value="">Any route</option>
          {DELIVERY_ROUTES.map((route) => (
            <option key={route} value={route}>
              {ROUTE_LABELS[route]}
            </option>
          ))}
        </Select>
      </FormField>
      <FormField id="delivery-q" label="Search" hint={hint} error={error} className="sm:col-span-3 xl:col-span-1">
        <Input
          {...fieldA11y('delivery-q', { hint, error })}
          name="q"
          type="search"
          maxLength={500}
          autoComplete="off"
          spellCheck={false}
          placeholder="person@example.com AND delivery"
          defaultValue={params.q}
        />
      </FormField>
      <div className="flex gap-2 xl:mt-6">
        <Button type="submit">Search</Button>
        <Button asChild variant="ghost">
          <Link href="/delivery-events">Clear</Link>
        </Button>
      </div>
    </form>
  );
}
