import { formatCents } from '@/lib/format';

export type SummarisedOrder = {
  kind: 'licenses' | 'renewal';
  quantity: number;
  unitPriceCents: number;
  daysCharged: number;
  daysInTerm: number;
  subtotalCents: number;
  discountBps: number;
  discountCents: number;
  taxBps: number;
  taxCents: number;
  totalCents: number;
  lines: { description: string; quantity: number; unitPriceCents: number; amountCents: number }[];
};

const percent = (bps: number) => `${(bps / 100).toLocaleString('en-US', { maximumFractionDigits: 2 })}%`;

/** Every line of the arithmetic, so the buyer can check it: quantity × price × days, discount, tax, total. */
export function OrderSummary({ order }: { order: SummarisedOrder }) {
  return (
    <dl className="grid gap-2 text-sm">
      {order.lines.map((line) => (
        <div key={line.description} className="flex justify-between gap-4">
          <dt>{line.description}</dt>
          <dd className="shrink-0 tabular-nums">{formatCents(line.amountCents)}</dd>
        </div>
      ))}
      {order.kind === 'licenses' && (
        <div className="flex justify-between gap-4 text-muted">
          <dt>
            {order.quantity} × {formatCents(order.unitPriceCents)} × {order.daysCharged} / {order.daysInTerm} days, rounded to the cent
          </dt>
          <dd />
        </div>
      )}
      <div className="flex justify-between gap-4 border-t border-line pt-2">
        <dt>Subtotal</dt>
        <dd className="tabular-nums">{formatCents(order.subtotalCents)}</dd>
      </div>
      {order.discountBps > 0 && (
        <div className="flex justify-between gap-4">
          <dt>Discount ({percent(order.discountBps)})</dt>
          <dd className="tabular-nums">−{formatCents(order.discountCents)}</dd>
        </div>
      )}
      {order.taxBps > 0 && (
        <div className="flex justify-between gap-4">
          <dt>Tax ({percent(order.taxBps)})</dt>
          <dd className="tabular-nums">{formatCents(order.taxCents)}</dd>
        </div>
      )}
      <div className="flex justify-between gap-4 border-t border-line pt-2 text-base font-semibold">
        <dt>Total</dt>
        <dd className="tabular-nums">{formatCents(order.totalCents)}</dd>
      </div>
    </dl>
  );
}
