import Link from 'next/link';
import { Button } from '@/components/ui/button';
import { FormField } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { Select } from '@/components/ui/select';
import { presetRange, REPORT_PRESETS, type ReportRange, type ReportUnit } from '@/lib/messaging/reports';

/**
 * The presets (links), then a plain GET form (?from=…&to=…&by=…): works without JavaScript and
 * gives a shareable URL. A preset leaves the bars to the range's usual unit.
 */
export function ReportRangeForm({ range, chosenUnit, now }: { range: ReportRange; chosenUnit: ReportUnit | null; now: Date }) {
  return (
    <div className="grid gap-4">
      <nav aria-label="Report presets">
        <ul className="flex flex-wrap gap-2">
          {REPORT_PRESETS.map((preset) => {
            const target = presetRange(preset.days, now);
            const current = !chosenUnit && target.from === range.from && target.to === range.to;
            return (
              <li key={preset.id}>
                <Button asChild size="sm" variant={current ? 'primary' : 'outline'}>
                  <Link href={`/reports?from=${target.from}&to=${target.to}`} aria-current={current ? 'page' : undefined}>
                    {preset.label}
                  </Link>
                </Button>
              </li>
            );
          })}
        </ul>
      </nav>
      <form
        method="get"
        action="/reports"
        aria-label="Date range"
        // Remount when the range changes so the uncontrolled fields show the URL's values.
        key={`${range.from}_${range.to}_${chosenUnit ?? ''}`}
        className="grid items-end gap-4 sm:grid-cols-[repeat(3,minmax(0,12rem))_auto]"
      >
        <FormField id="report-from" label="From">
          <Input id="report-from" name="from" type="date" min="0001-01-01" max="9999-12-31" required defaultValue={range.from} />
        </FormField>
        <FormField id="report-to" label="To">
          <Input id="report-to" name="to" type="date" min="0001-01-01" max="9999-12-31" required defaultValue={range.to} />
        </FormField>
        <FormField id="report-by" label="Bars">
          <Select id="report-by" name="by" defaultValue={chosenUnit ?? ''}>
            <option value="">Automatic</option>
            <option value="day">Per day</option>
            <option value="week">Per week</option>
            <option value="month">Per month</option>
          </Select>
        </FormField>
        <Button type="submit" className="justify-self-start">
          Show report
        </Button>
      </form>
    </div>
  );
}
