import { Logo } from '@/components/shell/logo';
import type { InvoiceLine } from '@/db/schema/billing';
import { cardLabel, paymentLabel } from '@/lib/billing/card-label';
import { describePeriod } from '@/lib/billing/invoice-purpose';
import { formatCents, formatDay } from '@/lib/format';

export type InvoiceView = {
  number: string;
  issuedOn: string;
  dueOn: string;
  status: 'open' | 'paid' | 'void';
  paymentMethod: 'card' | 'check';
  poNumber: string;
  billTo: { name: string; organisation: string; lines: string[] };
  lines: InvoiceLine[];
  subtotalCents: number;
  discountCents: number;
  taxCents: number;
  totalCents: number;
  paidAt: Date | null;
  /** The card that paid (empty for checks, and on invoices from before cards were recorded). */
  cardBrand?: string;
  cardLast4?: string;
};

const STATUS = { open: 'Open', paid: 'Paid', void: 'Void' } as const;

/** The invoice as printed and as rendered to PDF: one component, so both always agree. */
export function InvoiceDocument({ invoice }: { invoice: InvoiceView }) {
  const card = cardLabel({ cardBrand: invoice.cardBrand ?? '', cardLast4: invoice.cardLast4 ?? '' });
  return (
    <article className="mx-auto grid max-w-3xl gap-8 bg-white p-5 text-ink sm:p-10 print:max-w-none print:p-0" aria-label={`Invoice ${invoice.number}`}>
      <header className="flex flex-wrap items-start justify-between gap-6">
        <div className="grid gap-2">
          <Logo />
          <p className="text-sm text-muted">
            Sealpost Inc.
            <br />
            PO Box 4410, Boston, MA 02101, United States
            <br />
            billing@sealpost.example
          </p>
        </div>
        <div className="text-right">
          <h1 className="text-3xl font-semibold tracking-tight">Invoice</h1>
          <p className="mt-1 text-sm">
            Number <span className="font-semibold">{invoice.number}</span>
          </p>
          <p className="mt-2 inline-block rounded-full border border-ink px-3 py-0.5 text-xs font-semibold tracking-wide uppercase">
            {STATUS[invoice.status]}
          </p>
        </div>
      </header>

      <section className="grid gap-6 sm:grid-cols-2 print:grid-cols-2">
        <div>
          <h2 className="text-xs font-semibold tracking-wide text-muted uppercase">Bill to</h2>
          <p className="mt-1 text-sm">
            <span className="font-medium">{invoice.billTo.organisation}</span>
            <br />
            Attn: {invoice.billTo.name}
            {invoice.billTo.lines.map((line) => (
              <span key={line}>
                <br />
                {line}
              </span>
            ))}
          </p>
        </div>
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm sm:justify-self-end">
          <dt className="text-muted">Invoice date</dt>
          <dd>{formatDay(invoice.issuedOn)}</dd>
          <dt className="text-muted">Due date</dt>
          <dd>{formatDay(invoice.dueOn)}</dd>
          <dt className="text-muted">PO number</dt>
          <dd>{invoice.poNumber || '—'}</dd>
          <dt className="text-muted">Payment</dt>
          <dd>{paymentLabel(invoice)}</dd>
        </dl>
      </section>

      <table className="w-full text-sm">
        <caption className="sr-only">Invoice lines</caption>
        <thead>
          <tr className="border-b-2 border-ink text-left">
            <th scope="col" className="py-2 font-semibold">
              Description
            </th>
            <th scope="col" className="py-2 pl-4 text-right font-semibold">
              Quantity
            </th>
            <th scope="col" className="py-2 pl-4 text-right font-semibold whitespace-nowrap">
              Price per year
            </th>
            <th scope="col" className="py-2 pl-4 text-right font-semibold">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {invoice.lines.map((line) => (
            <tr key={line.description} className="border-b border-line align-top">
              <td className="py-3 [overflow-wrap:anywhere]">
                {line.description}
                {line.period && <span className="mt-1 block text-xs text-muted">Service period {describePeriod(line.period)}</span>}
                {line.detail && <span className="mt-1 block text-xs break-words text-muted">{line.detail}</span>}
              </td>
              <td className="py-3 pl-4 text-right tabular-nums">{line.quantity}</td>
              <td className="py-3 pl-4 text-right whitespace-nowrap tabular-nums">{formatCents(line.unitPriceCents)}</td>
              <td className="py-3 pl-4 text-right whitespace-nowrap tabular-nums">{formatCents(line.amountCents)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <dl className="ml-auto grid w-full max-w-xs grid-cols-[1fr_auto] gap-x-6 gap-y-1 text-sm">
        <dt>Subtotal</dt>
        <dd className="text-right tabular-nums">{formatCents(invoice.subtotalCents)}</dd>
        {invoice.discountCents > 0 && (
          <>
            <dt>Discount</dt>
            <dd className="text-right tabular-nums">−{formatCents(invoice.discountCents)}</dd>
          </>
        )}
        {invoice.taxCents > 0 && (
          <>
            <dt>Tax</dt>
            <dd className="text-right tabular-nums">{formatCents(invoice.taxCents)}</dd>
          </>
        )}
        <dt className="border-t-2 border-ink pt-2 text-base font-semibold">Total (USD)</dt>
        <dd className="border-t-2 border-ink pt-2 text-right text-base font-semibold tabular-nums">{formatCents(invoice.totalCents)}</dd>
      </dl>

      <footer className="border-t border-line pt-4 text-xs text-muted">
        {invoice.status === 'paid'
          ? `Paid${invoice.paidAt ? ` on ${formatDay(invoice.paidAt)}` : ''}${card ? ` with ${card}` : ''}. Thank you.`
          : invoice.status === 'void'
            ? 'This invoice has been voided and is not payable.'
            : `Please pay by check to Sealpost Inc., Accounts Receivable, PO Box 4410, Boston, MA 02101, by ${formatDay(invoice.dueOn)}, and write invoice number ${invoice.number} on the check.`}
      </footer>
    </article>
  );
}
