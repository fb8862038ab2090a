import { plural } from '@/lib/format';
import type { MessagesReport, ReportPeriod, ReportUnit } from '@/lib/messaging/reports';

// Both colours keep at least 3:1 against white (WCAG 1.4.11) and differ in lightness as well as
// hue; the table below the chart carries the same numbers for anyone who cannot tell them apart.
const COLORS = { outbound: '#2452e0', inbound: '#b45309' } as const;
const INK = '#0f172a';
const MUTED = '#526077';

const longDay = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const shortDay = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const monthYear = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const shortMonth = new Intl.DateTimeFormat('en-GB', { month: 'short', year: '2-digit', timeZone: 'UTC' });
const asDate = (day: string) => new Date(`${day}T00:00:00Z`);

/** A round step (1, 2 or 5 × 10^k) giving at most five gridlines up to `max`. */
export function niceStep(max: number): number {
  if (max <= 5) return 1;
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return step ?? 10 * power;
}

/** "312 secure messages, 201 outbound, 111 inbound" */
export function describeTotals(totals: MessagesReport['totals']): string {
  return `${plural(totals.total, 'secure message')}, ${totals.outbound.toLocaleString('en-US')} outbound, ${totals.inbound.toLocaleString('en-US')} inbound`;
}

export const UNIT_NOUN: Record<ReportUnit, string> = { day: 'day', week: 'week', month: 'month' };

/** A bar's period in words: "5 Jan 2026", "Week of 5 Jan 2026 (5–11 Jan)", "January 2026 (from 14 Jan)". */
export function describePeriod(period: ReportPeriod, unit: ReportUnit): string {
  const start = asDate(period.start);
  if (unit === 'day') return longDay.format(start);
  if (unit === 'week') {
    return period.start === period.end ? `Week of ${longDay.format(start)}` : `Week of ${longDay.format(start)} (${shortDay.format(start)}–${shortDay.format(asDate(period.end))})`;
  }
  const whole = period.start.endsWith('-01') && new Date(asDate(period.end).getTime() + 86_400_000).getUTCDate() === 1;
  return whole ? monthYear.format(start) : `${monthYear.format(start)} (${shortDay.format(start)}–${shortDay.format(asDate(period.end))})`;
}

/** The x-axis label under a bar: short enough for a phone. */
function axisLabel(period: ReportPeriod, unit: ReportUnit): string {
  return unit === 'month' ? shortMonth.format(asDate(period.start)) : shortDay.format(asDate(period.start));
}

function counts(period: ReportPeriod): string {
  return `${period.outbound.toLocaleString('en-US')} outbound, ${period.inbound.toLocaleString('en-US')} inbound, ${(period.outbound + period.inbound).toLocaleString('en-US')} in total`;
}

type Layout = { width: number; height: number; fontSize: number; className: string };

/**
 * Drawn twice, a wide and a narrow SVG, one shown by breakpoint: an SVG scales its text with its
 * width, so one drawing cannot have readable axis labels both at 1,440 px and at 390 px.
 * The hidden copy is display:none, out of the tab order and the accessibility tree.
 */
const LAYOUTS: Layout[] = [
  { width: 760, height: 300, fontSize: 11, className: 'hidden sm:block' },
  { width: 320, height: 260, fontSize: 12, className: 'sm:hidden' },
];

function Chart({ report, layout, summary }: { report: MessagesReport; layout: Layout; summary: string }) {
  const { periods, unit } = report;
  const { width, height, fontSize } = layout;
  // The band at the top holds the focused or hovered bar's numbers, so no bar ever covers them.
  const margin = { top: 44, right: 8, bottom: 28, left: 36 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const busiest = Math.max(0, ...periods.map((p) => p.outbound + p.inbound));
  const step = niceStep(busiest);
  const top = Math.max(step, Math.ceil(busiest / step) * step);
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  const slot = plotW / periods.length;
  const barWidth = Math.max(1, Math.min(slot * 0.7, 48));
  const y = (value: number) => margin.top + plotH - (value / top) * plotH;
  // Labels at least their own width apart: about 0.6 em per character, plus a gap.
  const labelWidth = 6 * fontSize * 0.62 + 8;
  const labelEvery = Math.max(1, Math.ceil(labelWidth / slot));

  return (
    <svg viewBox={`0 0 ${width} ${height}`} className={`h-auto w-full ${layout.className}`} role="group" aria-label={summary}>
      {ticks.map((tick) => (
        <g key={tick} aria-hidden>
          <line x1={margin.left} x2={width - margin.right} y1={y(tick)} y2={y(tick)} stroke="#e2e8f0" strokeWidth={1} />
          <text x={margin.left - 6} y={y(tick)} textAnchor="end" dominantBaseline="middle" fontSize={fontSize} fill={MUTED}>
            {tick.toLocaleString('en-US')}
          </text>
        </g>
      ))}
      <line x1={margin.left} x2={width - margin.right} y1={y(0)} y2={y(0)} stroke={MUTED} strokeWidth={1} aria-hidden />
      {periods.map((p, i) => {
        const slotX = margin.left + i * slot;
        const x = slotX + (slot - barWidth) / 2;
        const outTop = y(p.outbound);
        const inTop = y(p.outbound + p.inbound);
        const label = `${describePeriod(p, unit)}: ${counts(p)}`;
        // The numbers' box, centred over the bar and kept inside the chart.
        const tipW = Math.min(width - 8, 300);
        const tipX = Math.min(Math.max(slotX + slot / 2 - tipW / 2, 4), width - tipW - 4);
        return (
          <g key={p.start} tabIndex={0} role="img" aria-label={label} className="group cursor-default outline-none" data-period={p.start}>
            <title>{label}</title>
            {/* The whole slot answers the pointer, so an empty day or a thin bar is easy to hover. */}
            <rect x={slotX} y={margin.top} width={slot} height={plotH} fill="transparent" />
            <rect x={slotX} y={margin.top} width={slot} height={plotH} fill="#eef2ff" className="opacity-0 group-hover:opacity-100 group-focus:opacity-100" />
            {p.outbound > 0 && <rect x={x} y={outTop} width={barWidth} height={y(0) - outTop} fill={COLORS.outbound} />}
            {p.inbound > 0 && <rect x={x} y={inTop} width={barWidth} height={outTop - inTop} fill={COLORS.inbound} />}
            <rect
              x={slotX + 0.5}
              y={margin.top + 0.5}
              width={Math.max(0, slot - 1)}
              height={plotH - 1}
              fill="none"
              stroke={COLORS.outbound}
              strokeWidth={2}
              className="opacity-0 group-focus-visible:opacity-100"
            />
            {i % labelEvery === 0 && (
              <text x={slotX + slot / 2} y={height - 8} textAnchor="middle" fontSize={fontSize} fill={MUTED} aria-hidden>
                {axisLabel(p, unit)}
              </text>
            )}
            <g aria-hidden className="pointer-events-none opacity-0 group-hover:opacity-100 group-focus:opacity-100">
              <rect x={tipX} y={2} width={tipW} height={36} rx={6} fill="#ffffff" stroke="#cbd5e1" />
              <text x={tipX + 8} y={16} fontSize={fontSize} fontWeight={600} fill={INK}>
                {describePeriod(p, unit)}
              </text>
              <text x={tipX + 8} y={31} fontSize={fontSize} fill={INK}>
                {`${p.outbound.toLocaleString('en-US')} outbound · ${p.inbound.toLocaleString('en-US')} inbound · ${(p.outbound + p.inbound).toLocaleString('en-US')} total`}
              </text>
            </g>
          </g>
        );
      })}
    </svg>
  );
}

/**
 * Secure messages per day, week or month as stacked bars (outbound below, inbound above), drawn
 * as plain SVG on the server: no chart library in the client bundle. Every bar takes the focus
 * (Tab) and names its period and numbers; hover or focus shows them in the band above the plot.
 * The table below has the same numbers.
 */
export function MessagesChart({ report }: { report: MessagesReport }) {
  const { periods, unit } = report;
  const first = periods[0];
  const last = periods.at(-1);
  if (!first || !last) return null;
  const busiest = periods.reduce((best, p) => (p.outbound + p.inbound > best.outbound + best.inbound ? p : best), first);
  const busiestTotal = busiest.outbound + busiest.inbound;
  const noun = UNIT_NOUN[unit];
  const summary =
    `Bar chart of secure messages per ${noun} from ${longDay.format(asDate(first.start))} to ${longDay.format(asDate(last.end))}: ` +
    `${describeTotals(report.totals)}.` +
    (busiestTotal > 0 ? ` The busiest ${noun} was ${describePeriod(busiest, unit)} with ${plural(busiestTotal, 'message')}.` : '');

  return (
    <figure className="grid gap-3">
      <div className="flex flex-wrap gap-4 text-sm" aria-hidden>
        <span className="flex items-center gap-2">
          <span className="size-3 rounded-sm" style={{ background: COLORS.outbound }} /> Outbound
        </span>
        <span className="flex items-center gap-2">
          <span className="size-3 rounded-sm" style={{ background: COLORS.inbound }} /> Inbound
        </span>
      </div>
      {LAYOUTS.map((layout) => (
        <Chart key={layout.width} report={report} layout={layout} summary={summary} />
      ))}
      <figcaption className="text-sm text-muted">
        Secure messages per {noun} (UTC), outbound and inbound. Hover over a bar or move to it with Tab to see its numbers.
      </figcaption>
      <details className="text-sm">
        <summary className="cursor-pointer font-medium text-brand-700">Show the numbers</summary>
        <table className="mt-3 w-full max-w-lg border-collapse text-sm">
          <caption className="sr-only">Secure messages per {noun}</caption>
          <thead>
            <tr className="border-b border-line text-left">
              <th scope="col" className="py-2 pr-4 font-semibold">
                {unit === 'day' ? 'Day' : unit === 'week' ? 'Week' : 'Month'}
              </th>
              <th scope="col" className="py-2 pr-4 text-right font-semibold">
                Outbound
              </th>
              <th scope="col" className="py-2 pr-4 text-right font-semibold">
                Inbound
              </th>
              <th scope="col" className="py-2 text-right font-semibold">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {periods.map((p) => (
              <tr key={p.start} className="border-b border-line last:border-0">
                <th scope="row" className="py-1.5 pr-4 text-left font-normal">
                  <time dateTime={p.start}>{describePeriod(p, unit)}</time>
                </th>
                <td className="py-1.5 pr-4 text-right tabular-nums">{p.outbound}</td>
                <td className="py-1.5 pr-4 text-right tabular-nums">{p.inbound}</td>
                <td className="py-1.5 text-right tabular-nums">{p.outbound + p.inbound}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
