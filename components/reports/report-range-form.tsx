import { Button } from '@/components/ui/button';
import { FormField } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import type { ReportRange } from '@/lib/messaging/reports';

/** A plain GET form (?from=…&to=…): works without JavaScript and gives a shareable URL. */
export function ReportRangeForm({ range }: { range: ReportRange }) {
  return (
    <form
      method="get"
      action="/reports"
      aria-label="Date range"
      // Remount when the range changes so the uncontrolled date fields show the URL's values.
      key={`${range.from}_${range.to}`}
      className="grid items-end gap-4 sm:grid-cols-[repeat(2,minmax(0,12rem))_auto]"
    >
      <FormField id="report-from" label="From">
        <Input id="report-from" name="from" type="date" min="0001-01-01" max="9999-12-31" required defaultValue={range.from} />
      </FormField>
      <FormField id="report-to" label="To">
        <Input id="report-to" name="to" type="date" min="0001-01-01" max="9999-12-31" required defaultValue={range.to} />
      </FormField>
      <Button type="submit" className="justify-self-start">
        Show report
      </Button>
    </form>
  );
}
