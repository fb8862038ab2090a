import { plural } from '@/lib/format';
import type { MessagesPerDay } from '@/lib/messaging/reports';

const WIDTH = 720;
const HEIGHT = 260;
const MARGIN = { top: 12, right: 8, bottom: 28, left: 40 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

// Both colours keep at least 3:1 against white (WCAG 1.4.11) and differ in lightness as well as
// hue; the table below the chart carries the same numbers for anyone who cannot tell them apart.
const COLORS = { outbound: '#2452e0', inbound: '#b45309' } as const;

const shortDay = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const longDay = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
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
export function describeTotals(totals: MessagesPerDay['totals']): string {
  return `${plural(totals.total, 'secure message')}, ${totals.outbound.toLocaleString('en-US')} outbound, ${totals.inbound.toLocaleString('en-US')} inbound`;
}

/**
 * Secure messages per day as stacked bars (outbound below, inbound above), drawn as plain SVG on
 * the server: no chart library in the client bundle. Screen readers get one summary sentence
 * (role="img") and the table of the same numbers below it.
 */
export function MessagesChart({ report }: { report: MessagesPerDay }) {
  const { days } = report;
  const first = days[0];
  const last = days.at(-1);
  if (!first || !last) return null;
  const busiest = days.reduce((best, d) => (d.outbound + d.inbound > best.outbound + best.inbound ? d : best), first);
  const busiestTotal = busiest.outbound + busiest.inbound;
  const step = niceStep(busiestTotal);
  const top = Math.max(step, Math.ceil(busiestTotal / step) * step);
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  const slot = PLOT_W / days.length;
  const barWidth = Math.max(1, slot * 0.7);
  const y = (value: number) => MARGIN.top + PLOT_H - (value / top) * PLOT_H;
  const labelEvery = Math.ceil(days.length / 8);
  const summary =
    `Bar chart of secure messages per day from ${longDay.format(asDate(first.day))} to ${longDay.format(asDate(last.day))}: ` +
    `${describeTotals(report.totals)}.` +
    (busiestTotal > 0 ? ` The busiest day was ${longDay.format(asDate(busiest.day))} with ${plural(busiestTotal, 'message')}.` : '');

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
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="h-auto w-full" role="img" aria-label={summary}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} stroke="#e2e8f0" strokeWidth={1} />
            <text x={MARGIN.left - 6} y={y(tick)} textAnchor="end" dominantBaseline="middle" fontSize={11} fill="#526077">
              {tick}
            </text>
          </g>
        ))}
        {days.map((d, i) => {
          const x = MARGIN.left + i * slot + (slot - barWidth) / 2;
          const outTop = y(d.outbound);
          const inTop = y(d.outbound + d.inbound);
          return (
            <g key={d.day}>
              <title>{`${longDay.format(asDate(d.day))}: ${d.outbound} outbound, ${d.inbound} inbound`}</title>
              {d.outbound > 0 && <rect x={x} y={outTop} width={barWidth} height={y(0) - outTop} fill={COLORS.outbound} />}
              {d.inbound > 0 && <rect x={x} y={inTop} width={barWidth} height={outTop - inTop} fill={COLORS.inbound} />}
              {i % labelEvery === 0 && (
                <text x={MARGIN.left + i * slot + slot / 2} y={HEIGHT - 8} textAnchor="middle" fontSize={11} fill="#526077">
                  {shortDay.format(asDate(d.day))}
                </text>
              )}
            </g>
          );
        })}
        <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(0)} y2={y(0)} stroke="#526077" strokeWidth={1} />
      </svg>
      <figcaption className="text-sm text-muted">Secure messages per day (UTC), outbound and inbound.</figcaption>
      <details className="text-sm">
        <summary className="cursor-pointer font-medium text-brand-700">Show the numbers</summary>
        <table className="mt-3 w-full max-w-md border-collapse text-sm">
          <caption className="sr-only">Secure messages per day</caption>
          <thead>
            <tr className="border-b border-line text-left">
              <th scope="col" className="py-2 pr-4 font-semibold">
                Day
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
            {days.map((d) => (
              <tr key={d.day} className="border-b border-line last:border-0">
                <th scope="row" className="py-1.5 pr-4 text-left font-normal">
                  <time dateTime={d.day}>{longDay.format(asDate(d.day))}</time>
                </th>
                <td className="py-1.5 pr-4 text-right tabular-nums">{d.outbound}</td>
                <td className="py-1.5 pr-4 text-right tabular-nums">{d.inbound}</td>
                <td className="py-1.5 text-right tabular-nums">{d.outbound + d.inbound}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
